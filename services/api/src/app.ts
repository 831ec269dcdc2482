import { isRetriableDbError } from '@vigil/cases';
import { type Logger, VigilError, withTimeout } from '@vigil/common';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Admin, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { z } from 'zod';
import { ApiKeyStore, type Principal } from './auth';
import type { CaseRepository } from './cases-repository';
import type { ApiConfig } from './config';
import { decodeCursor, encodeCursor, filterDigest } from './cursor';
import { DOCS_HTML } from './docs-page';
import { ApiError, type FieldIssue } from './errors';
import { LabelService } from './labels';
import { buildOpenApi } from './openapi';
import { OrderStore } from './orders';
import { type RateDecision, RateLimiter } from './rate-limit';
import { involvesSeller, orderIdsOf, orderOwners, toOpsView, toSellerView } from './redact';
import { defineRoute, type RouteDef } from './route';
import {
  BuyerIdParams,
  BuyerRisk,
  CaseIdParams,
  CaseJson,
  CaseList,
  DecisionBody,
  ErrorBody,
  Health,
  LabelAccepted,
  LabelBody,
  LabelStats,
  ListCasesQuery,
  Readiness,
  SellerIdParams,
} from './schemas';
import type { BuyerWindowReader } from './windows';

/** What {@link createApp} needs; `main.ts` builds these, tests inject their own. */
export interface AppDeps {
  db: Pool;
  redis: Redis;
  kafkaProducer: Producer;
  registry: Registry;
  logger: Logger;
  config: ApiConfig;
  /** Case store (reads the case worker's tables, decides through `decideCase`). */
  cases: CaseRepository;
  /** Live window values of a buyer for the risk endpoint. */
  windows: BuyerWindowReader;
  /** Used by /readyz to check Kafka is reachable. Without it /readyz reports kafka as unchecked-failing. */
  kafkaAdmin?: Admin;
  /** Clock for label timestamps and quota days. Default `() => new Date()`. */
  now?: () => Date;
}

