import { readFileSync } from 'node:fs';
import type { MarketEvent } from '@vigil/events';
import { waitFor } from '@vigil/testkit';
import { DEFAULT_RULES_CONFIG_PATH } from './config';
import { createHarness, DETECTED_AT, type Harness } from './harness';
import { at, DAY, ev, HOUR, MIN } from './test-events';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const timeout = (buyerId: string, sellerId: string, at: number, orderId: string) =>
  ev('order.cancelled', { buyerId, sellerId, orderId, at }, { reason: 'payment_timeout' });

describe('bulk-non-payment, payment timeouts', () => {
  test('3 payment timeouts in 24h from one seller: one medium suspicion with its evidence', async () => {
    const events = [0, 5 * HOUR, 20 * HOUR].map((at, i) => timeout('b-1', 's-1', at, `o-${i}`));
    const jobs = await h.run(events);
    expect(jobs).toHaveLength(1);
    const s = jobs[0]!.data;
    expect(s.ruleId).toBe('bulk-non-payment');
    expect(s.severity).toBe('medium');
    expect(s.subject).toEqual({ kind: 'buyer', id: 'b-1' });
    expect(s.evidence.windows['payment_timeouts_24h']).toBe(3);
    expect(s.evidence.eventIds).toEqual(events.map((e) => e.id));
    expect(s.evidence.crossed).toEqual([
      { window: 'payment_timeouts_24h', value: 3, op: '>=', threshold: 3 },
    ]);
    expect(s.orderIds).toEqual(['o-0', 'o-1', 'o-2']);
    // Single buyer, single seller: every order is b-1's with s-1.
    expect(s.orderParties).toEqual(
      ['o-0', 'o-1', 'o-2'].map((orderId) => ({ orderId, buyerId: 'b-1', sellerId: 's-1' })),
    );
    expect(s.eventTime).toBe(events[2]!.occurredAt);
    expect(s.detectedAt).toBe('2027-06-01T12:00:00.000Z');
    expect(jobs[0]!.jobId).not.toContain(':');
  });

  test('3 timeouts spread over more than 24h raise nothing', async () => {
    const events = [0, 13 * HOUR, 26 * HOUR].map((at, i) => timeout('b-1', 's-1', at, `o-${i}`));
    expect(await h.run(events)).toEqual([]);
  });

  test('a burst of 10 timeouts across 3 sellers gives ONE high job, over several batches', async () => {
    const events = Array.from({ length: 10 }, (_, i) => timeout('b-2', `s-${i % 3}`, i * MIN, `o-${i}`));
    const jobs = await h.run(events, 3);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.severity).toBe('high');
    expect(jobs[0]!.data.sellerIds.sort()).toEqual(['s-0', 's-1', 's-2']);
    // Each seller is told only about its own orders: o-i belongs to s-(i mod 3).
    const s = jobs[0]!.data;
    expect(s.orderIds).toEqual(['o-0', 'o-1', 'o-2']);
    expect(s.orderParties).toEqual([
      { orderId: 'o-0', buyerId: 'b-2', sellerId: 's-0' },
      { orderId: 'o-1', buyerId: 'b-2', sellerId: 's-1' },
      { orderId: 'o-2', buyerId: 'b-2', sellerId: 's-2' },
    ]);
  });

  test('job ids are unchanged by order attribution (pinned value)', async () => {
    const events = [0, HOUR, 2 * HOUR].map((at, i) =>
      ev(
        'order.cancelled',
        { id: `pin-${i}`, buyerId: 'b-1', sellerId: `s-${i}`, orderId: `o-${i}`, at },
        { reason: 'payment_timeout' },
      ),
    );
    const jobs = await h.run(events);
    expect(jobs.map((j) => j.jobId)).toEqual(['bulk-non-payment-a8a6638e27e33b61409ee02e1ffaf567']);
    expect(jobs[0]!.data.orderParties).toHaveLength(3);
  });

  test('a medium episode escalates once to high when a third seller joins', async () => {
    const sellers = ['s-1', 's-1', 's-1', 's-2', 's-2', 's-3', 's-3', 's-1'];
    const jobs = await h.run(sellers.map((s, i) => timeout('b-3', s, i * MIN, `o-${i}`)));
    expect(jobs.map((j) => j.data.severity)).toEqual(['medium', 'high']);
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(2);
  });

  test('out-of-order arrival still finds the window', async () => {
    const events = [20 * HOUR, 0, 10 * HOUR].map((at, i) => timeout('b-4', 's-1', at, `o-${i}`));
    const jobs = await h.run(events, 1);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.evidence.windows['payment_timeouts_24h']).toBe(3);
  });
});

