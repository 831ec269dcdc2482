import { readFileSync } from 'node:fs';
import { geohash } from '@vigil/classify';
import type { MarketEvent, RuleId } from '@vigil/events';
import { createKeys } from '@vigil/windows';
import { DEFAULT_RULES_CONFIG_PATH } from './config';
import { createHarness, type Harness } from './harness';
import { at, DAY, ev, HOUR, MIN } from './test-events';

// The twelve rules after the core three: each fires on an abusive sequence with the catalogue's
// severity and stays silent on its honest look-alike.

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const byRule = (jobs: Awaited<ReturnType<Harness['run']>>, rule: RuleId) =>
  jobs.filter((j) => j.data.ruleId === rule);
const home = {
  country: 'CN',
  region: 'Zhejiang',
  city: 'Hangzhou',
  line: '8 Family Lane',
  postcode: '310000',
};

function order(
  buyerId: string,
  sellerId: string,
  orderId: string,
  at: number,
  extra: Record<string, unknown> = {},
) {
  return ev('order.placed', { buyerId, sellerId, orderId, at }, { shippingAddress: home, ...extra } as never);
}

describe('linked-account-non-payment', () => {
  test('3 buyers on one device, each with a payment timeout in 24h: high, subject the device', async () => {
    const events: MarketEvent[] = [];
    ['b-1', 'b-2', 'b-3'].forEach((b, i) => {
      events.push(
        order(b, 's-1', `o-${b}`, i * HOUR, {
          deviceId: 'dev-9',
          shippingAddress: { ...home, line: `${i} Other Rd` },
        }),
      );
      events.push(
        ev(
          'order.cancelled',
          { buyerId: b, sellerId: 's-1', orderId: `o-${b}`, at: i * HOUR + 30 * MIN },
          { reason: 'payment_timeout' },
        ),
      );
    });
    const jobs = byRule(await h.run(events), 'linked-account-non-payment');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.subject).toEqual({ kind: 'device', id: 'dev-9' });
    expect(jobs[0]!.data.buyerIds).toEqual(['b-1', 'b-2', 'b-3']);
    expect(jobs[0]!.data.severity).toBe('high');
    expect(jobs[0]!.data.sellerIds).toEqual(['s-1']);
    expect(jobs[0]!.data.orderParties).toEqual(
      ['b-1', 'b-2', 'b-3'].map((b) => ({ orderId: `o-${b}`, buyerId: b, sellerId: 's-1' })),
    );
  });

  test('3 buyers of one address timing out with 3 sellers: each order attributed to its buyer and seller', async () => {
    const events: MarketEvent[] = [];
    ['x-1', 'x-2', 'x-3'].forEach((b, i) => {
      events.push(order(b, `shop-${i}`, `o-${b}`, i * HOUR, { deviceId: `phone-${b}` }));
      events.push(
        ev(
          'order.cancelled',
          { buyerId: b, sellerId: `shop-${i}`, orderId: `o-${b}`, at: i * HOUR + 30 * MIN },
          { reason: 'payment_timeout' },
        ),
      );
    });
    const jobs = byRule(await h.run(events), 'linked-account-non-payment');
    expect(jobs).toHaveLength(1);
    const s = jobs[0]!.data;
    expect(s.subject.kind).toBe('address');
    expect(s.buyerIds).toEqual(['x-1', 'x-2', 'x-3']);
    expect(s.sellerIds).toEqual(['shop-0', 'shop-1', 'shop-2']);
    expect(s.orderParties).toEqual([
      { orderId: 'o-x-1', buyerId: 'x-1', sellerId: 'shop-0' },
      { orderId: 'o-x-2', buyerId: 'x-2', sellerId: 'shop-1' },
      { orderId: 'o-x-3', buyerId: 'x-3', sellerId: 'shop-2' },
    ]);
  });

  test('an entry written before entries carried the seller: its order is named but not attributed', async () => {
    // Such an entry ([event, buyer, order], no seller) is what a window holds after an upgrade.
    const key = createKeys(h.prefix).device('dev-old').window('timeouts');
    await h.redis.zadd(key, Date.parse(at(0)), JSON.stringify(['ev-old', 'b-0', 'o-old']));
    await h.redis.pexpire(key, DAY * 2);
    const events: MarketEvent[] = [];
    ['b-1', 'b-2'].forEach((b, i) => {
      events.push(
        order(b, 's-1', `o-${b}`, i * HOUR, {
          deviceId: 'dev-old',
          shippingAddress: { ...home, line: `${i} Rd` },
        }),
      );
      events.push(
        ev(
          'order.cancelled',
          { buyerId: b, sellerId: 's-1', orderId: `o-${b}`, at: i * HOUR + 30 * MIN },
          { reason: 'payment_timeout' },
        ),
      );
    });
    const jobs = byRule(await h.run(events), 'linked-account-non-payment');
    expect(jobs).toHaveLength(1);
    const s = jobs[0]!.data;
    expect(s.buyerIds).toEqual(['b-0', 'b-1', 'b-2']);
    expect(s.orderIds).toEqual(['o-old', 'o-b-1', 'o-b-2']);
    expect(s.orderParties).toEqual([
      { orderId: 'o-b-1', buyerId: 'b-1', sellerId: 's-1' },
      { orderId: 'o-b-2', buyerId: 'b-2', sellerId: 's-1' },
    ]);
  });

  test('every account that joins a crossed device later is named too (one job per joining account)', async () => {
    const events: MarketEvent[] = [];
    ['b-1', 'b-2', 'b-3', 'b-4'].forEach((b, i) => {
      const address = { shippingAddress: { ...home, line: `${i} Other Rd` } };
      events.push(order(b, 's-1', `o-${b}`, i * HOUR, { deviceId: 'dev-7', ...address }));
      events.push(order(b, 's-1', `o2-${b}`, i * HOUR, { deviceId: 'dev-7', ...address }));
      events.push(
        ev(
          'order.cancelled',
          { buyerId: b, sellerId: 's-1', orderId: `o-${b}`, at: i * HOUR + 30 * MIN },
          { reason: 'payment_timeout' },
        ),
      );
    });
    // b-1's second timeout is no new account: nothing more.
    events.push(
      ev(
        'order.cancelled',
        { buyerId: 'b-1', sellerId: 's-1', orderId: 'o2-b-1', at: 5 * HOUR },
        { reason: 'payment_timeout' },
      ),
    );
    const jobs = byRule(await h.run(events), 'linked-account-non-payment');
    expect(jobs.map((j) => j.data.buyerIds)).toEqual([
      ['b-1', 'b-2', 'b-3'],
      ['b-1', 'b-2', 'b-3', 'b-4'],
    ]);
  });

  test('honest: a family sharing one address with ordinary paid orders raises nothing', async () => {
    const events: MarketEvent[] = [];
    ['mum', 'dad', 'kid', 'gran'].forEach((b, i) => {
      events.push(order(b, `s-${i}`, `o-${b}`, i * HOUR, { deviceId: 'family-tablet' }));
      events.push(
        ev('order.paid', { buyerId: b, sellerId: `s-${i}`, orderId: `o-${b}`, at: i * HOUR + MIN }),
      );
    });
    // One of them once let an order time out: still one buyer.
    events.push(order('kid', 's-7', 'o-kid-2', 5 * HOUR, { deviceId: 'family-tablet' }));
    events.push(
      ev(
        'order.cancelled',
        { buyerId: 'kid', sellerId: 's-7', orderId: 'o-kid-2', at: 6 * HOUR },
        { reason: 'payment_timeout' },
      ),
    );
    expect(await h.run(events)).toEqual([]);
  });
});

