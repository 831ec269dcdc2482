// End-to-end latency of one detector at fixed produce rates.
//
//   npm run bench:latency                                    # 1k, 5k, 10k, 20k events/s, 60 s each
//   BENCH_RATES=1000,5000 BENCH_DURATION_S=15 npm run bench:latency   # quick run
//
// The simulator's generator and rate pump (`pump`, a token bucket) feed a sink of ours that
// records, per message, the wall-clock time it was handed to the producer and the offset Kafka
// gave it. One detector process (real rule engine, private redis-server) consumes. An event is
// "done" when the suspicion job it raised is added to BullMQ (the job's timestamp), or, if it
// raised none, when the detector's committed offset for its partition moves past it (committed
// offsets polled every BENCH_POLL_MS). See bench/README.md ("Latency").
import { join } from 'node:path';
import { startService, waitHttpOk } from '@vigil/devstack';
import { encodeEvent, type MarketEvent, TOPIC_BY_TYPE } from '@vigil/events';
import { type EventSink, generate, pump } from '@vigil/simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  BROKERS,
  createBenchTopics,
  freePort,
  machine,
  num,
  percentile,
  printTable,
  root,
  runId,
  sleep,
  startPrivateRedis,
  writeResult,
} from './lib';

const RATES = (process.env['BENCH_RATES'] ?? '1000,5000,10000,20000').split(',').map(Number);
const DURATION_S = num('BENCH_DURATION_S', 60);
const PARTITIONS = num('BENCH_PARTITIONS', 6);
const POLL_MS = num('BENCH_POLL_MS', 20);
const DRAIN_TIMEOUT_MS = num('BENCH_DRAIN_TIMEOUT_MS', 180000);

const run = runId();
const prefix = `bench_${run}.`;
const groupId = `bench-latency-${run}`;
const queueName = `bench-suspicions-${run}`;
const bullPrefix = `bull_bench_${run}`;

/** Per topic-partition, indexed by offset (fresh topics start at 0 and have no gaps). */
interface Track {
  producedAt: number[];
  doneAt: number[];
  segment: number[];
  committed: number;
  acked: number;
}

const tracks = new Map<string, Track>();
const track = (tp: string): Track => {
  let t = tracks.get(tp);
  if (!t) {
    t = { producedAt: [], doneAt: [], segment: [], committed: 0, acked: 0 };
    tracks.set(tp, t);
  }
  return t;
};
/** event id → topic-partition and offset, to find the event a suspicion job was raised on. */
const where = new Map<string, { tp: string; offset: number }>();

/** FNV-1a of the buyer id: a fixed partition per buyer (per-buyer order holds), known up front. */
function partitionOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % PARTITIONS;
}

