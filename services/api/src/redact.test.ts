import type { StoredCase } from './cases-repository';
import { involvesSeller, orderOwners, toOpsView, toSellerView } from './redact';

const base: StoredCase = {
  id: '00000000-0000-4000-8000-000000000001',
  subject: { kind: 'buyer', id: 'buyer-1' },
  buyerId: 'buyer-1',
  status: 'open',
  severity: 'high',
  ruleIds: ['bulk-non-payment', 'refund-frequency'],
  sellerIds: ['seller-a', 'seller-b'],
  orderIds: ['o-a1', 'o-b1', 'o-unknown'],
  suspicionCount: 2,
  firstDetectedAt: '2026-11-26T10:00:00.000Z',
  lastDetectedAt: '2026-11-26T11:00:00.000Z',
  penaltyLevel: 0,
  evidence: [
    {
      ruleId: 'bulk-non-payment',
      detectedAt: '2026-11-26T10:00:00.000Z',
      windows: { payment_timeouts_24h: 3 },
      eventIds: ['e-a', 'e-b'],
      sellerIds: ['seller-a', 'seller-b'],
      orderIds: ['o-a1', 'o-b1'],
    },
    {
      ruleId: 'refund-frequency',
      detectedAt: '2026-11-26T11:00:00.000Z',
      windows: { refunds_7d: 5 },
      eventIds: ['e-b2'],
      sellerIds: ['seller-b'],
      orderIds: ['o-b1'],
    },
  ],
  orderSellers: { 'o-b1': 'seller-b' },
};

describe('seller view of a case', () => {
  const owners = orderOwners(base, new Map([['o-a1', 'seller-a']]));
  const view = toSellerView(base, 'seller-a', owners);

  it('shows only the viewing seller and its own orders', () => {
    expect(view.sellerIds).toEqual(['seller-a']);
    expect(view.orderIds).toEqual(['o-a1']);
  });

  it('drops evidence about other sellers only and strips every event id', () => {
    expect(view.evidence.map((e) => e.ruleId)).toEqual(['bulk-non-payment']);
    expect(view.evidence.every((e) => e.eventIds.length === 0)).toBe(true);
  });

  it('contains no other seller id or their order anywhere in the JSON', () => {
    const json = JSON.stringify(view);
    for (const leaked of ['seller-b', 'o-b1', 'o-unknown', 'e-a', 'e-b']) expect(json).not.toContain(leaked);
  });

  it('order.placed facts override the case store attribution', () => {
    const o = orderOwners(base, new Map([['o-b1', 'seller-a']]));
    expect(toSellerView(base, 'seller-a', o).orderIds).toEqual(['o-b1']);
  });

  it('ops view keeps everything but the internal attribution map', () => {
    const ops = toOpsView(base);
    expect(ops.orderIds).toEqual(base.orderIds);
    expect(ops.evidence[1]!.eventIds).toEqual(['e-b2']);
    expect(ops).not.toHaveProperty('orderSellers');
    expect(ops.evidence[0]).not.toHaveProperty('sellerIds');
  });
});

describe('involvesSeller', () => {
  it('is true for a case naming the seller and false otherwise', () => {
    expect(involvesSeller(base, 'seller-a')).toBe(true);
    expect(involvesSeller(base, 'seller-c')).toBe(false);
  });

  it('hides a seller-victim case from every other seller, even one named in it', () => {
    const victim: StoredCase = { ...base, subject: { kind: 'seller', id: 'seller-b' }, buyerId: null };
    expect(involvesSeller(victim, 'seller-a')).toBe(false);
    expect(involvesSeller(victim, 'seller-b')).toBe(true);
  });
});