describe('invalid-address', () => {
  test('3 address delivery failures in 30 days: medium', async () => {
    const events = [0, 10 * DAY, 20 * DAY].map((at, i) =>
      ev(
        'order.delivery_failed',
        { buyerId: 'b-1', sellerId: `s-${i}`, orderId: `o-${i}`, at },
        { reason: i ? 'recipient_unreachable' : 'address_invalid' },
      ),
    );
    const jobs = byRule(await h.run(events), 'invalid-address');
    expect(jobs.map((j) => j.data.severity)).toEqual(['medium']);
  });

  test('2 address_invalid cancellations in 7 days: medium', async () => {
    const events = [0, 3 * DAY].map((at, i) =>
      ev('order.cancelled', { buyerId: 'b-2', orderId: `o-${i}`, at }, { reason: 'address_invalid' }),
    );
    expect(byRule(await h.run(events), 'invalid-address')).toHaveLength(1);
  });

  test('honest: a family at one address whose parcels were twice refused raises nothing', async () => {
    const events = [0, 5 * DAY, 9 * DAY].map((at, i) =>
      ev(
        'order.delivery_failed',
        { buyerId: 'b-3', orderId: `o-${i}`, at },
        { reason: i === 1 ? 'address_invalid' : 'refused' },
      ),
    );
    expect(await h.run(events)).toEqual([]);
  });
});

