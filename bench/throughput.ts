// Throughput of the detector against a bare kafkajs consumer on the same pre-filled topics, plus
// Redis memory per active buyer, Redis round trips per batch and a CPU profile of the detector.
//
//   npm run bench:throughput                                   # 500k events, 100k buyers
//   BENCH_EVENTS=50000 BENCH_BUYERS=10000 npm run bench:throughput   # quick run
//
// Every figure of one run is measured on the same topics, the same machine and the same moment,
// so compare the detector with the bare consumer of the same run, not with another day's run.
// See bench/README.md ("Throughput", "Redis memory", "CPU profile") for what each figure means.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  consumerGroupLag,
  metricValue,
  type RunningService,
  startService,
  waitHttpOk,
} from '@vigil/devstack';
import { createKafkaSink, generate } from '@vigil/simulator';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  BROKERS,
  createBenchTopics,
  freePort,
  machine,
  num,
  type PrivateRedis,
  printTable,
  root,
  runId,
  sleep,
  startPrivateRedis,
  topSelfTime,
  writeResult,
} from './lib';

const EVENTS = num('BENCH_EVENTS', 500000);
const BUYERS = num('BENCH_BUYERS', 100000);
const PARTITIONS = num('BENCH_PARTITIONS', 6);
/** KAFKA_PARTITIONS_CONCURRENTLY of the detectors under test (and of the bare consumer). */
const CONCURRENCY = num('BENCH_CONCURRENCY', 1);
const TIMEOUT_MS = num('BENCH_TIMEOUT_MS', 30 * 60 * 1000);
/** Simulated days: about one event per buyer per day, so the span is sized to give ~EVENTS. */
const DAYS = num('BENCH_DAYS', Math.min(30, Math.max(2, Math.ceil(EVENTS / BUYERS))));
const PROFILE = process.env['BENCH_PROFILE'] !== '0';
const TWO = process.env['BENCH_TWO'] !== '0';
/** Extra node flags for the detector processes, e.g. `--max-semi-space-size=32`. */
const NODE_ARGS = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');

const run = runId();
const prefix = `bench_${run}.`;

/** Bare kafkajs group: eachBatch, JSON.parse of every message, nothing else. */
async function bareDrain(topics: string[], total: number): Promise<Record<string, number>> {
  const kafka = new Kafka({ clientId: 'vigil-bench-bare', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-bare-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let count = 0;
  let parsedBytes = 0;
  let first = 0;
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: CONCURRENCY,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (first === 0) first = Date.now();
        for (const m of batch.messages) {
          if (m.value) parsedBytes += JSON.parse(m.value.toString()) ? m.value.length : 0;
          count++;
          resolveOffset(m.offset);
        }
        await heartbeat();
        if (count >= total && done === 0) {
          done = Date.now();
          resolve();
        }
      },
    });
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('bare consumer timed out')), TIMEOUT_MS);
  });
  try {
    await Promise.race([finished, timeout]);
  } finally {
    clearTimeout(timer);
  }
  await consumer.disconnect();
  const seconds = (done - first) / 1000;
  return { messages: count, seconds, eventsPerSecond: Math.round(count / seconds), bytes: parsedBytes };
}

interface DetectorRun {
  processes: number;
  seconds: number;
  eventsPerSecond: number;
  processed: number;
  suspicions: number;
  dlq: number;
  batches: number;
  redisRoundTrips: number;
  redisRoundTripsPerBatch: number;
  redisCommands: number;
  redisCommandsPerBatch: number;
  usedMemoryBefore: number;
  usedMemoryAfter: number;
  profileFiles: string[];
  /** The drain, in µs of the monotonic clock, to cut the CPU profile to it. */
  windowUs: { from: number; to: number };
  metricsText: string;
}

