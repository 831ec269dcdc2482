// Guarantees under Redis failures (docs/guarantees.md):
//  - Redis unavailable: the detector reports not-ready, commits no offset past events it could not
//    apply, and resumes by itself when Redis is back: nothing lost, nothing double-counted.
//  - Redis data loss: windows restart empty (a documented limitation); the rebuild-by-replay
//    command re-reads the topics with a fresh group and rebuilds exactly the same windows and
//    suspicion job ids; a second replay over already-counted events changes nothing.
// The detector's Redis here is a private redis-server (AOF, fsync always) the test kills.
import { runReplay } from '@vigil/devstack';
import { waitFor } from '@vigil/testkit';
import { Redis } from 'ioredis';
import {
  buyersOf,
  committedTotal,
  createWorld,
  freePort,
  generateInput,
  metric,
  type PrivateRedis,
  type Proc,
  pause,
  privateRedis,
  produce,
  publishedTotal,
  ROOT,
  report,
  startDetector,
  suspicionJobs,
  timeoutWindowSize,
  type World,
  waitDrained,
  worldState,
} from './support';

const SEED = Number(process.env['VIGIL_SEED'] ?? 11);
const OUTAGE_MS = 10_000;

async function readyStatus(p: Proc): Promise<number> {
  try {
    return (await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return 0;
  }
}

describe('Redis unavailable, Redis data lost', () => {
  const procs: Proc[] = [];
  let r: PrivateRedis;
  let redis: Redis;
  let w: World;
  const input = generateInput(SEED, 3000, `r${SEED}`);

  beforeAll(async () => {
    r = await privateRedis();
    redis = new Redis(r.url, { maxRetriesPerRequest: null });
    // This client sees the outages the test causes; it reconnects by itself.
    redis.on('error', () => undefined);
    w = await createWorld('redis', { redisUrl: r.url });
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    redis.disconnect();
    await r.close();
  });

  async function expectInputOutcome(): Promise<void> {
    for (const [buyer, n] of input.timeouts)
      expect([buyer, await timeoutWindowSize(redis, w, buyer)]).toEqual([buyer, n]);
    const jobs = await suspicionJobs(w);
    expect([...buyersOf(jobs, 'bulk-non-payment')].sort()).toEqual([...input.nonPayers].sort());
    expect([...buyersOf(jobs, 'seller-label-accumulation')].sort()).toEqual([...input.labelled].sort());
  }

  it('down ~10 s mid-run: not ready, no offset committed meanwhile, resumes, nothing lost', async () => {
    await produce(w, input.events);
    const published = await publishedTotal(w);
    // Small chunks: many commits, so a commit past unapplied events would have many chances.
    const d = await startDetector(w, { PROCESS_CHUNK_SIZE: '25' });
    procs.push(d);
    await waitFor(async () => (await committedTotal(w)) > 0, {
      timeoutMs: 60_000,
      description: 'first commit',
    });

    await r.kill9();
    const downAt = Date.now();
    await waitFor(async () => (await readyStatus(d)) === 503, {
      description: '/readyz 503 while Redis is down',
    });
    // Whatever was in flight when Redis died has settled by now; from here nothing may move.
    const committedDown = await committedTotal(w);
    await pause(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    expect(await committedTotal(w)).toBe(committedDown);
    expect(committedDown).toBeLessThan(published);
    expect(await readyStatus(d)).toBe(503);

    await r.start();
    const upAt = Date.now();
    await waitFor(async () => (await readyStatus(d)) === 200, {
      timeoutMs: 60_000,
      description: '/readyz 200 again',
    });
    const readyMs = Date.now() - upAt;
    await waitDrained(w);
    const drainedMs = Date.now() - upAt;
    const text = await d.metrics();
    await expectInputOutcome();

    report({
      scenario: 'redis down 10 s',
      eventsIn: published,
      eventsAccounted: await committedTotal(w),
      duplicates: metric(text, 'vigil_detector_duplicate_events_total'),
      committedDuringOutage: committedDown,
      retriableErrors: metric(text, 'vigil_detector_processing_errors_total', { retriable: 'true' }),
      recoveryMs: readyMs,
      drainedAfterMs: drainedMs,
    });
    await d.service.stop();
  });

  it('data lost: a replay from the earliest offset rebuilds the same windows and job ids', async () => {
    const before = await worldState(redis, w);
    const jobsBefore = (await suspicionJobs(w)).map((j) => j.id);
    expect(before.size).toBeGreaterThan(0);

    await r.wipe();
    await r.start();
    expect(await redis.dbsize()).toBe(0);

    const env = {
      REDIS_URL: w.redisUrl,
      VIGIL_KEY_PREFIX: w.keyPrefix,
      SUSPICIONS_QUEUE: w.queue,
      BULLMQ_PREFIX: w.bullPrefix,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
    };
    const first = await runReplay(
      {
        fromOffset: 'earliest',
        fromTimestamp: undefined,
        group: `${w.name}-replay-1`,
        brokers: w.brokers,
        topicPrefix: w.topicPrefix,
        httpPort: await freePort(),
        force: false,
        dryRun: false,
        timeoutMs: 120_000,
      },
      ROOT,
      env,
    );
    expect(first.messages).toBe(input.events.length);
    expect(await worldState(redis, w)).toEqual(before);
    expect((await suspicionJobs(w)).map((j) => j.id)).toEqual(jobsBefore);
    await expectInputOutcome();

    // Replaying again over events already counted is harmless: every one is a duplicate.
    const second = await runReplay(
      {
        fromTimestamp: '2000-01-01T00:00:00Z',
        fromOffset: undefined,
        group: `${w.name}-replay-2`,
        brokers: w.brokers,
        topicPrefix: w.topicPrefix,
        httpPort: await freePort(),
        force: false,
        dryRun: false,
        timeoutMs: 120_000,
      },
      ROOT,
      env,
    );
    expect(second.duplicates).toBe(input.events.length);
    expect(await worldState(redis, w)).toEqual(before);
    expect((await suspicionJobs(w)).map((j) => j.id)).toEqual(jobsBefore);

    report({
      scenario: 'redis data loss, rebuild by replay',
      eventsIn: input.events.length,
      eventsAccounted: first.events,
      duplicates: second.duplicates,
      replayMs: first.durationMs,
      secondReplayMs: second.durationMs,
    });
  });
});
