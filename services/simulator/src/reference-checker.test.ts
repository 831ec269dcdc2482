import type { EventOf, EventType, MarketEvent } from '@vigil/events';
import { checkRules, firstFiringByBuyer, isThreat, nearAddresses } from './reference-checker';

// Hand-built events around each threshold: the checker must fire exactly at the default trigger,
// or the simulator's ground truth would be checked against a wrong yardstick.
const T0 = Date.parse('2026-11-01T00:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
let n = 0;
function ev<T extends EventType>(
  type: T,
  atMs: number,
  buyerId: string,
  sellerId: string,
  orderId: string | undefined,
  data: EventOf<T>['data'],
) {
  return {
    id: `t-${n++}`,
    type,
    version: 1,
    occurredAt: new Date(atMs).toISOString(),
    buyerId,
    sellerId,
    ...(orderId ? { orderId } : {}),
    data,
  } as unknown as EventOf<T>;
}
const address = (line: string, lat = 30.1, lon = 120.1) => ({
  country: 'CN',
  region: 'Zhejiang',
  city: 'Hangzhou',
  line,
  postcode: '310000',
  geo: { lat, lon },
});
function placed(
  at: number,
  buyer: string,
  seller: string,
  order: string,
  extra: { deviceId?: string; line?: string } = {},
) {
  return ev('order.placed', at, buyer, seller, order, {
    items: [{ skuId: 'k', qty: 1, unitPrice: 10 }],
    total: 10,
    currency: 'CNY',
    shippingAddress: address(extra.line ?? `${buyer} Rd, Unit 1`),
    shippingInsurance: false,
    paymentMethod: 'online',
    deviceId: extra.deviceId ?? `dev-${buyer}`,
  });
}
const rulesOf = (events: MarketEvent[], buyer: string) => [
  ...(firstFiringByBuyer(checkRules(events)).get(buyer)?.keys() ?? []),
];

describe('threat classifier', () => {
  it.each([
    "Give me 50 yuan compensation or I'll complain that your listing says lowest price, that violates the advertising law.",
    '不赔偿就给差评',
    'Send me a 30 yuan coupon, otherwise I will file a complaint for false advertising.',
  ])('flags %s', (text) => expect(isThreat(text)).toBe(true));
  it.each([
    'Hi, my order has not shipped yet, could you please check? Thanks.',
    'Sorry, I no longer need it, could I get a refund please?',
    '你好，这个有货吗？',
  ])('leaves %s alone', (text) => expect(isThreat(text)).toBe(false));
});

describe('near addresses', () => {
  it('treats flats of one building as near, and buildings a kilometre apart as not', () => {
    expect(
      nearAddresses(address('5 Renmin Rd, Unit 301'), address('5 Renmin Rd, Unit 1502', 30.1003, 120.1002)),
    ).toBe(true);
    expect(
      nearAddresses(address('5 Renmin Rd, Unit 301'), address('9 Renmin Rd, Unit 301', 30.11, 120.1)),
    ).toBe(false);
  });
});

describe('bulk-non-payment', () => {
  const timeouts = (gapsMs: number[]) => {
    const out: MarketEvent[] = [];
    gapsMs.forEach((at, i) => {
      out.push(placed(T0 + at, 'b1', `s${i}`, `o${i}`));
      out.push(
        ev('order.cancelled', T0 + at + 30 * MIN, 'b1', `s${i}`, `o${i}`, { reason: 'payment_timeout' }),
      );
    });
    return out;
  };
  it('fires on the third payment time-out within 24 h', () => {
    const events = timeouts([0, 2 * HOUR, 5 * HOUR]);
    const f = firstFiringByBuyer(checkRules(events)).get('b1')?.get('bulk-non-payment');
    expect(f?.eventId).toBe(events[5]!.id);
  });
  it('does not fire on two, or on three spread over more than 24 h', () => {
    expect(rulesOf(timeouts([0, 2 * HOUR]), 'b1')).toEqual([]);
    expect(rulesOf(timeouts([0, 13 * HOUR, 26 * HOUR]), 'b1')).toEqual([]);
  });
  it('fires 15 min after the eighth unpaid order in 30 min, not when they are paid in time', () => {
    const orders = Array.from({ length: 8 }, (_, i) => placed(T0 + i * MIN, 'b2', 's1', `ob${i}`));
    const tail = ev('chat.message', T0 + HOUR, 'b2', 's1', undefined, { from: 'buyer', text: 'hi' });
    const f = firstFiringByBuyer(checkRules([...orders, tail]))
      .get('b2')
      ?.get('bulk-non-payment');
    expect(f?.eventId).toBe(orders[7]!.id);
    expect(f?.at).toBe(T0 + 7 * MIN + 15 * MIN);
    const paid = orders.map((o, i) =>
      ev('order.paid', T0 + i * MIN + 5 * MIN, 'b2', 's1', o.orderId, { amount: 10 }),
    );
    expect(rulesOf([...orders, ...paid, tail], 'b2')).toEqual([]);
  });
});

describe('linked-account-non-payment', () => {
  it('fires when a third account on one device times out within 24 h, implicating all three', () => {
    const events: MarketEvent[] = [];
    ['x1', 'x2', 'x3'].forEach((b, i) => {
      events.push(placed(T0 + i * HOUR, b, 's1', `ol${i}`, { deviceId: 'shared' }));
      events.push(
        ev('order.cancelled', T0 + i * HOUR + 30 * MIN, b, 's1', `ol${i}`, { reason: 'payment_timeout' }),
      );
    });
    const linked = checkRules(events).filter((f) => f.ruleId === 'linked-account-non-payment');
    expect(linked).toHaveLength(1);
    expect(linked[0]!.buyerIds.sort()).toEqual(['x1', 'x2', 'x3']);
    expect(linked[0]!.subject).toEqual({ kind: 'device', id: 'shared' });
    expect(checkRules(events.slice(0, 4)).filter((f) => f.ruleId === 'linked-account-non-payment')).toEqual(
      [],
    );
  });
});

describe('duplicate-return-tracking', () => {
  const shipped = (at: number, buyer: string, refund: string, order: string) =>
    ev('return.shipped', at, buyer, 's1', order, { refundId: refund, carrier: 'SF', trackingNo: 'SF123' });
  it('implicates only the account that re-uses a tracking number, not its first user', () => {
    const first = shipped(T0, 'd1', 'rf1', 'od1');
    const reuse = shipped(T0 + 3 * 24 * HOUR, 'd2', 'rf2', 'od2');
    const f = checkRules([first, reuse]).filter((x) => x.ruleId === 'duplicate-return-tracking');
    expect(f).toHaveLength(1);
    expect(f[0]!.buyerIds).toEqual(['d2']);
    expect(f[0]!.eventId).toBe(reuse.id);
    expect(rulesOf([first, reuse], 'd1')).toEqual([]);
  });
  it('does not fire when one refund sends the same number twice', () => {
    const events = [shipped(T0, 'd1', 'rf1', 'od1'), shipped(T0 + HOUR, 'd1', 'rf1', 'od1')];
    expect(rulesOf(events, 'd1')).toEqual([]);
  });
});

describe('competitor-review-burst', () => {
  const burst = (paidOrdersOfFirst: number) => {
    const events: MarketEvent[] = [];
    for (let i = 0; i < 5; i++) {
      const b = `r${i}`;
      const orders = i === 0 ? paidOrdersOfFirst : 1;
      for (let k = 0; k < orders; k++) {
        events.push(placed(T0 + k * HOUR, b, 'victim', `or${i}-${k}`));
        events.push(ev('order.paid', T0 + k * HOUR + MIN, b, 'victim', `or${i}-${k}`, { amount: 10 }));
      }
      events.push(
        ev('review.posted', T0 + 48 * HOUR + i * HOUR, b, 'victim', `or${i}-0`, {
          reviewId: `rv${i}`,
          rating: 1,
          text: 'bad',
        }),
      );
    }
    return events;
  };
  it('fires on the fifth low review in 24 h from accounts with at most one paid order', () => {
    const f = checkRules(burst(1)).filter((x) => x.ruleId === 'competitor-review-burst');
    expect(f).toHaveLength(1);
    expect(f[0]!.subject).toEqual({ kind: 'seller', id: 'victim' });
    expect(f[0]!.buyerIds).toHaveLength(5);
  });
  it('does not count a reviewer with two paid orders', () => {
    expect(checkRules(burst(2)).filter((x) => x.ruleId === 'competitor-review-burst')).toEqual([]);
  });
});

describe('extortion', () => {
  it('links a threat to a complaint against the same seller within 72 h only', () => {
    const threat = ev('chat.message', T0, 'e1', 's1', undefined, {
      from: 'buyer',
      text: '不赔偿就给差评，还要投诉',
    });
    const soon = ev('complaint.filed', T0 + 70 * HOUR, 'e1', 's1', undefined, {
      complaintId: 'c1',
      category: 'other',
    });
    const late = ev('complaint.filed', T0 + 73 * HOUR, 'e1', 's1', undefined, {
      complaintId: 'c2',
      category: 'other',
    });
    const other = ev('complaint.filed', T0 + HOUR, 'e1', 's2', undefined, {
      complaintId: 'c3',
      category: 'other',
    });
    expect(rulesOf([threat, soon], 'e1').sort()).toEqual(['complaint-extortion', 'threat-chat']);
    expect(rulesOf([threat, late, other], 'e1')).toEqual(['threat-chat']);
  });
});
