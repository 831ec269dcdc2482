// Test harness (integration tests only): a migrated database, unique queues, prefix and topics,
// the worker and the relay wired as main.ts wires them, and a Kafka consumer collecting output.

import {
  type AutoConfirmPolicy,
  type CaseMetrics,
  createCaseMetrics,
  DEFAULT_AUTO_CONFIRM_POLICY,
} from '@vigil/cases';
import { createLogger } from '@vigil/common';
import type { Suspicion } from '@vigil/events';
import {
  createTestDatabase,
  createTopics,
  type TestDatabase,
  testBrokers,
  testRedisUrl,
  uniqueName,
  waitFor,
} from '@vigil/testkit';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { OutboxRelay, type OutboxRelayOptions } from './relay';
import { type CaseWorker, createCaseWorker } from './worker';

export interface OutMessage {
  topic: string;
  key: string;
  id: string;
  value: Record<string, unknown>;
}

export interface Harness {
  db: TestDatabase;
  pool: Pool;
  redis: Redis;
  prefix: string;
  suspicions: Queue;
  alerts: Queue;
  topics: { enforcement: string; sellerRelief: string };
  registry: Registry;
  caseMetrics: CaseMetrics;
  worker: CaseWorker | null;
  producer: Producer;
  /** Everything read from the enforcement and relief topics, in arrival order. */
  messages: OutMessage[];
  newRelay(extra?: Partial<OutboxRelayOptions>): OutboxRelay;
  relay: OutboxRelay | null;
  close(): Promise<void>;
}

export interface HarnessOptions {
  policy?: AutoConfirmPolicy;
  /** Start the worker. Default true. */
  worker?: boolean;
  /** Start a relay. Default true. */
  relay?: boolean;
  /** Pool the worker uses (to simulate an outage). Default the test database's pool. */
  workerPool?: (real: Pool) => Pool;
  retryDelayMs?: number;
}

const logger = createLogger({ name: 'cases-test', level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const prefix = uniqueName('vt');
  const topics = { enforcement: uniqueName('enf'), sellerRelief: uniqueName('relief') };
  await createTopics([topics.enforcement, topics.sellerRelief], 1);
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const connection = redis as unknown as ConnectionOptions;
  const suspicions = new Queue(uniqueName('susp'), { connection, prefix });
  const alerts = new Queue(uniqueName('alerts'), { connection, prefix });
  const kafka = new Kafka({ clientId: 'cases-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('cases-test') });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topics: [topics.enforcement, topics.sellerRelief], fromBeginning: true });
  const messages: OutMessage[] = [];
  // Wait until the consumer owns its partitions, so nothing published before is missed.
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const value = JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>;
      messages.push({ topic, key: message.key?.toString() ?? '', id: String(value['id']), value });
    },
  });
  const registry = new Registry();
  const caseMetrics = createCaseMetrics(registry);
  const worker =
    options.worker === false
      ? null
      : createCaseWorker({
          pool: options.workerPool ? options.workerPool(db.pool) : db.pool,
          connection: redis,
          queueName: suspicions.name,
          prefix,
          concurrency: 4,
          retryDelayMs: options.retryDelayMs ?? 200,
          policy: options.policy ?? DEFAULT_AUTO_CONFIRM_POLICY,
          caseMetrics,
          registry,
          logger,
        });
  let relayCount = 0;
  const relays: OutboxRelay[] = [];
  const newRelay = (extra: Partial<OutboxRelayOptions> = {}) => {
    const r = new OutboxRelay({
      pool: db.pool,
      producer,
      alertsQueue: alerts,
      topics,
      logger,
      // Each relay registers its gauges: one registry per relay.
      registry: relayCount++ === 0 ? registry : new Registry(),
      pollMs: 50,
      batchSize: 20,
      ...extra,
    });
    relays.push(r);
    return r;
  };
  const relay = options.relay === false ? null : newRelay();
  relay?.start();
  await joined;
  return {
    db,
    pool: db.pool,
    redis,
    prefix,
    suspicions,
    alerts,
    topics,
    registry,
    caseMetrics,
    worker,
    producer,
    messages,
    newRelay,
    relay,
    async close() {
      await worker?.close();
      for (const r of relays) await r.stop();
      await consumer.disconnect();
      await producer.disconnect();
      await suspicions.obliterate({ force: true });
      await alerts.obliterate({ force: true });
      await suspicions.close();
      await alerts.close();
      await redis.quit();
      await db.drop();
    },
  };
}

let seq = 0;
/** A valid suspicion about `buyerId` with overrides. */
export function suspicion(buyerId: string, over: Partial<Suspicion> = {}): Suspicion {
  seq++;
  return {
    ruleId: 'bulk-non-payment',
    subject: { kind: 'buyer', id: buyerId },
    buyerIds: [buyerId],
    sellerIds: ['s1'],
    orderIds: [`o-${buyerId}-${seq}`],
    severity: 'medium',
    evidence: { windows: { payment_timeouts_24h: 3 }, eventIds: [`e-${seq}`], crossed: [] },
    eventTime: '2026-11-26T10:00:00.000Z',
    detectedAt: '2026-11-26T10:00:01.000Z',
    ...over,
  };
}

/** Waits until every job of the queue has finished (completed or failed). */
export async function drained(queue: Queue): Promise<void> {
  await waitFor(
    async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'wait');
      return Object.values(c).every((n) => n === 0);
    },
    { description: `queue ${queue.name} drained` },
  );
}
