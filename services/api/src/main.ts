// Composition root of the case API: builds every client from the environment, injects them into
// createApp, starts the order consumer and listens. SIGTERM closes the server (in-flight
// requests finish), then the consumer, producer, Redis and PostgreSQL.

import { createCaseMetrics, decideCase } from '@vigil/cases';
import { createLogger, installShutdown, loadConfig } from '@vigil/common';
import { ensureDatabase, migrate } from '@vigil/db';
import { defaultRulesConfig, loadRulesConfig } from '@vigil/rules';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createApp } from './app';
import { ApiConfig } from './config';
import { OrderStore, startOrderConsumer } from './orders';
import { PgCaseRepository } from './pg-cases';
import { RulesWindowReader } from './rules-windows';

async function main(): Promise<void> {
  const config = loadConfig(ApiConfig);
  const logger = createLogger({ name: 'vigil-api', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const caseMetrics = createCaseMetrics(registry);

  await ensureDatabase(config.DATABASE_URL);
  const db = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  await migrate(db);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const kafka = new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    logLevel: logLevel.WARN,
  });
  // Same partitioner as every other Vigil producer (Java-compatible murmur2): a buyer's events
  // stay on one partition whoever publishes them.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);

  const app = createApp({
    db,
    redis,
    kafkaProducer: producer,
    kafkaAdmin: admin,
    registry,
    logger,
    config,
    // Operator decisions count in the same case counters as the worker's auto-confirmations: the
    // dismissed share per rule (the false-positive signal on the dashboard) needs both.
    cases: new PgCaseRepository(db, (pool, id, input) =>
      decideCase(pool, id, input, { metrics: caseMetrics }),
    ),
    // Same rules config as the detectors, so a window's length here is its length there.
    windows: new RulesWindowReader(redis, {
      config: config.RULES_CONFIG ? loadRulesConfig(config.RULES_CONFIG) : defaultRulesConfig(),
      prefix: config.VIGIL_KEY_PREFIX,
    }),
  });
  const consumer = config.ORDERS_CONSUMER_ENABLED
    ? await startOrderConsumer({
        kafka,
        store: new OrderStore(db),
        registry,
        logger,
        topic: config.ORDERS_TOPIC,
        groupId: config.ORDERS_GROUP_ID,
      })
    : undefined;

  installShutdown(logger, async () => {
    await app.close();
    await consumer?.disconnect();
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    redis.disconnect();
    await db.end();
  });
  await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
  logger.info({ port: config.HTTP_PORT }, 'case API listening');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