describe('refund-frequency', () => {
  const refund = (b: string, i: number, at: number, reason = 'changed_mind') =>
    ev('refund.requested', { buyerId: b, orderId: `o-${i}`, at }, {
      refundId: `r-${i}`,
      kind: 'return_and_refund',
      reason,
    } as never);

  test('5 refunds in 7 days on 6 orders in 30 days: medium', async () => {
    const orders = Array.from({ length: 6 }, (_, i) => order('b-1', 's-1', `o-${i}`, i * DAY));
    const refunds = Array.from({ length: 5 }, (_, i) => refund('b-1', i, 7 * DAY + i * HOUR));
    const jobs = byRule(await h.run([...orders, ...refunds]), 'refund-frequency');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.evidence.windows).toMatchObject({
      refund_requests_7d: 5,
      orders_30d: 6,
      refund_ratio_30d: 0.833,
    });
  });

  test('honest: a buyer with two genuinely damaged returns among many orders raises nothing', async () => {
    const orders = Array.from({ length: 12 }, (_, i) => order('b-2', 's-1', `o-${i}`, i * DAY));
    const events = [...orders, refund('b-2', 3, 13 * DAY, 'damaged'), refund('b-2', 7, 14 * DAY, 'damaged')];
    expect(await h.run(events)).toEqual([]);
  });
});

describe('refund-only-after-delivery', () => {
  const notReceived = (b: string, i: number, at: number) =>
    ev(
      'refund.requested',
      { buyerId: b, orderId: `o-${i}`, at },
      { refundId: `r-${i}`, kind: 'refund_only', reason: 'not_received' },
    );

  test('2 "not received" refund-only requests on delivered orders in 30 days: high', async () => {
    const events = [0, 1].flatMap((i) => [
      order('b-1', 's-1', `o-${i}`, i * 5 * DAY),
      ev('order.delivered', { buyerId: 'b-1', orderId: `o-${i}`, at: i * 5 * DAY + 2 * DAY }),
      notReceived('b-1', i, i * 5 * DAY + 3 * DAY),
    ]);
    const jobs = byRule(await h.run(events), 'refund-only-after-delivery');
    expect(jobs.map((j) => j.data.severity)).toEqual(['high']);
  });

  test('honest: parcels really lost (never delivered) raise nothing', async () => {
    const events = [0, 1].flatMap((i) => [
      order('b-2', 's-1', `o-${i}`, i * DAY),
      notReceived('b-2', i, i * DAY + 5 * DAY),
    ]);
    expect(await h.run(events)).toEqual([]);
  });
});

describe('abnormal-return-goods', () => {
  const received = (b: string, i: number, at: number, condition: string) =>
    ev('return.received', { buyerId: b, orderId: `o-${i}`, at }, { refundId: `r-${i}`, condition } as never);

  test('one empty package: medium; a second (missing items): high', async () => {
    const jobs = await h.run([
      received('b-1', 1, 0, 'empty_package'),
      received('b-1', 2, 20 * DAY, 'missing_items'),
    ]);
    expect(byRule(jobs, 'abnormal-return-goods').map((j) => j.data.severity)).toEqual(['medium', 'high']);
  });

  test('honest: two genuinely damaged returns raise nothing', async () => {
    expect(await h.run([received('b-2', 1, 0, 'damaged'), received('b-2', 2, DAY, 'damaged')])).toEqual([]);
  });
});