describe('bulk-non-payment, orders left unpaid', () => {
  const placed = (buyerId: string, sellerId: string, at: number, orderId: string, paymentMethod = 'online') =>
    ev('order.placed', { buyerId, sellerId, orderId, at }, { paymentMethod } as never);

  test('8 orders from 3 sellers in 30 min, unpaid: high once a later buyer event passes 15 min', async () => {
    const orders = Array.from({ length: 8 }, (_, i) => placed('b-5', `s-${i % 3}`, i * 3 * MIN, `o-${i}`));
    // Nothing yet: time (event time) has not passed the 15 minutes.
    expect(await h.run(orders)).toEqual([]);
    const later = ev(
      'chat.message',
      { buyerId: 'b-5', at: 21 * MIN + 16 * MIN },
      { from: 'buyer', text: 'hi' },
    );
    const jobs = await h.run([later]);
    expect(jobs).toHaveLength(1);
    const s = jobs[0]!.data;
    expect(s.severity).toBe('high');
    expect(s.orderIds).toHaveLength(8);
    expect(s.orderParties).toEqual(
      orders.map((o) => ({ orderId: o.orderId, buyerId: 'b-5', sellerId: o.sellerId })),
    );
    expect(s.evidence.windows['unpaid_after_15m_placed_within_30m']).toBe(8);
    expect(s.evidence.eventIds).toEqual([...orders.map((o) => o.id), later.id]);
    // Later events of the same buyer do not raise it again.
    const more = [45 * MIN, 2 * HOUR].map((at) =>
      ev('chat.message', { buyerId: 'b-5', at }, { from: 'buyer', text: 'x' }),
    );
    expect(await h.run(more)).toEqual([]);
  });

  test('8 unpaid orders from one seller: medium', async () => {
    const orders = Array.from({ length: 8 }, (_, i) => placed('b-6', 's-1', i * MIN, `o-${i}`));
    const later = placed('b-6', 's-1', 40 * MIN, 'o-late');
    const jobs = await h.run([...orders, later]);
    expect(jobs.map((j) => j.data.severity)).toEqual(['medium']);
  });

  test('honest: a 5-seller cart paid within two minutes raises nothing', async () => {
    const cart = Array.from({ length: 5 }, (_, i) => placed('b-7', `s-${i}`, 0, `o-${i}`));
    const paid = cart.map((o, i) =>
      ev('order.paid', { buyerId: 'b-7', sellerId: o.sellerId, orderId: o.orderId, at: 2 * MIN - i }),
    );
    const later = ev('chat.message', { buyerId: 'b-7', at: DAY / 2 }, { from: 'buyer', text: 'thanks' });
    expect(await h.run([...cart, ...paid, later])).toEqual([]);
  });

  test('honest: a buyer with 12 orders, each paid within a minute, raises nothing', async () => {
    const events: MarketEvent[] = [];
    for (let i = 0; i < 12; i++) {
      events.push(placed('b-8', `s-${i % 4}`, i * 2 * MIN, `o-${i}`));
      events.push(
        ev('order.paid', {
          buyerId: 'b-8',
          sellerId: `s-${i % 4}`,
          orderId: `o-${i}`,
          at: i * 2 * MIN + 50_000,
        }),
      );
    }
    events.push(ev('chat.message', { buyerId: 'b-8', at: 3 * HOUR }, { from: 'buyer', text: 'ok' }));
    expect(await h.run(events, 7)).toEqual([]);
  });

  test('honest: 10 cash-on-delivery orders are not "unpaid"', async () => {
    const orders = Array.from({ length: 10 }, (_, i) => placed('b-9', `s-${i}`, i * MIN, `o-${i}`, 'cod'));
    const later = ev('chat.message', { buyerId: 'b-9', at: HOUR }, { from: 'buyer', text: 'when?' });
    expect(await h.run([...orders, later])).toEqual([]);
  });

  test('a payment that arrives before its order.placed still counts as paid', async () => {
    const events: MarketEvent[] = [];
    for (let i = 0; i < 8; i++) {
      events.push(
        ev('order.paid', { buyerId: 'b-10', sellerId: 's-1', orderId: `o-${i}`, at: i * MIN + 30_000 }),
      );
      events.push(placed('b-10', 's-1', i * MIN, `o-${i}`));
    }
    events.push(ev('chat.message', { buyerId: 'b-10', at: HOUR }, { from: 'buyer', text: 'ok' }));
    expect(await h.run(events)).toEqual([]);
  });
});

