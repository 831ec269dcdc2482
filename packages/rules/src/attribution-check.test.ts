import type { MarketEvent, SuspicionJob } from '@vigil/events';
import { attributionProblems } from './attribution-check';
import { ev } from './test-events';

// The oracle the integration harness applies to every suspicion must itself catch bad parties.

const a = ev('order.cancelled', { id: 'e-a', buyerId: 'b-A', sellerId: 's-A', orderId: 'o-A', at: 0 });
const b = ev('order.cancelled', { id: 'e-b', buyerId: 'b-B', sellerId: 's-B', orderId: 'o-B', at: 1 });
const given = new Map<string, MarketEvent>([
  [a.id, a],
  [b.id, b],
]);

function job(orderParties: SuspicionJob['data']['orderParties']): SuspicionJob {
  return {
    jobId: 'duplicate-return-tracking-x',
    data: {
      ruleId: 'duplicate-return-tracking',
      subject: { kind: 'buyer', id: 'b-B' },
      buyerIds: ['b-B', 'b-A'],
      sellerIds: ['s-B', 's-A'],
      orderIds: ['o-B', 'o-A'],
      severity: 'high',
      evidence: { windows: {}, eventIds: ['e-a', 'e-b'], crossed: [] },
      eventTime: b.occurredAt,
      detectedAt: b.occurredAt,
      ...(orderParties ? { orderParties } : {}),
    },
  };
}

const right = [
  { orderId: 'o-B', buyerId: 'b-B', sellerId: 's-B' },
  { orderId: 'o-A', buyerId: 'b-A', sellerId: 's-A' },
];

test('correct parties: no problem', () => {
  expect(attributionProblems(job(right), given)).toEqual([]);
});

test('missing orderParties, a missing attributable order, a swapped buyer, an extra order: each reported', () => {
  expect(attributionProblems(job(undefined), given)).toEqual([
    'duplicate-return-tracking-x: orderParties missing',
  ]);
  expect(attributionProblems(job([right[0]!]), given)).toHaveLength(1);
  expect(
    attributionProblems(job([right[0]!, { orderId: 'o-A', buyerId: 'b-B', sellerId: 's-A' }]), given),
  ).toHaveLength(1);
  expect(
    attributionProblems(job([...right, { orderId: 'o-Z', buyerId: 'b-A', sellerId: 's-A' }]), given),
  ).toHaveLength(1);
});

test('an order its events name with two pairs may be left out, never given a pair they do not state', () => {
  const twice = ev('order.paid', { id: 'e-c', buyerId: 'b-A', sellerId: 's-X', orderId: 'o-A', at: 2 });
  const events = new Map(given).set(twice.id, twice);
  const j = job([right[0]!]);
  j.data.evidence.eventIds.push('e-c');
  expect(attributionProblems(j, events)).toEqual([]);
  j.data.orderParties = [right[0]!, { orderId: 'o-A', buyerId: 'b-B', sellerId: 's-A' }];
  expect(attributionProblems(j, events)).toHaveLength(1);
});
