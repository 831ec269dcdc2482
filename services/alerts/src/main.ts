// Composition root of the seller alert worker: the only place that reads the environment and
// builds clients. Run with `node --import tsx services/alerts/src/main.ts`.

import { createLogger, createOpsServer, installShutdown } from '@vigil/common';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadAlertsConfig } from './config';
import { createAlertMetrics } from './metrics';
import { createWebhookStore } from './store';
import { createAlertWorker } from './worker';

async function main(): Promise<void> {
  const config = loadAlertsConfig();
  const logger = createLogger({ name: 'vigil-alerts', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // BullMQ's blocking commands must never give up retrying, hence maxRetriesPerRequest: null.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  redis.on('error', (err) => logger.error({ err }, 'redis error'));
  const pool = new Pool({
    connectionString: config.DATABASE_URL,
    max: Math.min(config.ALERT_CONCURRENCY, 10),
  });
  pool.on('error', (err) => logger.error({ err }, 'postgres pool error'));

  const worker = createAlertWorker({
    connection: redis,
    queueName: config.SELLER_ALERTS_QUEUE,
    prefix: config.BULLMQ_PREFIX,
    concurrency: config.ALERT_CONCURRENCY,
    timeoutMs: config.ALERT_TIMEOUT_MS,
    backoff: { baseMs: config.ALERT_BACKOFF_BASE_MS, maxMs: config.ALERT_BACKOFF_MAX_MS },
    giveUpAfterMs: config.ALERT_GIVE_UP_AFTER_MS,
    store: createWebhookStore({ pool, cacheMs: config.WEBHOOK_CACHE_MS }),
    metrics: createAlertMetrics(registry),
    logger: logger.child({ component: 'alert-worker' }),
  });

  const ops = createOpsServer({
    registry,
    logger,
    checks: [
      { name: 'redis', check: async () => void (await redis.ping()) },
      { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
    ],
    ready: () => (worker.isRunning() ? { ready: true } : { ready: false, reason: 'worker not running' }),
  });
  await ops.listen({ host: '0.0.0.0', port: config.HTTP_PORT });
  logger.info(
    { queue: config.SELLER_ALERTS_QUEUE, prefix: config.BULLMQ_PREFIX, port: config.HTTP_PORT },
    'alert worker started',
  );

  installShutdown(logger, async () => {
    // close() lets in-flight deliveries finish (each bounded by ALERT_TIMEOUT_MS) before returning.
    await worker.close();
    await ops.close();
    await pool.end();
    await redis.quit();
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
