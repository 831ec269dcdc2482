import type { Suspicion } from '@vigil/events';
import { caseSubjects, shareFor } from './attribution';

const base: Suspicion = {
  ruleId: 'bulk-non-payment',
  subject: { kind: 'buyer', id: 'b1' },
  buyerIds: ['b1'],
  sellerIds: ['s1', 's2'],
  orderIds: ['o1', 'o2'],
  severity: 'medium',
  evidence: { windows: {}, eventIds: [], crossed: [] },
  eventTime: '2026-01-01T00:00:00.000Z',
  detectedAt: '2026-01-01T00:00:01.000Z',
};

describe('case subjects', () => {
  it('is the buyer, the victim seller, or each buyer of a device suspicion (sorted)', () => {
    expect(caseSubjects(base)).toEqual([{ kind: 'buyer', id: 'b1' }]);
    expect(
      caseSubjects({ ...base, ruleId: 'competitor-review-burst', subject: { kind: 'seller', id: 's9' } }),
    ).toEqual([{ kind: 'seller', id: 's9' }]);
    expect(
      caseSubjects({ ...base, subject: { kind: 'device', id: 'd' }, buyerIds: ['b3', 'b1', 'b2', 'b1'] }),
    ).toEqual([
      { kind: 'buyer', id: 'b1' },
      { kind: 'buyer', id: 'b2' },
      { kind: 'buyer', id: 'b3' },
    ]);
  });
});

describe('order attribution', () => {
  it('does not guess the seller of an order when the suspicion has several sellers', () => {
    const share = shareFor(base, { kind: 'buyer', id: 'b1' });
    expect(share.sellerIds).toEqual(['s1', 's2']);
    expect(share.orders).toEqual([
      { orderId: 'o1', buyerId: 'b1', sellerId: null },
      { orderId: 'o2', buyerId: 'b1', sellerId: null },
    ]);
  });
  it('uses orderParties when given', () => {
    const share = shareFor(
      {
        ...base,
        orderParties: [
          { orderId: 'o1', buyerId: 'b1', sellerId: 's1' },
          { orderId: 'o2', buyerId: 'b1', sellerId: 's2' },
        ],
      },
      { kind: 'buyer', id: 'b1' },
    );
    expect(share.orders.map((o) => [o.orderId, o.sellerId])).toEqual([
      ['o1', 's1'],
      ['o2', 's2'],
    ]);
  });
  it('gives a multi-buyer suspicion no orders or sellers it cannot tie to the buyer', () => {
    const device: Suspicion = {
      ...base,
      subject: { kind: 'device', id: 'd' },
      buyerIds: ['b1', 'b2'],
      orderIds: ['o1', 'o2', 'o3'],
      orderParties: [{ orderId: 'o2', buyerId: 'b2', sellerId: 's2' }],
    };
    expect(shareFor(device, { kind: 'buyer', id: 'b1' })).toEqual({
      subject: { kind: 'buyer', id: 'b1' },
      buyerIds: ['b1'],
      sellerIds: [],
      orders: [],
    });
    expect(shareFor(device, { kind: 'buyer', id: 'b2' }).sellerIds).toEqual(['s2']);
    expect(
      shareFor({ ...device, sellerIds: ['s7'], orderParties: [] }, { kind: 'buyer', id: 'b1' }).sellerIds,
    ).toEqual(['s7']);
  });
  it('puts every order of a seller-victim suspicion on the seller, with the buyer when known', () => {
    const burst: Suspicion = {
      ...base,
      ruleId: 'competitor-review-burst',
      subject: { kind: 'seller', id: 's1' },
      buyerIds: ['b1', 'b2'],
      sellerIds: ['s1'],
      orderParties: [{ orderId: 'o1', buyerId: 'b1', sellerId: 's1' }],
    };
    expect(shareFor(burst, { kind: 'seller', id: 's1' })).toEqual({
      subject: { kind: 'seller', id: 's1' },
      buyerIds: ['b1', 'b2'],
      sellerIds: ['s1'],
      orders: [
        { orderId: 'o1', buyerId: 'b1', sellerId: 's1' },
        { orderId: 'o2', buyerId: null, sellerId: 's1' },
      ],
    });
  });
});