describe('freight-insurance-abuse', () => {
  const cycle = (b: string, i: number, base: number, insured: boolean, delay: number) => [
    order(b, 's-1', `o-${i}`, base, { shippingInsurance: insured }),
    ev(
      'order.shipped',
      { buyerId: b, orderId: `o-${i}`, at: base + HOUR },
      { trackingNo: `T${i}`, carrier: 'SF' },
    ),
    ev(
      'refund.requested',
      { buyerId: b, orderId: `o-${i}`, at: base + HOUR + delay },
      {
        refundId: `r-${i}`,
        kind: 'return_and_refund',
        reason: 'changed_mind',
      },
    ),
  ];

  test('3 insured returns within 48h of shipping in 30 days: medium', async () => {
    const events = [0, 1, 2].flatMap((i) => cycle('b-1', i, i * 5 * DAY, true, 10 * HOUR));
    expect(byRule(await h.run(events), 'freight-insurance-abuse').map((j) => j.data.severity)).toEqual([
      'medium',
    ]);
  });

  test('honest: returns of uninsured orders or a week after shipping raise nothing', async () => {
    const events = [
      ...cycle('b-2', 0, 0, false, 10 * HOUR),
      ...cycle('b-2', 1, 3 * DAY, true, 7 * DAY),
      ...cycle('b-2', 2, 6 * DAY, true, 10 * HOUR),
    ];
    expect(await h.run(events)).toEqual([]);
  });
});

describe('linked-wrong-item-claims', () => {
  const claim = (b: string, i: number, at: number, sellerId: string) =>
    ev(
      'refund.requested',
      { buyerId: b, sellerId, orderId: `o-${b}-${i}`, at },
      { refundId: `r-${b}-${i}`, kind: 'return_and_refund', reason: 'wrong_item' },
    );

  test('2 buyers of one building claim wrong_item against one seller in 14 days: high, subject the cluster', async () => {
    const events = [
      order('b-1', 's-1', 'o-b-1-0', 0, { shippingAddress: { ...home, line: '8 Family Lane, Room 101' } }),
      order('b-2', 's-1', 'o-b-2-0', HOUR, { shippingAddress: { ...home, line: '8 Family Lane, Room 202' } }),
      claim('b-1', 0, 3 * DAY, 's-1'),
      claim('b-2', 0, 6 * DAY, 's-1'),
    ];
    const jobs = byRule(await h.run(events), 'linked-wrong-item-claims');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.subject.kind).toBe('address');
    expect(jobs[0]!.data.buyerIds).toEqual(['b-1', 'b-2']);
    expect(jobs[0]!.data.orderParties).toEqual([
      { orderId: 'o-b-1-0', buyerId: 'b-1', sellerId: 's-1' },
      { orderId: 'o-b-2-0', buyerId: 'b-2', sellerId: 's-1' },
    ]);
  });

  test('geo-located neighbours 40 m apart across a geohash cell edge are linked; 400 m apart are not', async () => {
    const cell = geohash(30.25, 120.15, 7);
    const edge = [...Array(400).keys()]
      .map((i) => 120.15 + i * 0.00001)
      .find((lon) => geohash(30.25, lon, 7) !== cell)!;
    const at = (lon: number, line: string) => ({
      shippingAddress: { ...home, line, geo: { lat: 30.25, lon } },
    });
    const near = [
      order('n-1', 's-1', 'o-n-1-0', 0, at(edge - 0.0002, '1 East Rd')),
      order('n-2', 's-1', 'o-n-2-0', HOUR, at(edge + 0.0002, '2 West Rd')),
      claim('n-1', 0, 3 * DAY, 's-1'),
      claim('n-2', 0, 6 * DAY, 's-1'),
    ];
    const jobs = byRule(await h.run(near), 'linked-wrong-item-claims');
    expect(jobs.map((j) => j.data.buyerIds)).toEqual([['n-1', 'n-2']]);
    const far = [
      order('f-1', 's-2', 'o-f-1-0', 0, at(edge - 0.002, '3 East Rd')),
      order('f-2', 's-2', 'o-f-2-0', HOUR, at(edge + 0.002, '4 West Rd')),
      claim('f-1', 0, 3 * DAY, 's-2'),
      claim('f-2', 0, 6 * DAY, 's-2'),
    ];
    expect(await h.run(far)).toEqual([]);
  });

  test('honest: a family at one address, one wrong-item claim each against different sellers', async () => {
    const events = [
      order('mum', 's-1', 'o-mum-0', 0),
      order('dad', 's-2', 'o-dad-0', HOUR),
      claim('mum', 0, 3 * DAY, 's-1'),
      claim('dad', 0, 6 * DAY, 's-2'),
    ];
    expect(await h.run(events)).toEqual([]);
  });
});