describe('bulk-non-payment, effectively-once', () => {
  const abusive = () => [
    ...[0, HOUR, 2 * HOUR].map((at, i) => timeout('b-20', `s-${i}`, at, `o-${i}`)),
    ev('order.paid', { buyerId: 'b-20', sellerId: 's-9', orderId: 'o-9', at: 3 * HOUR }),
  ];

  test('the same events twice: same windows, same job ids, counted as duplicates', async () => {
    const events = abusive();
    const first = await h.core.process(events);
    const snap = await h.snapshot();
    const again = await h.core.process(events);
    expect(await h.snapshot()).toEqual(snap);
    expect(again.suspicions.map((j) => j.jobId)).toEqual(first.suspicions.map((j) => j.jobId));
    expect(again.suspicions.map((j) => j.data.evidence)).toEqual(
      first.suspicions.map((j) => j.data.evidence),
    );
    expect(first.duplicates).toBe(0);
    expect(again.duplicates).toBe(events.length);
    const metric = await h.registry.getSingleMetricAsString('vigil_detector_duplicate_events_total');
    expect(metric).toContain(`vigil_detector_duplicate_events_total ${events.length}`);
  });

  test('redelivery after later events still reproduces the original job id', async () => {
    const events = abusive();
    const first = await h.run(events);
    await h.run([timeout('b-20', 's-5', 4 * HOUR, 'o-5'), timeout('b-20', 's-6', 30 * MIN, 'o-6')]);
    const again = await h.run([events[2]!]);
    expect(again.map((j) => j.jobId)).toEqual(first.map((j) => j.jobId));
  });

  test('redelivery under a reloaded config (another set of reads) still reproduces the job ids', async () => {
    const events = abusive();
    const first = await h.core.process(events);
    const cfg = JSON.parse(readFileSync(DEFAULT_RULES_CONFIG_PATH, 'utf8'));
    // Disabling these changes which reads a payment timeout plans (no order-state read).
    cfg.rules['linked-account-non-payment'].enabled = false;
    cfg.rules['competitor-review-burst'].enabled = false;
    h.core.reloadConfig(cfg);
    const again = await h.core.process(events);
    expect(again.suspicions.map((j) => j.jobId)).toEqual(first.suspicions.map((j) => j.jobId));
  });

  test('an id reused with other content: first wins, counted as a conflict', async () => {
    const [a] = abusive();
    await h.core.process([a!]);
    const snap = await h.snapshot();
    const forged = { ...a!, occurredAt: new Date(Date.parse(a!.occurredAt) + 1000).toISOString() };
    const r = await h.core.process([forged]);
    expect(r).toMatchObject({ conflicts: 1, duplicates: 1, suspicions: [] });
    expect(await h.snapshot()).toEqual(snap);
  });

  test('an event older than the lateness is dropped and counted as late, not silently', async () => {
    await h.core.process([timeout('b-21', 's-1', 10 * DAY, 'o-1')]);
    const snap = await h.snapshot();
    const r = await h.core.process([timeout('b-21', 's-1', 2 * DAY, 'o-2')]);
    expect(r.late).toBe(1);
    const snapAfter = await h.snapshot();
    // Only the dedupe record of the late event is new; no window changed.
    const added = Object.keys(snapAfter).filter((k) => !(k in snap));
    expect(added).toHaveLength(1);
    expect(added[0]).toContain(':e:');
    for (const k of Object.keys(snap)) expect(snapAfter[k]).toEqual(snap[k]);
    expect(await h.registry.getSingleMetricAsString('vigil_detector_late_events_total')).toContain(
      'vigil_detector_late_events_total 1',
    );
  });

  test("an event stamped far in the future does not make the buyer's real events late", async () => {
    const now = DETECTED_AT - Date.parse(at(0)); // "now" as an offset from the test epoch
    const future = timeout('b-23', 's-1', now + 365 * DAY, 'o-f'); // a broken clock, a year ahead
    const real = [3, 2, 1].map((hours, i) => timeout('b-23', 's-1', now - hours * HOUR, `o-${i}`));
    const r = await h.core.process([future, ...real]);
    expect(r.late).toBe(0);
    expect(r.suspicions.map((j) => j.data.ruleId)).toEqual(['bulk-non-payment']);
  });

  test('a late event within the lateness counts in the window it belongs to', async () => {
    const jobs = await h.run([
      timeout('b-22', 's-1', 5 * DAY, 'o-1'),
      timeout('b-22', 's-1', 5 * DAY + HOUR, 'o-2'),
      // 5 days behind the buyer's newest event: within the 7-day lateness.
      timeout('b-22', 's-1', 5 * DAY - 2 * HOUR, 'o-3'),
    ]);
    expect(jobs).toHaveLength(1);
  });
});

describe('pipelining', () => {
  test('a batch of 40 events of 10 buyers costs one round trip and one script call per event', async () => {
    const monitor = await h.redis.monitor();
    try {
      const evalshas: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        const isScript = String(args[0]).toLowerCase().startsWith('eval');
        if (isScript && String(args[3] ?? '').startsWith(`${h.prefix}:`)) evalshas.push(args);
      });
      // Warm the script cache (a first use may fall back from EVALSHA to EVAL) and wait until
      // MONITOR has shown that call, so the count below is this batch's alone.
      await h.core.process([ev('chat.message', { buyerId: 'b-warm', at: 0 }, { from: 'buyer', text: 'x' })]);
      await waitFor(() => evalshas.some((a) => String(a[3]).includes('{b:b-warm}')));
      const countBefore = evalshas.length;
      const before = h.core.store.roundTrips;
      const events = Array.from({ length: 40 }, (_, i) => timeout(`b-p${i % 10}`, 's-1', i * MIN, `o-${i}`));
      await h.core.process(events);
      expect(h.core.store.roundTrips - before).toBe(1);
      await waitFor(() =>
        evalshas.some((a) => String(a[3]).includes(events[39]!.id) || String(a[4]).includes(events[39]!.id)),
      );
      expect(evalshas.length - countBefore).toBe(40);
    } finally {
      monitor.disconnect();
    }
  });
});
