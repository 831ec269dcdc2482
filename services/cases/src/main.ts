// Composition root of the case worker: the only place that reads the environment and builds
// clients. Everything below takes what it needs as arguments.

import { createCaseMetrics } from '@vigil/cases';
import { createLogger, createOpsServer, installShutdown, loadConfig } from '@vigil/common';
import { ensureDatabase, migrate } from '@vigil/db';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { CasesConfig } from './config';
import { OutboxRelay } from './relay';
import { createCaseWorker } from './worker';

async function main(): Promise<void> {
  const config = loadConfig(CasesConfig);
  const logger = createLogger({ name: 'vigil-cases', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Creating the database too keeps a first start (or a fresh demo stack) to one command.
  if (config.MIGRATE_ON_START) await ensureDatabase(config.DATABASE_URL);
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: config.PG_POOL_MAX });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client error'));
  if (config.MIGRATE_ON_START) await migrate(pool);

  // BullMQ workers block on Redis: they need maxRetriesPerRequest null.
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  const kafka = new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    logLevel: logLevel.WARN,
  });
  // Idempotent producer: acks=all and broker-side dedupe of retried sends within a session.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);

  const alertsQueue = new Queue(config.SELLER_ALERTS_QUEUE, {
    connection: redis as unknown as ConnectionOptions,
    prefix: config.BULLMQ_PREFIX,
  });
  const caseMetrics = createCaseMetrics(registry);
  const relay = new OutboxRelay({
    pool,
    producer,
    alertsQueue,
    topics: { enforcement: config.ENFORCEMENT_TOPIC, sellerRelief: config.SELLER_RELIEF_TOPIC },
    logger,
    registry,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
  });
  const worker = createCaseWorker({
    pool,
    connection: redis,
    queueName: config.SUSPICIONS_QUEUE,
    prefix: config.BULLMQ_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    retryDelayMs: config.RETRY_DELAY_MS,
    policy: {
      enabled: config.AUTO_CONFIRM_ENABLED,
      minDistinctHighRules: config.AUTO_CONFIRM_MIN_HIGH_RULES,
      alwaysConfirmRules: config.AUTO_CONFIRM_RULES,
    },
    caseMetrics,
    registry,
    logger,
  });
  relay.start();

  const ops = createOpsServer({
    registry,
    logger,
    checks: [
      { name: 'postgres', check: async () => void (await pool.query('SELECT 1')) },
      { name: 'redis', check: async () => void (await redis.ping()) },
      { name: 'kafka', check: async () => void (await admin.describeCluster()) },
    ],
  });
  await ops.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
  logger.info(
    { port: config.HTTP_PORT, queue: config.SUSPICIONS_QUEUE, alerts: config.SELLER_ALERTS_QUEUE },
    'case worker started',
  );

  installShutdown(logger, async () => {
    // Finish the jobs in flight (their transactions commit), then drain the outbox loop.
    await worker.close();
    await relay.stop();
    await ops.close();
    await alertsQueue.close();
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    redis.disconnect();
    await pool.end();
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
