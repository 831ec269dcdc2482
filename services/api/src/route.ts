import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Principal, Role } from './auth';

/** A response an operation may give: its description and, when it has a JSON body, its schema. */
export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

/**
 * One API operation. The same definition registers the fastify route, validates the request,
 * shapes the response and generates the operation in /openapi.json.
 */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'GET' | 'POST';
  /** fastify path, e.g. `/v1/cases/:id` (the metrics `route` label and the OpenAPI path). */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Roles allowed; `public` needs no key. */
  auth: Role[] | 'public';
  params?: P;
  query?: Q;
  body?: B;
  /** Status of a successful response. */
  successStatus: number;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: {
    principal: Principal | null;
    params: z.infer<P>;
    query: z.infer<Q>;
    body: z.infer<B>;
    req: FastifyRequest;
    reply: FastifyReply;
  }) => Promise<unknown>;
}

/** Keeps type inference of `handler` while collecting definitions in one array. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  def: RouteDef<P, Q, B>,
): RouteDef {
  return def as unknown as RouteDef;
}
