// Throughput of one detector process draining a pre-filled set of market topics.
//
//   npx tsx bench/detector-throughput.ts            # 200k events, 6 partitions
//   BENCH_EVENTS=50000 npx tsx bench/detector-throughput.ts
//
// Fills unique topics with the simulator's seeded mix of honest and abusive buyers (the first
// BENCH_EVENTS events in event-time order), then starts `services/detector` as a child
// process (the real composition root, rule engine, Redis and BullMQ) and measures events/s from
// its first processed event until the group's lag is 0. Writes JSON under bench/results/.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { consumerGroupLag, metricValue, startService, waitHttpOk } from '@vigil/devstack';
import { MARKET_TOPICS, TOPICS } from '@vigil/events';
import { createKafkaSink, generate } from '@vigil/simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

const root = join(__dirname, '..');
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 200000);
const PARTITIONS = Number(process.env['BENCH_PARTITIONS'] ?? 6);
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** KAFKA_PARTITIONS_CONCURRENTLY of the detector under test. */
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 1);
const TIMEOUT_MS = Number(process.env['BENCH_TIMEOUT_MS'] ?? 30 * 60 * 1000);

const run = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const prefix = `bench_${run}.`;
const groupId = `bench-detector-${run}`;
const queueName = `bench-suspicions-${run}`;
const keyPrefix = `bench_${run}`;
const bullPrefix = `bull_bench_${run}`;
const port = 19000 + Math.floor(Math.random() * 900);

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'vigil-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = [...MARKET_TOPICS, TOPICS.dlq].map((t) => `${prefix}${t}`);
  await admin.createTopics({
    waitForLeaders: true,
    topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
  });

  const sim = generate({ seed: 'detector-bench', buyers: Math.ceil(EVENTS / 25) });
  const events = sim.events.slice(0, EVENTS);
  if (events.length < EVENTS) throw new Error(`simulator made only ${events.length} events`);
  const sink = await createKafkaSink({ brokers: BROKERS, topicPrefix: prefix, clientId: 'vigil-bench' });
  const fillStart = Date.now();
  for (let i = 0; i < events.length; i += 2000) await sink.write(events.slice(i, i + 2000));
  await sink.close();
  const produced = events.length;
  const fillSeconds = (Date.now() - fillStart) / 1000;
  console.log(`filled ${produced} events in ${fillSeconds.toFixed(1)} s`);

  const detector = startService({
    name: 'detector',
    root,
    env: {
      KAFKA_BROKERS: BROKERS.join(','),
      REDIS_URL,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: groupId,
      SUSPICIONS_QUEUE: queueName,
      VIGIL_KEY_PREFIX: keyPrefix,
      BULLMQ_PREFIX: bullPrefix,
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      KAFKA_PARTITIONS_CONCURRENTLY: String(CONCURRENCY),
    },
  });
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  let result: Record<string, unknown> | undefined;
  try {
    const spawnedAt = Date.now();
    await waitHttpOk(`http://127.0.0.1:${port}/healthz`, 60000, detector);
    const processedNow = async () => {
      const text = await (await fetch(metricsUrl)).text();
      return {
        text,
        count:
          metricValue(text, 'vigil_detector_events_total') +
          metricValue(text, 'vigil_detector_invalid_events_total'),
      };
    };
    // The clock starts at the first processed event, so group join and startup are not counted.
    let first = { at: 0, count: 0 };
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      if (detector.child.exitCode !== null) throw new Error(`detector exited; see ${detector.logFile}`);
      if (Date.now() > deadline) throw new Error('timed out draining the topics');
      const { count } = await processedNow();
      if (count > 0) {
        first = { at: Date.now(), count };
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (;;) {
      if (detector.child.exitCode !== null) throw new Error(`detector exited; see ${detector.logFile}`);
      if (Date.now() > deadline) throw new Error('timed out draining the topics');
      if ((await consumerGroupLag(BROKERS, groupId, topics.slice(0, MARKET_TOPICS.length))) === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const done = Date.now();
    const { text, count } = await processedNow();
    const seconds = (done - first.at) / 1000;
    result = {
      benchmark: 'detector-throughput',
      at: new Date().toISOString(),
      events: produced,
      partitions: PARTITIONS,
      partitionsConsumedConcurrently: CONCURRENCY,
      processed: count,
      suspicions: metricValue(text, 'vigil_detector_suspicions_emitted_total'),
      dlq: metricValue(text, 'vigil_detector_dlq_messages_total'),
      drainSeconds: seconds,
      eventsPerSecond: Math.round((count - first.count) / seconds),
      fromStartSeconds: (done - spawnedAt) / 1000,
      fillSeconds,
      machine: { cpus: cpus().length, node: process.version },
      note: 'one detector process, real rule engine, local Kafka/Redis; events/s measured from the first processed event to zero group lag',
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await detector.stop();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(queueName, { connection: redis, prefix: bullPrefix });
    await queue.obliterate({ force: true });
    await queue.close();
    // Window keys carry TTLs, but a bench should not leave 200k buyers' windows behind.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
  if (result) {
    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `detector-throughput-${run}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${file}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
