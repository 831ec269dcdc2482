import { z } from 'zod';
import type { RouteDef } from './route';

type JsonSchema = Record<string, unknown>;

/** fastify `/v1/cases/:id` → OpenAPI `/v1/cases/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Builds an OpenAPI 3.0 document from the route definitions. Schemas with a `.meta({ id })` become
 * components referenced by `$ref`; everything else is inlined. Query and path parameters come
 * from the properties of their zod objects.
 */
export function buildOpenApi(
  routes: RouteDef[],
  info: { title: string; version: string; description?: string },
) {
  const components: Record<string, JsonSchema> = {};
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const out = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as JsonSchema;
    return hoist(out, components);
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (!schema) continue;
      const obj = convert(schema, 'input') as {
        properties?: Record<string, JsonSchema>;
        required?: string[];
      };
      for (const [name, prop] of Object.entries(obj.properties ?? {})) {
        const { description, ...rest } = prop as JsonSchema & { description?: string };
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (obj.required ?? []).includes(name),
          ...(description ? { description } : {}),
          schema: rest,
        });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      responses[status] = spec.schema
        ? {
            description: spec.description,
            content: { 'application/json': { schema: convert(spec.schema, 'output') } },
          }
        : { description: spec.description };
    }
    const op: Record<string, unknown> = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      ...(r.description ? { description: r.description } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: convert(r.body, 'input') } },
            },
          }
        : {}),
      responses,
      ...(r.auth === 'public' ? { security: [] } : { 'x-roles': r.auth }),
    };
    const p = openApiPath(r.url);
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.0.3',
    info,
    servers: [{ url: '/' }],
    security: [{ bearerKey: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerKey: { type: 'http', scheme: 'bearer', description: 'API key: `Authorization: Bearer vgl_…`' },
      },
      schemas: components,
    },
  };
}

/** Moves the definitions zod extracted (schemas with a meta id) into components, rewriting refs. */
function hoist(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const {
    $defs,
    definitions,
    $schema: _ignored,
    ...rest
  } = schema as JsonSchema & {
    $defs?: Record<string, JsonSchema>;
    definitions?: Record<string, JsonSchema>;
  };
  for (const [id, def] of Object.entries({ ...($defs ?? {}), ...(definitions ?? {}) })) {
    components[id] = rewrite(def) as JsonSchema;
  }
  return rewrite(rest) as JsonSchema;
}

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        out[k] = v.replace(/^#\/(\$defs|definitions)\//, '#/components/schemas/');
      } else out[k] = rewrite(v);
    }
    return out;
  }
  return node;
}