describe('threats', () => {
  const chat = (b: string, text: string, at: number) =>
    ev('chat.message', { buyerId: b, sellerId: 's-1', at }, { from: 'buyer', text });
  const threat = 'Give me a full refund or I will leave a bad review and complain to the platform';

  test('threat then complaint within 72h: threat-chat (low) and complaint-extortion (high)', async () => {
    const jobs = await h.run([
      chat('b-1', threat, 0),
      ev(
        'complaint.filed',
        { buyerId: 'b-1', sellerId: 's-1', at: 5 * HOUR },
        { complaintId: 'c-1', category: 'false_advertising' },
      ),
    ]);
    expect(jobs.map((j) => [j.data.ruleId, j.data.severity])).toEqual([
      ['threat-chat', 'low'],
      ['complaint-extortion', 'high'],
    ]);
    expect(jobs[1]!.data.evidence.snippets!.length).toBeGreaterThan(0);
    // Matched snippets only, never the whole message.
    expect(JSON.stringify(jobs)).not.toContain(threat);
    expect(jobs[1]!.data.evidence.windows).toEqual({ threats_to_seller_72h: 1 });
  });

  test('threat then a 1-star review within 72h: review-extortion (high)', async () => {
    const jobs = await h.run([
      chat('b-2', threat, 0),
      ev(
        'review.posted',
        { buyerId: 'b-2', sellerId: 's-1', at: DAY },
        { reviewId: 'rv', rating: 1, text: 'bad' },
      ),
    ]);
    expect(byRule(jobs, 'review-extortion').map((j) => j.data.severity)).toEqual(['high']);
  });

  test('honest: a polite chat complaint followed by a normal refund raises nothing', async () => {
    const events = [
      chat('b-3', 'Hello, the item arrived with a scratch. Could you help me with a return please?', 0),
      ev(
        'refund.requested',
        { buyerId: 'b-3', sellerId: 's-1', orderId: 'o-1', at: HOUR },
        { refundId: 'r-1', kind: 'return_and_refund', reason: 'damaged' },
      ),
      ev(
        'refund.resolved',
        { buyerId: 'b-3', sellerId: 's-1', orderId: 'o-1', at: DAY },
        { refundId: 'r-1', outcome: 'approved' },
      ),
    ];
    expect(await h.run(events)).toEqual([]);
  });
});

describe('complaint-spree', () => {
  const complaint = (b: string, s: string, at: number) =>
    ev(
      'complaint.filed',
      { buyerId: b, sellerId: s, at },
      { complaintId: `c-${s}-${at}`, category: 'late_delivery' },
    );

  test('complaints against 3 sellers in 7 days: medium', async () => {
    const jobs = await h.run([
      complaint('b-1', 's-1', 0),
      complaint('b-1', 's-2', DAY),
      complaint('b-1', 's-3', 2 * DAY),
    ]);
    expect(byRule(jobs, 'complaint-spree').map((j) => j.data.severity)).toEqual(['medium']);
  });

  test('honest: two complaints against one slow seller raise nothing', async () => {
    expect(
      await h.run([
        complaint('b-2', 's-1', 0),
        complaint('b-2', 's-1', DAY),
        complaint('b-2', 's-2', 9 * DAY),
      ]),
    ).toEqual([]);
  });
});

