import { testRedisUrl, uniqueName } from '@vigil/testkit';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { createKeys } from './keys';
import { type ApplyCall, WindowStore, type ZRead } from './store';

// Property: the Redis window (sorted set trimmed by watermark − (length + lateness)) gives exactly
// the count a naive in-memory model gives, over random streams with duplicate ids, conflicting
// redeliveries and out-of-order event times; late events are reported, never silently dropped.

const MIN = 60_000;
const LENGTH = 30 * MIN;
const LATENESS = 60 * MIN;
const T0 = Date.parse('2026-11-26T00:00:00Z');

interface Ev {
  id: string;
  t: number;
  content: string;
}

let redis: Redis;
beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
});

function call(keys: ReturnType<typeof createKeys>, ev: Ev): ApplyCall {
  const b = keys.buyer('b1');
  return {
    subject: b,
    eventId: ev.id,
    contentHash: ev.content,
    eventTime: ev.t,
    latenessMs: LATENESS,
    dedupeTtlMs: 3_600_000,
    metaTtlMs: 3_600_000,
    ops: [
      {
        op: 'zadd',
        key: b.window('w'),
        member: ev.id,
        score: ev.t,
        retentionMs: LENGTH + LATENESS,
        cap: 1000,
        ttlMs: 3_600_000,
      },
      { op: 'zrange', key: b.window('w'), from: ev.t - LENGTH, to: ev.t, limit: 1000, name: 'w' },
    ],
  };
}

const eventArb = fc.record({
  id: fc.integer({ min: 0, max: 25 }).map((n) => `e${n}`),
  t: fc.integer({ min: 0, max: 240 }).map((m) => T0 + m * MIN),
  content: fc.constantFrom('a', 'a', 'a', 'b'),
});

test('window counts equal the reference model (duplicates, conflicts, out-of-order, late)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(eventArb, { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 7 }),
      async (stream, batchSize) => {
        const keys = createKeys(uniqueName('vigiltest'));
        const store = new WindowStore(redis);
        // Reference model.
        const seen = new Map<string, { content: string; count: number | null }>();
        const accepted: Ev[] = [];
        let wm: number | null = null;
        const expected: Array<{ status: string; count: number | null }> = [];
        for (const ev of stream) {
          const first = seen.get(ev.id);
          if (first) {
            expected.push({ status: first.content === ev.content ? 'dup' : 'conflict', count: first.count });
            continue;
          }
          if (wm !== null && ev.t < wm - LATENESS) {
            seen.set(ev.id, { content: ev.content, count: null });
            expected.push({ status: 'late', count: null });
            continue;
          }
          wm = wm === null ? ev.t : Math.max(wm, ev.t);
          accepted.push(ev);
          const count = accepted.filter((a) => a.t >= ev.t - LENGTH && a.t <= ev.t).length;
          seen.set(ev.id, { content: ev.content, count });
          expected.push({ status: 'new', count });
        }
        // Redis, in batches (one pipeline each).
        const actual: Array<{ status: string; count: number | null }> = [];
        for (let i = 0; i < stream.length; i += batchSize) {
          const results = await store.apply(stream.slice(i, i + batchSize).map((ev) => call(keys, ev)));
          for (const r of results)
            actual.push({ status: r.status, count: r.reads['w'] ? (r.reads['w'] as ZRead).count : null });
        }
        const leftovers = await redis.keys(`${keys.prefix}:*`);
        if (leftovers.length) await redis.del(...leftovers);
        expect(actual).toEqual(expected);
        expect(store.roundTrips).toBe(Math.ceil(stream.length / batchSize));
      },
    ),
    { numRuns: 60 },
  );
});

test('every key written has a TTL', async () => {
  const keys = createKeys(uniqueName('vigiltest'));
  const store = new WindowStore(redis);
  await store.apply([call(keys, { id: 'x', t: T0, content: 'a' })]);
  const written = await redis.keys(`${keys.prefix}:*`);
  expect(written.length).toBe(3);
  for (const key of written) expect(await redis.pttl(key)).toBeGreaterThan(0);
  await redis.del(...written);
});

test('a lost connection surfaces as a retriable VigilError with its cause', async () => {
  const lost = new Redis(testRedisUrl(), { maxRetriesPerRequest: 0, retryStrategy: () => null });
  await lost.quit();
  const store = new WindowStore(lost);
  const keys = createKeys(uniqueName('vigiltest'));
  const err = await store.apply([call(keys, { id: 'x', t: T0, content: 'a' })]).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'VigilError', code: 'REDIS_UNAVAILABLE', retriable: true });
  expect((err as Error).cause).toBeInstanceOf(Error);
});
