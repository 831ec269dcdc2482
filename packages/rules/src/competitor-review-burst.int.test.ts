import type { MarketEvent } from '@vigil/events';
import { createHarness, type Harness } from './harness';
import { DAY, ev, HOUR } from './test-events';

// competitor-review-burst counts low reviews from fresh accounts on the victim seller; past the
// fifth, each further smear reviewer raises its own suspicion, so the victim's case names every
// reviewer and every smeared order (not only the first five).

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const RULE = 'competitor-review-burst';
const review = (b: string, rating: number, at: number) =>
  ev(
    'review.posted',
    { buyerId: b, sellerId: 'shop', orderId: `o-${b}`, at },
    { reviewId: `rv-${b}`, rating, text: 'x' },
  );
/** `paid` paid orders of `b` at shop, long before the reviews: a long-time buyer. */
const history = (b: string, paid: number) =>
  Array.from({ length: paid }, (_, i) =>
    ev('order.paid', { buyerId: b, sellerId: 'shop', orderId: `o-${b}-${i}`, at: i * 10 * DAY }),
  );
const named = (jobs: { data: { buyerIds: string[] } }[]) =>
  [...new Set(jobs.flatMap((j) => j.data.buyerIds))].sort();
const burstAt = 50 * DAY;

test('8 smear reviews in 24 h: every reviewer is named, each later one in its own suspicion', async () => {
  const fresh = Array.from({ length: 8 }, (_, i) => `fresh-${i}`);
  const events = fresh.map((b, i) => review(b, 1, burstAt + i * HOUR));
  const jobs = (await h.run(events, 1)).filter((j) => j.data.ruleId === RULE);
  // One at the crossing, one per later reviewer (6th, 7th, 8th).
  expect(jobs).toHaveLength(4);
  expect(new Set(jobs.map((j) => j.jobId)).size).toBe(4);
  expect(named(jobs)).toEqual([...fresh].sort());
  for (const [k, j] of jobs.entries()) {
    expect(j.data.subject).toEqual({ kind: 'seller', id: 'shop' });
    expect(j.data.severity).toBe('high');
    // Each suspicion is raised by its own review and names that reviewer and that order.
    const me = events[4 + k]!;
    expect(j.data.buyerIds).toContain(me.buyerId);
    expect(j.data.orderParties).toContainEqual({
      orderId: me.orderId,
      buyerId: me.buyerId,
      sellerId: 'shop',
    });
    // The evidence shows the window already crossed when the later reviewer joined.
    expect(j.data.evidence.crossed).toEqual([
      { window: 'low_reviews_from_new_accounts_24h', value: 5 + k, op: '>=', threshold: 5 },
    ]);
    expect(j.data.evidence.eventIds).toContain(me.id);
  }
  // Relief covers every smeared order across the suspicions.
  const orders = new Set(jobs.flatMap((j) => (j.data.orderParties ?? []).map((p) => p.orderId)));
  expect([...orders].sort()).toEqual(fresh.map((b) => `o-${b}`).sort());
});

test('redelivery of the burst gives the same job ids', async () => {
  const events = Array.from({ length: 8 }, (_, i) => review(`fresh-${i}`, 2, burstAt + i * HOUR));
  const ids = (jobs: { jobId: string }[]) => [...new Set(jobs.map((j) => j.jobId))].sort();
  const first = ids(await h.run(events, 3));
  expect(first).toHaveLength(4);
  // Redelivered whole (every review now sees all eight): the same four jobs, no new one.
  expect(ids(await h.run(events, 3))).toEqual(first);
  // A single later review delivered again reproduces its own job.
  const late = (await h.run([events[6]!])).map((j) => j.jobId);
  expect(late).toHaveLength(1);
  expect(first).toContain(late[0]);
});

test('a reviewer already in the burst posting again adds a count but no new suspicion', async () => {
  const events = Array.from({ length: 5 }, (_, i) => review(`fresh-${i}`, 1, burstAt + i * HOUR));
  const again = ev(
    'review.posted',
    { buyerId: 'fresh-0', sellerId: 'shop', orderId: 'o-fresh-0-b', at: burstAt + 6 * HOUR },
    { reviewId: 'rv-fresh-0-b', rating: 1, text: 'x' },
  );
  const jobs = (await h.run([...events, again], 1)).filter((j) => j.data.ruleId === RULE);
  expect(jobs).toHaveLength(1);
});

test('honest: a popular seller getting three bad reviews from long-time buyers raises nothing', async () => {
  const events: MarketEvent[] = [];
  for (const b of ['loyal-1', 'loyal-2', 'loyal-3']) events.push(...history(b, 4), review(b, 2, burstAt));
  expect(await h.run(events)).toEqual([]);
});

test('a burst whose reviews 6–8 come from long-time buyers names only the new accounts', async () => {
  const fresh = Array.from({ length: 5 }, (_, i) => `fresh-${i}`);
  const loyal = ['loyal-1', 'loyal-2', 'loyal-3'];
  const events: MarketEvent[] = [
    ...loyal.flatMap((b) => history(b, 3)),
    ...fresh.map((b, i) => review(b, 1, burstAt + i * HOUR)),
    ...loyal.map((b, i) => review(b, 1, burstAt + (5 + i) * HOUR)),
  ];
  const jobs = (await h.run(events, 1)).filter((j) => j.data.ruleId === RULE);
  expect(jobs).toHaveLength(1);
  expect(named(jobs)).toEqual(fresh);
  expect((jobs[0]!.data.orderParties ?? []).map((p) => p.buyerId).sort()).toEqual(fresh);
});