async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** Starts `processes` detectors in one fresh group on a flushed private Redis and times the drain. */
async function detectorDrain(
  redis: PrivateRedis,
  topics: string[],
  processes: number,
  profileDir?: string,
): Promise<DetectorRun> {
  const admin = new Redis(redis.url);
  await admin.flushall();
  const usedMemoryBefore = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
  const commandsBefore = Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1]);
  const groupId = `bench-detector-${run}-${processes}`;
  const services: { svc: RunningService; port: number }[] = [];
  try {
    for (let i = 0; i < processes; i++) {
      const port = await freePort();
      const svc = startService({
        name: 'detector',
        root,
        logDir: join(root, '.vigil', 'logs', `bench-${run}-${processes}-${i}`),
        nodeArgs: [...NODE_ARGS, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])],
        env: {
          KAFKA_BROKERS: BROKERS.join(','),
          REDIS_URL: redis.url,
          KAFKA_TOPIC_PREFIX: prefix,
          KAFKA_GROUP_ID: groupId,
          SUSPICIONS_QUEUE: `bench-suspicions-${run}`,
          VIGIL_KEY_PREFIX: `bench_${run}`,
          BULLMQ_PREFIX: `bull_bench_${run}`,
          HTTP_PORT: String(port),
          HTTP_HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          KAFKA_PARTITIONS_CONCURRENTLY: String(CONCURRENCY),
        },
      });
      services.push({ svc, port });
    }
    for (const { svc, port } of services) await waitHttpOk(`http://127.0.0.1:${port}/healthz`, 60000, svc);
    const processedNow = async () => {
      let count = 0;
      const texts: string[] = [];
      for (const { port } of services) {
        const text = await scrape(port);
        texts.push(text);
        count +=
          metricValue(text, 'vigil_detector_events_total') +
          metricValue(text, 'vigil_detector_invalid_events_total');
      }
      return { count, texts };
    };
    const check = () => {
      for (const { svc } of services)
        if (svc.child.exitCode !== null) throw new Error(`detector exited; see ${svc.logFile}`);
      if (Date.now() > deadline) throw new Error('timed out draining the topics');
    };
    // The clock starts at the first processed event, so process start and group join are not counted.
    const deadline = Date.now() + TIMEOUT_MS;
    let first = { at: 0, count: 0 };
    let fromUs = 0;
    for (;;) {
      check();
      const { count } = await processedNow();
      if (count > 0) {
        first = { at: Date.now(), count };
        fromUs = Number(process.hrtime.bigint() / 1000n);
        break;
      }
      await sleep(50);
    }
    for (;;) {
      check();
      if ((await consumerGroupLag(BROKERS, groupId, topics)) === 0) break;
      await sleep(200);
    }
    const doneAt = Date.now();
    const toUs = Number(process.hrtime.bigint() / 1000n);
    const { count, texts } = await processedNow();
    const seconds = (doneAt - first.at) / 1000;
    const sum = (name: string) => texts.reduce((a, t) => a + metricValue(t, name), 0);
    const batches = sum('vigil_detector_batch_size_count');
    const roundTrips = sum('vigil_detector_redis_round_trips_total');
    const usedMemoryAfter = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    const commands =
      Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1]) - commandsBefore;
    return {
      processes,
      seconds,
      eventsPerSecond: Math.round((count - first.count) / seconds),
      processed: count,
      suspicions: sum('vigil_detector_suspicions_emitted_total'),
      dlq: sum('vigil_detector_dlq_messages_total'),
      batches,
      redisRoundTrips: roundTrips,
      redisRoundTripsPerBatch: batches > 0 ? Math.round((10 * roundTrips) / batches) / 10 : 0,
      redisCommands: commands,
      redisCommandsPerBatch: batches > 0 ? Math.round(commands / batches) : 0,
      usedMemoryBefore,
      usedMemoryAfter,
      profileFiles: [],
      windowUs: { from: fromUs, to: toUs },
      metricsText: texts[0] ?? '',
    };
  } finally {
    for (const { svc } of services) await svc.stop(30000);
    admin.disconnect();
  }
}

/** Rule family (or role) of a window key, by its suffix (docs/windows.md, "Keys"). */
const FAMILY: Record<string, string> = {
  'w:ptimeout': 'bulk-non-payment',
  'w:unpaid': 'bulk-non-payment',
  'w:timeouts': 'linked-account-non-payment',
  'w:labels': 'seller-label-accumulation',
  'w:dfail': 'invalid-address',
  'w:addrcancel': 'invalid-address',
  'w:refunds': 'refund-frequency / duplicate-return-tracking',
  'w:placed': 'refund-frequency',
  'w:rnr': 'refund-only-after-delivery',
  'w:abret': 'abnormal-return-goods',
  'w:insret': 'freight-insurance-abuse',
  'w:threats': 'threat-chat / extortion',
  'w:complaints': 'complaint-spree / complaint-extortion',
  'w:reviews': 'negative-review-spree / review-extortion',
  'w:paid': 'competitor-review-burst (reviewer history)',
  'w:lowreviews': 'competitor-review-burst',
  'w:wrongitem:*': 'linked-wrong-item-claims',
  'e:*': 'dedupe record (all rules)',
  'o:*': 'order state (all order rules)',
  m: 'watermark (all rules)',
};