/** A non-default status with a body, returned by a handler. */
class WithStatus {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

const ERRORS = {
  400: { description: 'Invalid request; `error.issues` names each bad field', schema: ErrorBody },
  401: { description: 'Missing, unknown or revoked API key', schema: ErrorBody },
  403: { description: 'The key’s role may not call this operation', schema: ErrorBody },
  429: { description: 'Rate limit of the key exceeded (see Retry-After)', schema: ErrorBody },
} as const;

/**
 * Builds the case API (fastify, not listening: `main.ts` listens, tests `inject`). Every route is
 * one {@link RouteDef}; the same list generates /openapi.json.
 */
export function createApp(deps: AppDeps): FastifyInstance {
  const { config, registry } = deps;
  const log = deps.logger.child({ component: 'api' });
  const keys = new ApiKeyStore(deps.db);
  const orders = new OrderStore(deps.db);
  const limiter = new RateLimiter(deps.redis, {
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    prefix: config.REDIS_PREFIX,
  });
  const labels = new LabelService({
    db: deps.db,
    orders,
    producer: deps.kafkaProducer,
    registry,
    logger: deps.logger,
    topic: config.LABELS_TOPIC,
    dailyQuota: config.LABEL_DAILY_QUOTA,
    ...(deps.now ? { now: deps.now } : {}),
  });

  const requests = new Counter({
    name: 'vigil_api_requests_total',
    help: 'HTTP requests served, by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'vigil_api_request_duration_seconds',
    help: 'HTTP request duration by route template',
    labelNames: ['route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  const limiterErrors = new Counter({
    name: 'vigil_api_rate_limiter_errors_total',
    help: 'Requests let through because the Redis rate limiter could not be reached',
    registers: [registry],
  });

  const app = Fastify({ logger: false, bodyLimit: config.BODY_LIMIT_BYTES, return503OnClosing: true });

  const started = new WeakMap<FastifyRequest, bigint>();
  app.addHook('onRequest', async (req) => {
    started.set(req, process.hrtime.bigint());
  });
  app.addHook('onResponse', async (req, reply) => {
    // The route template, never the raw path: ids in paths would explode the label set.
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    const t0 = started.get(req);
    if (t0 !== undefined) duration.observe({ route }, Number(process.hrtime.bigint() - t0) / 1e9);
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.setErrorHandler((err: FastifyError | ApiError | Error, req, reply) => {
    if (err instanceof ApiError) {
      void reply
        .code(err.status)
        .headers(err.headers)
        .send(errorBody(err.code, err.message, err.issues));
      if (err.status >= 500) log.warn({ err, route: req.routeOptions.url }, 'request failed');
      return;
    }
    const status = (err as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code =
        (err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'BODY_TOO_LARGE' : 'BAD_REQUEST';
      const message =
        code === 'BODY_TOO_LARGE'
          ? `request body is larger than ${config.BODY_LIMIT_BYTES} bytes`
          : err.message;
      void reply
        .code(status)
        .send(errorBody(code, message, code === 'BAD_REQUEST' ? [{ path: 'body', message }] : undefined));
      return;
    }
    const retriable = (err instanceof VigilError && err.retriable) || isRetriableDbError(err);
    log.error({ err, route: req.routeOptions.url }, 'request failed');
    void reply
      .code(retriable ? 503 : 500)
      .send(
        errorBody(
          retriable ? 'UNAVAILABLE' : 'INTERNAL',
          retriable ? 'a dependency is unavailable; try again' : 'internal error',
        ),
      );
  });

  const authenticate = async (req: FastifyRequest, route: RouteDef): Promise<Principal | null> => {
    if (route.auth === 'public') return null;
    const header = req.headers.authorization;
    const challenge = { 'www-authenticate': 'Bearer realm="vigil"' };
    if (!header)
      throw new ApiError(401, 'UNAUTHENTICATED', 'missing Authorization: Bearer <key>', {
        headers: challenge,
      });
    const m = /^Bearer\s+(\S{1,200})\s*$/i.exec(header);
    const principal = m ? await keys.authenticate(m[1]!) : null;
    if (!principal)
      throw new ApiError(401, 'UNAUTHENTICATED', 'unknown or revoked API key', { headers: challenge });
    if (!route.auth.includes(principal.role)) {
      throw new ApiError(
        403,
        'FORBIDDEN',
        `a ${principal.role} key may not call ${route.method} ${route.url}`,
      );
    }
    return principal;
  };

  const routes = buildRoutes();
  const openapi = buildOpenApi(routes, {
    title: 'Vigil case API',
    version: '1.0.0',
    description: 'Cases of suspected malicious buyers, decisions, seller labels and buyer risk.',
  });

  const principals = new WeakMap<FastifyRequest, Principal>();
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      // Authentication and rate limiting run before the body is read: an anonymous or throttled
      // caller never gets a body parsed, and sees 401/403/429 rather than a validation error.
      onRequest: async (req, reply) => {
        const principal = await authenticate(req, route);
        if (!principal) return;
        principals.set(req, principal);
        let rate: RateDecision;
        try {
          rate = await limiter.take(principal.keyId);
        } catch (err) {
          // Fail open: the limiter protects capacity, it is not an access control. A Redis outage
          // must not lock ops out of deciding cases (the label quota lives in PostgreSQL).
          limiterErrors.inc();
          log.warn({ err }, 'rate limiter unavailable; request allowed');
          return;
        }
        void reply.header('x-ratelimit-limit', String(config.RATE_LIMIT_PER_MINUTE));
        void reply.header('x-ratelimit-remaining', String(rate.remaining));
        if (!rate.allowed) {
          throw new ApiError(
            429,
            'RATE_LIMITED',
            `rate limit of ${config.RATE_LIMIT_PER_MINUTE} requests per minute exceeded`,
            { headers: { 'retry-after': String(Math.max(1, rate.retryAfterSeconds)) } },
          );
        }
      },
      handler: async (req, reply) => {
        const principal = principals.get(req) ?? null;
        const issues: FieldIssue[] = [];
        const params = parsePart('params', route.params, req.params, issues);
        const query = parsePart('query', route.query, req.query, issues);
        const body = parsePart('body', route.body, req.body, issues);
        if (issues.length > 0) throw new ApiError(400, 'BAD_REQUEST', 'invalid request', { issues });
        const result = await route.handler({ principal, params, query, body, req, reply });
        if (reply.sent) return reply;
        const { status, payload } =
          result instanceof WithStatus
            ? { status: result.status, payload: result.body }
            : { status: route.successStatus, payload: result };
        const schema = route.responses[status]?.schema;
        // Parsing strips any field the schema does not list: nothing reaches a client by accident.
        return reply.code(status).send(schema ? schema.parse(payload) : payload);
      },
    });
  }
  return app;

  function buildRoutes(): RouteDef[] {
    return [
      defineRoute({
        method: 'GET',
        url: '/v1/cases',
        operationId: 'listCases',
        summary: 'List cases',
        description:
          'Newest case first (by creation order); a seller sees only cases involving its own orders, redacted. ' +
          'Walking nextCursor visits every case that existed when the walk began exactly once, even while new cases arrive.',
        tag: 'cases',
        auth: ['ops', 'seller'],
        query: ListCasesQuery,
        successStatus: 200,
        responses: { 200: { description: 'A page of cases', schema: CaseList }, ...ERRORS },
        handler: async ({ principal, query }) => {
          const seller = principal?.role === 'seller' ? principal.sellerId : undefined;
          // A seller filtering by another seller learns nothing, not even that shared cases exist.
          if (seller !== undefined && query.sellerId !== undefined && query.sellerId !== seller) {
            return { items: [], nextCursor: null };
          }
          const digest = filterDigest({
            status: query.status,
            buyerId: query.buyerId,
            sellerId: query.sellerId,
            ruleId: query.ruleId,
            scope: seller === undefined ? 'ops' : `seller:${seller}`,
          });
          const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, digest).after;
          const page = await deps.cases.list(
            {
              ...(query.status ? { status: query.status } : {}),
              ...(query.buyerId ? { buyerId: query.buyerId } : {}),
              ...(query.sellerId ? { sellerId: query.sellerId } : {}),
              ...(query.ruleId ? { ruleId: query.ruleId } : {}),
              ...(seller !== undefined ? { involvingSeller: seller } : {}),
            },
            query.limit,
            after,
          );
          const nextCursor =
            page.nextAfter === undefined ? null : encodeCursor({ after: page.nextAfter, filters: digest });
          if (seller === undefined) return { items: page.items.map(toOpsView), nextCursor };
          const visible = page.items.filter((c) => involvesSeller(c, seller));
          const known = await orders.sellersOf(orderIdsOf(visible));
          return { items: visible.map((c) => toSellerView(c, seller, orderOwners(c, known))), nextCursor };
        },
      }),
      defineRoute({
        method: 'GET',
        url: '/v1/cases/:id',
        operationId: 'getCase',
        summary: 'One case with its evidence timeline',
        description:
          'A seller gets 404 for a case that does not involve its orders (existence is not revealed).',
        tag: 'cases',
        auth: ['ops', 'seller'],
        params: CaseIdParams,
        successStatus: 200,
        responses: {
          200: { description: 'The case; evidence oldest first', schema: CaseJson },
          ...ERRORS,
          404: { description: 'No such case (or not visible to this seller)', schema: ErrorBody },
        },
        handler: async ({ principal, params }) => {
          const c = await deps.cases.get(params.id);
          const seller = principal?.role === 'seller' ? principal.sellerId : undefined;
          if (c === null || (seller !== undefined && !involvesSeller(c, seller))) {
            throw new ApiError(404, 'NOT_FOUND', `case ${params.id} not found`);
          }
          if (seller === undefined) return toOpsView(c);
          return toSellerView(c, seller, orderOwners(c, await orders.sellersOf(orderIdsOf([c]))));
        },
      }),
      defineRoute({
        method: 'POST',
        url: '/v1/cases/:id/decision',
        operationId: 'decideCase',
        summary: 'Confirm or dismiss an open case',
        description:
          'Confirming applies the penalty ladder and seller relief (done by the case worker’s decideCase).',
        tag: 'cases',
        auth: ['ops'],
        params: CaseIdParams,
        body: DecisionBody,
        successStatus: 200,
        responses: {
          200: { description: 'The decided case', schema: CaseJson },
          ...ERRORS,
          404: { description: 'No such case', schema: ErrorBody },
          409: { description: 'The case was already decided', schema: ErrorBody },
        },
        handler: async ({ principal, params, body }) => {
          const outcome = await deps.cases.decide(params.id, {
            decision: body.decision,
            note: body.note,
            actor: `api-key:${principal!.keyId}`,
          });
          if (outcome.outcome === 'not_found')
            throw new ApiError(404, 'NOT_FOUND', `case ${params.id} not found`);
          if (outcome.outcome === 'already_decided') {
            throw new ApiError(409, 'ALREADY_DECIDED', `case ${params.id} is already ${outcome.status}`);
          }
          const c = await deps.cases.get(params.id);
          if (c === null) throw new ApiError(404, 'NOT_FOUND', `case ${params.id} not found`);
          return toOpsView(c);
        },
      }),
      defineRoute({
        method: 'POST',
        url: '/v1/labels',
        operationId: 'labelOrder',
        summary: 'Label one of your orders as abusive (seller.label event)',
        description:
          'Only for an order the calling seller sold to that buyer; at most LABEL_DAILY_QUOTA labels per seller per UTC day; ' +
          'the same label on the same order once.',
        tag: 'labels',
        auth: ['seller'],
        body: LabelBody,
        successStatus: 202,
        responses: {
          202: { description: 'Published to Kafka', schema: LabelAccepted },
          ...ERRORS,
          409: { description: 'This order already carries this label from you', schema: ErrorBody },
          422: { description: 'Unknown order, or not sold by you to this buyer', schema: ErrorBody },
          503: { description: 'Kafka unavailable; nothing was recorded, retry', schema: ErrorBody },
        },
        handler: async ({ principal, body }) => {
          if (principal?.role !== 'seller') throw new ApiError(403, 'FORBIDDEN', 'seller keys only');
          return labels.submit({ sellerId: principal.sellerId, keyId: principal.keyId }, body);
        },
      }),
      defineRoute({
        method: 'GET',
        url: '/v1/buyers/:buyerId/risk',
        operationId: 'buyerRisk',
        summary: 'A buyer’s live window values, open case and penalty level',
        tag: 'buyers',
        auth: ['ops'],
        params: BuyerIdParams,
        successStatus: 200,
        responses: { 200: { description: 'Risk of the buyer', schema: BuyerRisk }, ...ERRORS },
        handler: async ({ params }) => {
          const [windows, summary] = await Promise.all([
            deps.windows.read(params.buyerId),
            deps.cases.buyerSummary(params.buyerId),
          ]);
          return {
            buyerId: params.buyerId,
            windows,
            openCase: summary.openCase ? toOpsView(summary.openCase) : null,
            penaltyLevel: summary.penaltyLevel,
            confirmedCases: summary.confirmedCases,
          };
        },
      }),
      defineRoute({
        method: 'GET',
        url: '/v1/sellers/:sellerId/labels/stats',
        operationId: 'sellerLabelStats',
        summary: 'Precision of a seller’s labels against ops decisions',
        tag: 'labels',
        auth: ['ops'],
        params: SellerIdParams,
        successStatus: 200,
        responses: { 200: { description: 'Label statistics', schema: LabelStats }, ...ERRORS },
        handler: async ({ params }) => {
          const ids = await labels.labelEventIds(params.sellerId);
          const o = await deps.cases.labelOutcomes(ids);
          const decided = o.confirmed + o.dismissed;
          return {
            sellerId: params.sellerId,
            labels: ids.length,
            ...o,
            precision: decided === 0 ? null : o.confirmed / decided,
          };
        },
      }),
      defineRoute({
        method: 'GET',
        url: '/healthz',
        operationId: 'healthz',
        summary: 'Liveness',
        tag: 'ops',
        auth: 'public',
        successStatus: 200,
        responses: { 200: { description: 'The process is up', schema: Health } },
        handler: async () => ({ status: 'ok' }),
      }),
      defineRoute({
        method: 'GET',
        url: '/readyz',
        operationId: 'readyz',
        summary: 'Readiness: PostgreSQL, Redis and Kafka reachable',
        tag: 'ops',
        auth: 'public',
        successStatus: 200,
        responses: {
          200: { description: 'Every dependency reachable', schema: Readiness },
          503: { description: 'A dependency is unreachable', schema: Readiness },
        },
        handler: async () => {
          const checks: Record<string, () => Promise<unknown>> = {
            postgres: () => deps.db.query('SELECT 1'),
            redis: () => deps.redis.ping(),
            kafka: async () => {
              if (!deps.kafkaAdmin) throw new Error('no Kafka admin client configured');
              await deps.kafkaAdmin.describeCluster();
            },
          };
          const results: Record<string, string> = {};
          await Promise.all(
            Object.entries(checks).map(async ([name, check]) => {
              try {
                await withTimeout(check(), 2000, name);
                results[name] = 'ok';
              } catch (err) {
                results[name] = err instanceof Error ? err.message : String(err);
              }
            }),
          );
          const ok = Object.values(results).every((v) => v === 'ok');
          if (!ok) log.warn({ checks: results }, 'not ready');
          return new WithStatus(ok ? 200 : 503, { status: ok ? 'ready' : 'not_ready', checks: results });
        },
      }),
      defineRoute({
        method: 'GET',
        url: '/metrics',
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        tag: 'ops',
        auth: 'public',
        successStatus: 200,
        responses: { 200: { description: 'Prometheus text format' } },
        handler: async ({ reply }) => {
          void reply.header('content-type', registry.contentType);
          return registry.metrics();
        },
      }),
      defineRoute({
        method: 'GET',
        url: '/openapi.json',
        operationId: 'openapi',
        summary: 'This OpenAPI document',
        tag: 'ops',
        auth: 'public',
        successStatus: 200,
        responses: { 200: { description: 'OpenAPI 3.0 document' } },
        handler: async () => openapi,
      }),
      defineRoute({
        method: 'GET',
        url: '/docs',
        operationId: 'docs',
        summary: 'Browsable API documentation (HTML)',
        tag: 'ops',
        auth: 'public',
        successStatus: 200,
        responses: { 200: { description: 'HTML page rendering /openapi.json' } },
        handler: async ({ reply }) => {
          void reply.type('text/html; charset=utf-8');
          return DOCS_HTML;
        },
      }),
    ];
  }
}

function parsePart<T extends z.ZodType | undefined>(
  where: 'params' | 'query' | 'body',
  schema: T,
  value: unknown,
  issues: FieldIssue[],
): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    issues.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message });
  }
  return undefined;
}

function errorBody(code: string, message: string, issues?: FieldIssue[]): z.infer<typeof ErrorBody> {
  return { error: { code, message, ...(issues && issues.length > 0 ? { issues } : {}) } };
}