describe('negative-review-spree', () => {
  const review = (b: string, s: string, rating: number, at: number) =>
    ev(
      'review.posted',
      { buyerId: b, sellerId: s, orderId: `o-${s}-${at}`, at },
      { reviewId: `rv-${at}`, rating, text: 'x' },
    );

  test("5 reviews ≤2★ across 3 sellers in 30 days, all of the buyer's reviews: medium, once", async () => {
    const events = [0, 1, 2, 3, 4, 5].map((i) => review('b-1', `s-${i % 3}`, 1, i * DAY));
    const jobs = byRule(await h.run(events), 'negative-review-spree');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.evidence.windows['negative_reviews_30d']).toBe(5);
  });

  test('honest: a harsh one-off reviewer (one 1★ among many 5★) raises nothing', async () => {
    const events = [0, 1, 2, 3, 4, 5, 6].map((i) => review('b-2', `s-${i}`, i === 3 ? 1 : 5, i * DAY));
    expect(await h.run(events)).toEqual([]);
  });
});

describe('competitor-review-burst', () => {
  const review = (b: string, rating: number, at: number) =>
    ev(
      'review.posted',
      { buyerId: b, sellerId: 'shop', orderId: `o-${b}`, at },
      { reviewId: `rv-${b}`, rating, text: 'x' },
    );

  test('5 reviews ≤2★ in 24h from fresh accounts: high, subject the seller', async () => {
    const jobs = byRule(
      await h.run([0, 1, 2, 3, 4].map((i) => review(`fresh-${i}`, 1, i * HOUR))),
      'competitor-review-burst',
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.data.subject).toEqual({ kind: 'seller', id: 'shop' });
    expect(jobs[0]!.data.buyerIds).toHaveLength(5);
    // The victim seller's orders, each with the reviewer who placed it (for review removal).
    expect(jobs[0]!.data.orderParties).toEqual(
      [0, 1, 2, 3, 4].map((i) => ({ orderId: `o-fresh-${i}`, buyerId: `fresh-${i}`, sellerId: 'shop' })),
    );
  });

  test('honest: a popular seller getting three bad reviews from long-time buyers raises nothing', async () => {
    const events: MarketEvent[] = [];
    for (const b of ['loyal-1', 'loyal-2', 'loyal-3']) {
      for (let i = 0; i < 4; i++)
        events.push(
          ev('order.paid', { buyerId: b, sellerId: 'shop', orderId: `o-${b}-${i}`, at: i * 10 * DAY }),
        );
      events.push(review(b, 2, 50 * DAY));
    }
    // ...and two more bad reviews from fresh accounts the same day: still below 5.
    events.push(review('fresh-1', 1, 50 * DAY + HOUR), review('fresh-2', 1, 50 * DAY + 2 * HOUR));
    expect(await h.run(events)).toEqual([]);
  });
});

describe('config reload without restart', () => {
  test('a valid config applies to the next batch; a bad one is rejected and the old rules keep running', async () => {
    const cfg = JSON.parse(readFileSync(DEFAULT_RULES_CONFIG_PATH, 'utf8'));
    cfg.rules['complaint-spree'].sellerThreshold = 2;
    h.core.reloadConfig(cfg);
    const complaint = (s: string, at: number) =>
      ev(
        'complaint.filed',
        { buyerId: 'b-r', sellerId: s, at },
        { complaintId: `c-${s}`, category: 'other' },
      );
    expect(
      byRule(await h.run([complaint('s-1', 0), complaint('s-2', HOUR)]), 'complaint-spree'),
    ).toHaveLength(1);

    const bad = structuredClone(cfg);
    bad.rules['complaint-spree'].window = 'a week';
    expect(() => h.core.reloadConfig(bad)).toThrow(/rules\.complaint-spree\.window/);
    expect(h.core.config.rules['complaint-spree'].sellerThreshold).toBe(2);

    cfg.rules['complaint-spree'].enabled = false;
    h.core.reloadConfig(cfg);
    expect(
      await h.run(
        [complaint('s-3', 2 * HOUR), complaint('s-4', 3 * HOUR)].map((e) => ({ ...e, buyerId: 'b-s' })),
      ),
    ).toEqual([]);
  });
});