/** Key pattern of a window key: subject ids, event ids, order ids and seller ids replaced by `*`. */
function keyPattern(key: string, keyPrefix: string, bullPrefix: string): string {
  if (key.startsWith(`${bullPrefix}:`)) return 'bullmq (suspicion jobs)';
  if (!key.startsWith(`${keyPrefix}:`)) return 'other';
  return key
    .slice(keyPrefix.length + 1)
    .replace(/^\{(\w+):[^}]*\}:/, '{$1}:')
    .replace(/:(e|o):.*$/, ':$1:*')
    .replace(/:w:wrongitem:.*$/, ':w:wrongitem:*');
}

/** Counts every key by pattern (SCAN) and sizes a sample of them (MEMORY USAGE, pipelined). */
async function memoryByPattern(url: string, sampleEvery: number): Promise<Record<string, unknown>[]> {
  const redis = new Redis(url);
  const keyPrefix = `bench_${run}`;
  const bullPrefix = `bull_bench_${run}`;
  const stats = new Map<string, { keys: number; sampled: number; sampledBytes: number }>();
  let cursor = '0';
  let seen = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 2000);
    cursor = next;
    const sample: string[] = [];
    for (const k of keys) {
      const p = keyPattern(k, keyPrefix, bullPrefix);
      const s = stats.get(p) ?? { keys: 0, sampled: 0, sampledBytes: 0 };
      s.keys++;
      stats.set(p, s);
      if (seen++ % sampleEvery === 0 || s.sampled < 20) sample.push(k);
    }
    if (sample.length > 0) {
      const pipe = redis.pipeline();
      for (const k of sample) pipe.call('MEMORY', 'USAGE', k, 'SAMPLES', '0');
      const replies = (await pipe.exec()) ?? [];
      sample.forEach((k, i) => {
        const bytes = Number(replies[i]?.[1] ?? 0);
        const s = stats.get(keyPattern(k, keyPrefix, bullPrefix))!;
        s.sampled++;
        s.sampledBytes += bytes;
      });
    }
  } while (cursor !== '0');
  redis.disconnect();
  const rows = [...stats.entries()].map(([pattern, s]) => {
    const suffix = pattern.replace(/^\{\w+\}:/, '');
    const avg = s.sampled > 0 ? s.sampledBytes / s.sampled : 0;
    return {
      pattern,
      family: FAMILY[suffix] ?? (pattern.startsWith('bullmq') ? 'queue' : ''),
      keys: s.keys,
      avgBytes: Math.round(avg),
      estimatedMB: Math.round((s.keys * avg) / 1e5) / 10,
    };
  });
  return rows.sort((a, b) => b.estimatedMB - a.estimatedMB);
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const env = machine(redis.version);
  const { admin, market, all } = await createBenchTopics(prefix, PARTITIONS);
  const profileDir = join(root, 'bench', 'results', `profile-${run}`);
  const result: Record<string, unknown> = {
    benchmark: 'throughput',
    at: new Date().toISOString(),
    machine: env,
    detectorNodeArgs: NODE_ARGS,
    note: 'all figures of one run share topics, machine and moment; the machine is shared, compare within a run',
  };
  try {
    // 1. Fill: the simulator's seeded mix, first EVENTS events in event-time order.
    const genStart = Date.now();
    const sim = generate({ seed: 'throughput-bench', buyers: BUYERS, days: DAYS });
    let events = sim.events.slice(0, EVENTS);
    const buyers = new Set(events.map((e) => e.buyerId)).size;
    const types: Record<string, number> = {};
    for (const e of events) types[e.type] = (types[e.type] ?? 0) + 1;
    console.log(
      `generated ${events.length} events of ${buyers} buyers in ${((Date.now() - genStart) / 1000).toFixed(1)} s`,
    );
    const sink = await createKafkaSink({ brokers: BROKERS, topicPrefix: prefix, clientId: 'vigil-bench' });
    const fillStart = Date.now();
    for (let i = 0; i < events.length; i += 2000) await sink.write(events.slice(i, i + 2000));
    await sink.close();
    const total = events.length;
    events = [];
    console.log(`filled ${total} events in ${((Date.now() - fillStart) / 1000).toFixed(1)} s`);
    Object.assign(result, {
      events: total,
      activeBuyers: buyers,
      simulatedDays: DAYS,
      partitions: PARTITIONS,
      concurrency: CONCURRENCY,
      types,
    });

    // 2. The bare consumer: the ceiling any kafkajs consumer of these topics reaches here.
    const bare = await bareDrain(market, total);
    console.log(`bare consumer: ${bare['eventsPerSecond']} events/s`);

    // 3. One detector, profiled; Redis figures come from this run.
    if (PROFILE) mkdirSync(profileDir, { recursive: true });
    const one = await detectorDrain(redis, market, 1, PROFILE ? profileDir : undefined);
    console.log(`one detector: ${one.eventsPerSecond} events/s`);
    const memRows = await memoryByPattern(redis.url, Math.max(1, Math.round(total / 50000)));
    const grown = one.usedMemoryAfter - one.usedMemoryBefore;
    const bullMB = memRows
      .filter((r) => String(r.pattern).startsWith('bullmq'))
      .reduce((a, r) => a + Number(r.estimatedMB), 0);
    const memory = {
      usedMemoryBefore: one.usedMemoryBefore,
      usedMemoryAfter: one.usedMemoryAfter,
      bytesPerActiveBuyer: Math.round(grown / buyers),
      bytesPerActiveBuyerWithoutQueue: Math.round((grown - bullMB * 1e6) / buyers),
      byPattern: memRows,
    };
    let profile: ReturnType<typeof topSelfTime> | undefined;
    if (PROFILE) {
      // tsx runs its loader in a worker thread, which writes a profile of its own: the main
      // thread's is the largest.
      const files = readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .sort((a, b) => statSync(join(profileDir, b)).size - statSync(join(profileDir, a)).size);
      if (files[0]) profile = topSelfTime(join(profileDir, files[0]), 10, one.windowUs);
      one.profileFiles = files.map((f) => join(profileDir, f));
    }

    // 4. Two detectors in one group, on a flushed Redis (so no event is a duplicate).
    const two = TWO ? await detectorDrain(redis, market, 2) : undefined;
    if (two) console.log(`two detectors: ${two.eventsPerSecond} events/s`);

    const strip = ({ metricsText: _m, ...rest }: DetectorRun) => rest;
    Object.assign(result, {
      bare,
      oneDetector: strip(one),
      twoDetectors: two ? strip(two) : undefined,
      ratioOneToBare: Math.round((100 * one.eventsPerSecond) / Number(bare['eventsPerSecond'])) / 100,
      ratioTwoToBare: two
        ? Math.round((100 * two.eventsPerSecond) / Number(bare['eventsPerSecond'])) / 100
        : undefined,
      memory,
      profile,
    });

    console.log('\nThroughput (same topics, same run)');
    printTable([
      {
        consumer: 'bare kafkajs (eachBatch + JSON.parse)',
        processes: 1,
        seconds: bare['seconds'],
        'events/s': bare['eventsPerSecond'],
        'ratio to bare': 1,
      },
      {
        consumer: 'detector',
        processes: 1,
        seconds: one.seconds,
        'events/s': one.eventsPerSecond,
        'ratio to bare': result['ratioOneToBare'],
      },
      ...(two
        ? [
            {
              consumer: 'detector',
              processes: 2,
              seconds: two.seconds,
              'events/s': two.eventsPerSecond,
              'ratio to bare': result['ratioTwoToBare'],
            },
          ]
        : []),
    ]);
    console.log(`\nsuspicions: ${one.suspicions} (one), ${two?.suspicions ?? '-'} (two); dlq ${one.dlq}`);
    console.log(
      `batches ${one.batches}; Redis round trips per batch ${one.redisRoundTripsPerBatch}; Redis commands per batch (incl. those run inside Lua scripts and BullMQ) ${one.redisCommandsPerBatch}`,
    );
    console.log(
      `\nRedis memory: ${memory.bytesPerActiveBuyer} B per active buyer (${buyers} buyers), ${memory.bytesPerActiveBuyerWithoutQueue} B without the suspicion queue`,
    );
    printTable(memRows.slice(0, 20));
    if (profile) {
      console.log(
        `\nCPU profile of the one-detector run (${profile.totalCpuMs} ms CPU over ${profile.wallMs} ms wall; ${profile.windowed ? 'drain only' : 'whole process life'})`,
      );
      printTable(
        profile.top.map((t) => ({
          function: t.functionName,
          location: t.location,
          'self ms': t.selfMs,
          'self %': t.selfPercent,
        })),
      );
    }
    console.log(`\nmachine: ${JSON.stringify(env)}`);
    console.log(`wrote ${writeResult('throughput', run, result)}`);
  } finally {
    await admin.deleteTopics({ topics: all }).catch(() => undefined);
    await admin.disconnect();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
