import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

/** A named readiness check; it resolves when the dependency is reachable and throws otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** Options for {@link createOpsServer}. */
export interface OpsServerOptions {
  registry: Registry;
  logger: Logger;
  checks: ReadinessCheck[];
  /** Extra readiness condition owned by the service (e.g. "consumer paused"). Default: always ready. */
  ready?: () => { ready: boolean; reason?: string };
}

/**
 * The `/healthz`, `/readyz` and `/metrics` endpoints every service exposes. Built without
 * listening so tests can `inject`; the composition root calls `listen`.
 */
export function createOpsServer(options: OpsServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const results: Record<string, string> = {};
    let ok = true;
    await Promise.all(
      options.checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 2000, c.name);
          results[c.name] = 'ok';
        } catch (err) {
          ok = false;
          results[c.name] = err instanceof Error ? err.message : String(err);
        }
      }),
    );
    const own = options.ready?.() ?? { ready: true };
    if (!own.ready) {
      ok = false;
      results['service'] = own.reason ?? 'not ready';
    }
    if (!ok) options.logger.warn({ checks: results }, 'not ready');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: results });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await options.registry.metrics();
    return reply.header('content-type', options.registry.contentType).send(body);
  });
  return app;
}

/** Rejects with `<name> check timed out after <ms> ms` when `p` has not settled in time. */
export function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} check timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
