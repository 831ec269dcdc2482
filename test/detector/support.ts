// Helpers for the detector's integration tests: a real broker, Redis and BullMQ queue per test,
// under unique names. Not imported by production code.
import { createLogger } from '@vigil/common';
import type { EventProcessor, MarketEvent, Suspicion, SuspicionJob } from '@vigil/events';
import { EXAMPLES } from '@vigil/events/src/examples';
import { createTopics, testBrokers, testRedisUrl, uniqueName } from '@vigil/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { topicNames } from '../../services/detector/src/config';
import {
  createDetector,
  type Detector,
  type DetectorOptions,
  type SuspicionQueue,
} from '../../services/detector/src/consumer';

export const silentLogger = createLogger({
  name: 'detector-test',
  level: process.env['TEST_LOG_LEVEL'] ?? 'silent',
});

/** A cancellation (payment timeout) event for a buyer. */
export function cancellation(
  id: string,
  buyerId: string,
  occurredAt = '2026-11-26T10:00:00.000Z',
): MarketEvent {
  return { ...EXAMPLES['order.cancelled'], id, buyerId, orderId: `o-${id}`, occurredAt };
}

/**
 * A deterministic stand-in for the rule engine: one suspicion per order.cancelled event, with a
 * job id derived from the event id (so a redelivered event yields the same id, which only
 * BullMQ's dedupe can absorb). It records every event it saw, in order.
 */
export class CancellationProcessor implements EventProcessor {
  readonly seen: MarketEvent[] = [];
  async process(events: MarketEvent[]) {
    this.seen.push(...events);
    const suspicions: SuspicionJob[] = events
      .filter((e) => e.type === 'order.cancelled')
      .map((e) => {
        const data: Suspicion = {
          ruleId: 'bulk-non-payment',
          subject: { kind: 'buyer', id: e.buyerId },
          buyerIds: [e.buyerId],
          sellerIds: [e.sellerId],
          orderIds: e.orderId ? [e.orderId] : [],
          severity: 'medium',
          evidence: { windows: { payment_timeouts_24h: 1 }, eventIds: [e.id], crossed: [] },
          eventTime: e.occurredAt,
          detectedAt: '2026-11-26T10:00:01.000Z',
        };
        return { jobId: `test-${e.id}`, data };
      });
    return { suspicions, duplicates: 0, conflicts: 0, late: 0 };
  }
}

/** One test's world: unique topics, DLQ, group, queue, and the clients to talk to them. */
export class TestWorld {
  readonly prefix = `${uniqueName('det')}.`;
  readonly names = topicNames(this.prefix);
  readonly groupId = uniqueName('det-group');
  readonly kafka = new Kafka({
    clientId: 'detector-test',
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
  });
  readonly redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 2 });
  readonly bullPrefix = uniqueName('bull');
  readonly queueName = uniqueName('suspicions');
  readonly queue = new Queue<Suspicion>(this.queueName, { connection: this.redis, prefix: this.bullPrefix });
  readonly producer: Producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  private readonly closers: (() => Promise<unknown>)[] = [];

  topic(canonical: string): string {
    return `${this.prefix}${canonical}`;
  }

  async setup(partitions = 3): Promise<void> {
    await createTopics([...this.names.topics.map((t) => t.name), this.names.dlqTopic], partitions);
    await this.producer.connect();
  }

  /** Starts a detector on this world; it is stopped (with its producer) in `close`. */
  async detector(
    overrides: Partial<DetectorOptions> & { processor: EventProcessor },
  ): Promise<{ detector: Detector; registry: Registry }> {
    const registry = new Registry();
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const detector = createDetector({
      kafka: this.kafka,
      groupId: this.groupId,
      topics: this.names.topics,
      dlqTopic: this.names.dlqTopic,
      producer,
      queue: this.queue,
      registry,
      logger: silentLogger,
      retryInitialMs: 50,
      retryMaxMs: 200,
      ...overrides,
    });
    let stopped = false;
    const stopDetector = detector.stop.bind(detector);
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await stopDetector();
      await producer.disconnect();
    };
    this.closers.push(stop);
    await detector.start();
    return { detector: Object.assign(detector, { stop }), registry };
  }

  async send(canonical: string, messages: { key: string; value: Buffer | string }[]) {
    return this.producer.send({ topic: this.topic(canonical), acks: -1, messages });
  }

  /** Committed offsets of the group summed over a topic's partitions (unset partitions count 0). */
  async committed(canonical: string, groupId = this.groupId): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [this.topic(canonical)] });
      return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  /** Every job id on a queue, whatever its state. */
  async jobIds(queue: Queue = this.queue): Promise<string[]> {
    const jobs = await queue.getJobs([
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'completed',
      'failed',
      'paused',
    ]);
    return jobs.map((j) => String(j.id)).sort();
  }

  onClose(fn: () => Promise<unknown>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    for (const c of this.closers.reverse()) await c();
    await this.producer.disconnect();
    await this.queue.obliterate({ force: true });
    await this.queue.close();
    await this.redis.quit();
  }
}

/** A queue that fails with a retriable error while `down` is true. */
export class FlakyQueue implements SuspicionQueue {
  down = true;
  failures = 0;
  added = 0;
  constructor(private readonly inner: SuspicionQueue) {}
  async addBulk(jobs: Parameters<SuspicionQueue['addBulk']>[0]) {
    if (this.down) {
      this.failures++;
      const err = new Error('connect ECONNREFUSED 127.0.0.1:6379') as Error & { code: string };
      err.code = 'ECONNREFUSED';
      throw err;
    }
    this.added += jobs.length;
    return this.inner.addBulk(jobs);
  }
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}) {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((n, v) => n + v.value, 0);
}
