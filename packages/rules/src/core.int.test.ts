import type { MarketEvent } from '@vigil/events';
import { testRedisUrl, uniqueName } from '@vigil/testkit';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { defaultRulesConfig } from './config';
import { createDetectorCore } from './core';
import { ev, HOUR, MIN } from './test-events';

// Properties of the whole core over random streams of payment-timeout cancellations (duplicate
// ids, out-of-order event times, random batch sizes), against the real Redis:
//  - bulk-non-payment fires iff some 24h span holds ≥ 3 distinct cancellations (reference model);
//  - every job's evidence really is ≥ 3 cancellations within 24h;
//  - redelivering the whole stream yields exactly the same job ids and changes no key.

let redis: Redis;
beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
});

async function dump(prefix: string): Promise<Record<string, unknown>> {
  const keys = (await redis.keys(`${prefix}:*`)).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const type = await redis.type(k);
    out[k] =
      type === 'zset'
        ? await redis.zrange(k, 0, -1, 'WITHSCORES')
        : type === 'hash'
          ? await redis.hgetall(k)
          : await redis.get(k);
  }
  return out;
}

test('bulk-non-payment matches the reference model; redelivery is a no-op with the same job ids', async () => {
  const config = defaultRulesConfig();
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          n: fc.integer({ min: 0, max: 14 }),
          minute: fc.integer({ min: 0, max: 72 * 60 }),
          seller: fc.integer({ min: 0, max: 3 }),
        }),
        {
          minLength: 1,
          maxLength: 24,
        },
      ),
      fc.integer({ min: 1, max: 6 }),
      async (raw, batchSize) => {
        // One content per id: a repeated id is a true redelivery.
        const byId = new Map<number, MarketEvent>();
        const stream = raw.map(({ n, minute, seller }) => {
          let e = byId.get(n);
          if (!e) {
            e = ev(
              'order.cancelled',
              { id: `c${n}`, buyerId: 'b-p', sellerId: `s-${seller}`, orderId: `o-${n}`, at: minute * MIN },
              { reason: 'payment_timeout' },
            );
            byId.set(n, e);
          }
          return e;
        });
        const prefix = uniqueName('vigil_prop');
        const core = createDetectorCore({
          redis,
          config,
          keyPrefix: prefix,
          now: () => Date.parse('2030-01-01T00:00:00Z'),
        });
        const run = async () => {
          const ids: string[] = [];
          const evidence: string[][] = [];
          for (let i = 0; i < stream.length; i += batchSize) {
            const r = await core.process(stream.slice(i, i + batchSize));
            for (const j of r.suspicions) {
              ids.push(j.jobId);
              evidence.push(j.data.evidence.eventIds);
            }
          }
          return { ids, evidence };
        };
        try {
          const first = await run();
          const times = [...byId.values()].map((e) => Date.parse(e.occurredAt)).sort((a, b) => a - b);
          const expectFire = times.some((s) => times.filter((t) => t >= s && t <= s + 24 * HOUR).length >= 3);
          expect(first.ids.length > 0).toBe(expectFire);
          for (const ids of first.evidence) {
            const ts = ids.map((id) => Date.parse(byId.get(Number(id.slice(1)))!.occurredAt));
            expect(ids.length).toBeGreaterThanOrEqual(3);
            expect(Math.max(...ts) - Math.min(...ts)).toBeLessThanOrEqual(24 * HOUR);
          }
          const snap = await dump(prefix);
          const again = await run();
          expect(new Set(again.ids)).toEqual(new Set(first.ids));
          expect(await dump(prefix)).toEqual(snap);
        } finally {
          const keys = await redis.keys(`${prefix}:*`);
          if (keys.length) await redis.del(...keys);
        }
      },
    ),
    { numRuns: 40 },
  );
});

test('Redis unreachable: process() rejects with a retriable VigilError and its cause', async () => {
  const lost = new Redis(testRedisUrl(), { maxRetriesPerRequest: 0, retryStrategy: () => null });
  await lost.quit();
  const core = createDetectorCore({
    redis: lost,
    config: defaultRulesConfig(),
    keyPrefix: uniqueName('vigil_lost'),
  });
  const err = await core
    .process([ev('order.cancelled', { buyerId: 'b', orderId: 'o', at: 0 }, { reason: 'payment_timeout' })])
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'VigilError', retriable: true });
  expect((err as Error).cause).toBeInstanceOf(Error);
});
