import { uniqueName } from '@vigil/testkit';
import { defaultRulesConfig } from './config';
import { createDetectorCore } from './core';
import { createHarness, type Harness } from './harness';
import { DAY, ev, HOUR } from './test-events';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const shipped = (
  buyerId: string,
  refundId: string,
  trackingNo: string,
  at: number,
  orderId = `o-${refundId}`,
) =>
  ev(
    'return.shipped',
    { buyerId, sellerId: `s-${buyerId}`, orderId, at },
    { refundId, trackingNo, carrier: 'SF' },
  );

test("a tracking number already used by another buyer's refund: high, naming both", async () => {
  const first = shipped('b-A', 'r-1', 'SF900', 0);
  const second = shipped('b-B', 'r-2', 'SF900', 10 * DAY);
  const jobs = await h.run([first, second]);
  expect(jobs).toHaveLength(1);
  const s = jobs[0]!.data;
  expect(s.ruleId).toBe('duplicate-return-tracking');
  expect(s.severity).toBe('high');
  expect(s.subject).toEqual({ kind: 'buyer', id: 'b-B' });
  expect(s.buyerIds).toEqual(['b-B', 'b-A']);
  expect(s.orderIds).toEqual(['o-r-2', 'o-r-1']);
  // Two buyers, two sellers: each order goes to its own buyer's case and its own seller.
  expect(s.orderParties).toEqual([
    { orderId: 'o-r-2', buyerId: 'b-B', sellerId: 's-b-B' },
    { orderId: 'o-r-1', buyerId: 'b-A', sellerId: 's-b-A' },
  ]);
  // The id of this pair before orderParties existed: attribution never enters the job id.
  expect(jobs[0]!.jobId).toBe('duplicate-return-tracking-770fff479e8f0add91725b815486e5ba');
  expect(s.evidence.eventIds).toEqual([first.id, second.id]);
  expect(s.evidence.snippets).toEqual(['refund r-1', 'refund r-2']);
  expect(s.evidence.crossed).toEqual([{ window: 'tracking_refunds_90d', value: 2, op: '>=', threshold: 2 }]);
  expect(s.eventTime).toBe(second.occurredAt);
});

test('the same refund sending the same tracking number again is not abuse', async () => {
  const jobs = await h.run([shipped('b-A', 'r-1', 'SF901', 0), shipped('b-A', 'r-1', 'SF901', 2 * HOUR)]);
  expect(jobs).toEqual([]);
});

test('honest: different refunds with different tracking numbers raise nothing', async () => {
  const jobs = await h.run([shipped('b-A', 'r-1', 'SF902', 0), shipped('b-B', 'r-2', 'SF903', HOUR)]);
  expect(jobs).toEqual([]);
});

test('reuse more than 90 days later is outside the window', async () => {
  const jobs = await h.run([shipped('b-A', 'r-1', 'SF904', 0), shipped('b-B', 'r-2', 'SF904', 91 * DAY)], 1);
  expect(jobs).toEqual([]);
});

test("either arrival order gives the same job (subject = the later refund's buyer)", async () => {
  const a = shipped('b-A', 'r-1', 'SF905', 0);
  const b = shipped('b-B', 'r-2', 'SF905', DAY);
  const inOrder = await h.run([a, b]);
  const other = await createHarness();
  try {
    const reversed = await other.run([b, a], 1);
    expect(reversed.map((j) => j.jobId)).toEqual(inOrder.map((j) => j.jobId));
    expect(reversed[0]!.data.subject).toEqual({ kind: 'buyer', id: 'b-B' });
  } finally {
    await other.close();
  }
});

test('the same events twice: same windows, same job ids; two round trips per batch', async () => {
  const events = [shipped('b-A', 'r-1', 'SF906', 0), shipped('b-B', 'r-2', 'SF906', DAY)];
  const before = h.core.store.roundTrips;
  const first = await h.core.process(events);
  expect(h.core.store.roundTrips - before).toBe(2); // buyer phase + tracking phase
  const snap = await h.snapshot();
  const again = await h.core.process(events);
  expect(await h.snapshot()).toEqual(snap);
  expect(again.duplicates).toBe(2);
  expect(again.suspicions.map((j) => j.jobId)).toEqual(first.suspicions.map((j) => j.jobId));
});

test('a third refund reusing the number is a new finding', async () => {
  const jobs = await h.run([
    shipped('b-A', 'r-1', 'SF907', 0),
    shipped('b-B', 'r-2', 'SF907', DAY),
    shipped('b-C', 'r-3', 'SF907', 2 * DAY),
  ]);
  expect(jobs.map((j) => j.data.subject.id)).toEqual(['b-B', 'b-C']);
  expect(new Set(jobs.map((j) => j.jobId)).size).toBe(2);
});

test('a crash between the buyer phase and the tracking phase: the retry gives the same job, once', async () => {
  const events = [shipped('b-A', 'r-1', 'SF908', 0), shipped('b-B', 'r-2', 'SF908', DAY)];
  const reference = await h.core.process(events);
  expect(reference.suspicions).toHaveLength(1);

  // A second core on a fresh prefix whose Redis connection dies after phase 1 of the batch.
  const prefix = uniqueName('vigil_crash');
  let pipelines = 0;
  const flaky = new Proxy(h.redis, {
    get(target, prop, receiver) {
      if (prop === 'pipeline') {
        return () => {
          const p = target.pipeline();
          if (++pipelines === 2) {
            p.exec = () => Promise.reject(new Error('connection lost'));
          }
          return p;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const crashing = createDetectorCore({ redis: flaky, config: defaultRulesConfig(), keyPrefix: prefix });
  await expect(crashing.process(events)).rejects.toMatchObject({ retriable: true });
  // The consumer retries the same batch (offsets were not committed).
  const retry = await crashing.process(events);
  expect(retry.duplicates).toBe(2); // phase 1 had been applied
  expect(retry.suspicions.map((j) => j.data.evidence)).toEqual(
    reference.suspicions.map((j) => j.data.evidence),
  );
  // Job ids do not depend on the key prefix: the same events give the same ids anywhere.
  expect(retry.suspicions.map((j) => j.jobId)).toEqual(reference.suspicions.map((j) => j.jobId));
  const again = await crashing.process(events);
  expect(again.suspicions.map((j) => j.jobId)).toEqual(retry.suspicions.map((j) => j.jobId));
  const keys = await h.redis.keys(`${prefix}:*`);
  if (keys.length) await h.redis.del(...keys);
});