async function recordingSink(segmentRef: {
  current: number;
}): Promise<EventSink & { close(): Promise<void> }> {
  const kafka = new Kafka({ clientId: 'vigil-bench-latency', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    name: 'kafka-recording',
    async write(events: readonly MarketEvent[]) {
      const byTp = new Map<string, MarketEvent[]>();
      for (const e of events) {
        const tp = `${prefix}${TOPIC_BY_TYPE[e.type]}/${partitionOf(e.buyerId)}`;
        const list = byTp.get(tp) ?? [];
        list.push(e);
        byTp.set(tp, list);
      }
      const byTopic = new Map<string, { key: string; value: string; partition: number }[]>();
      for (const [tp, list] of byTp) {
        const [topic, p] = tp.split('/') as [string, string];
        const msgs = byTopic.get(topic) ?? [];
        for (const e of list)
          msgs.push({ key: e.buyerId, value: encodeEvent(e).toString(), partition: Number(p) });
        byTopic.set(topic, msgs);
      }
      const at = Date.now();
      const meta = await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      for (const m of meta) {
        const tp = `${m.topicName}/${m.partition}`;
        const list = byTp.get(tp) ?? [];
        const t = track(tp);
        const base = Number(m.baseOffset);
        list.forEach((e, i) => {
          t.producedAt[base + i] = at;
          t.segment[base + i] = segmentRef.current;
          where.set(e.id, { tp, offset: base + i });
        });
        t.acked = Math.max(t.acked, base + list.length);
      }
    },
    close: () => producer.disconnect(),
  };
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const env = machine(redis.version);
  const { admin, market, all } = await createBenchTopics(prefix, PARTITIONS);
  const port = await freePort();
  const detector = startService({
    name: 'detector',
    root,
    logDir: join(root, '.vigil', 'logs', `bench-latency-${run}`),
    env: {
      KAFKA_BROKERS: BROKERS.join(','),
      REDIS_URL: redis.url,
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_GROUP_ID: groupId,
      SUSPICIONS_QUEUE: queueName,
      VIGIL_KEY_PREFIX: `bench_${run}`,
      BULLMQ_PREFIX: bullPrefix,
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
  });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(queueName, { connection, prefix: bullPrefix });
  const segmentRef = { current: 0 };
  const sink = await recordingSink(segmentRef);
  let polling = true;
  // Committed-offset poller: an offset moving past a message is when the detector finished it.
  const poller = (async () => {
    while (polling) {
      const now = Date.now();
      const offsets = await admin.fetchOffsets({ groupId, topics: market }).catch(() => []);
      for (const t of offsets)
        for (const p of t.partitions) {
          const c = Number(p.offset);
          if (c <= 0) continue;
          const tr = track(`${t.topic}/${p.partition}`);
          for (let o = tr.committed; o < c; o++) tr.doneAt[o] = now;
          tr.committed = Math.max(tr.committed, c);
        }
      await sleep(POLL_MS);
    }
  })();
  const lagNow = () => {
    let lag = 0;
    for (const t of tracks.values()) lag += Math.max(0, t.acked - t.committed);
    return lag;
  };
  const rows: Record<string, unknown>[] = [];
  try {
    await waitHttpOk(`http://127.0.0.1:${port}/readyz`, 90000, detector);
    for (let s = 0; s < RATES.length; s++) {
      const rate = RATES[s]!;
      segmentRef.current = s;
      const needed = Math.ceil(rate * DURATION_S * 1.05);
      const sim = generate({
        seed: `latency-${rate}-${run}`,
        buyers: Math.max(500, Math.ceil(needed / 10)),
        days: 10,
      });
      const events = sim.events.slice(0, needed);
      console.log(`rate ${rate}/s: ${events.length} events generated, producing for ${DURATION_S} s`);
      const lagSamples: { t: number; lag: number }[] = [];
      const sampler = setInterval(() => lagSamples.push({ t: Date.now(), lag: lagNow() }), 1000);
      const result = await pump(events, [sink], {
        rate,
        durationMs: DURATION_S * 1000,
        // 50 ms of events per send: one idempotent send (acks=all, one in flight) takes ~10-20 ms
        // here, so smaller sends would make the producer, not the detector, the bottleneck.
        batchSize: Math.max(20, Math.round(rate / 20)),
      });
      clearInterval(sampler);
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (lagNow() > 0 && Date.now() < deadline) {
        if (detector.child.exitCode !== null) throw new Error(`detector exited; see ${detector.logFile}`);
        await sleep(100);
      }
      // Jobs: the done time of the event that raised each one is when it was added.
      const jobs = await queue.getJobs(
        ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'],
        0,
        -1,
      );
      const jobAt = new Map<string, number>();
      for (const j of jobs) {
        const ids: string[] = (j.data?.evidence?.eventIds as string[] | undefined) ?? [];
        let trigger: { tp: string; offset: number } | undefined;
        let latest = -1;
        for (const id of ids) {
          const w = where.get(id);
          if (!w) continue;
          const t = tracks.get(w.tp)!;
          if (t.segment[w.offset] !== s) continue;
          if (t.producedAt[w.offset]! >= latest) {
            latest = t.producedAt[w.offset]!;
            trigger = w;
          }
        }
        if (!trigger) continue;
        const k = `${trigger.tp}#${trigger.offset}`;
        jobAt.set(k, Math.min(jobAt.get(k) ?? Number.POSITIVE_INFINITY, j.timestamp));
      }
      const latencies: number[] = [];
      let undone = 0;
      for (const [tp, t] of tracks)
        for (let o = 0; o < t.segment.length; o++) {
          if (t.segment[o] !== s) continue;
          const done = jobAt.get(`${tp}#${o}`) ?? t.doneAt[o];
          if (done === undefined) undone++;
          else latencies.push(done - t.producedAt[o]!);
        }
      latencies.sort((a, b) => a - b);
      // Lag growth: least-squares slope of the lag over the second half of the produce phase.
      const half = lagSamples.slice(Math.floor(lagSamples.length / 2));
      let slope = 0;
      if (half.length >= 3) {
        const mx = half.reduce((a, p) => a + p.t, 0) / half.length;
        const my = half.reduce((a, p) => a + p.lag, 0) / half.length;
        const num_ = half.reduce((a, p) => a + (p.t - mx) * (p.lag - my), 0);
        const den = half.reduce((a, p) => a + (p.t - mx) ** 2, 0);
        slope = den > 0 ? (num_ / den) * 1000 : 0;
      }
      const achieved = Math.round(result.sent / (result.elapsedMs / 1000));
      const held = slope < 0.02 * rate && achieved >= 0.95 * rate && undone === 0;
      const row = {
        'target/s': rate,
        'produced/s': achieved,
        events: result.sent,
        suspicions: jobAt.size,
        'p50 ms': percentile(latencies, 50),
        'p99 ms': percentile(latencies, 99),
        'p99.9 ms': percentile(latencies, 99.9),
        'max ms': latencies[latencies.length - 1] ?? Number.NaN,
        'max lag': Math.max(0, ...lagSamples.map((p) => p.lag)),
        'lag growth/s': Math.round(slope),
        held: held ? 'yes' : 'no',
        unfinished: undone,
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  } finally {
    polling = false;
    await poller;
    await sink.close();
    await detector.stop(30000);
    await queue.close();
    connection.disconnect();
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    await admin.disconnect();
    await redis.stop();
  }
  const highestHeld = rows
    .filter((r) => r['held'] === 'yes')
    .reduce((a, r) => Math.max(a, Number(r['target/s'])), 0);
  console.log(
    `\nLatency, produce → suspicion job added or offset committed (commit polled every ${POLL_MS} ms)`,
  );
  printTable(rows);
  console.log(`\nhighest rate held with lag not growing: ${highestHeld || 'none'} events/s`);
  console.log(`machine: ${JSON.stringify(env)}`);
  const file = writeResult('latency', run, {
    benchmark: 'latency',
    at: new Date().toISOString(),
    machine: env,
    durationSeconds: DURATION_S,
    partitions: PARTITIONS,
    commitPollMs: POLL_MS,
    rows,
    highestRateHeld: highestHeld,
    note: 'produce time = just before sendBatch; done = BullMQ job timestamp for the event that raised a job, else the first commit poll that saw the offset committed (adds up to commitPollMs)',
  });
  console.log(`wrote ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
