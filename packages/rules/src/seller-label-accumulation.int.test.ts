import type { SellerLabel } from '@vigil/events';
import { createHarness, type Harness } from './harness';
import { DAY, ev } from './test-events';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const label = (buyerId: string, sellerId: string, l: SellerLabel, at: number) =>
  ev('seller.label', { buyerId, sellerId, orderId: `o-${sellerId}-${at}`, at }, { label: l });

test('labels from 2 sellers within 90 days: high', async () => {
  const a = label('b-1', 's-1', 'ad_review', 0);
  const b = label('b-1', 's-2', 'no_purchase_intent', 40 * DAY);
  const jobs = await h.run([a, b]);
  expect(jobs).toHaveLength(1);
  const s = jobs[0]!.data;
  expect(s.severity).toBe('high');
  expect(s.sellerIds).toEqual(['s-1', 's-2']);
  expect(s.orderParties).toEqual([
    { orderId: 'o-s-1-0', buyerId: 'b-1', sellerId: 's-1' },
    { orderId: `o-s-2-${40 * DAY}`, buyerId: 'b-1', sellerId: 's-2' },
  ]);
  expect(s.evidence.eventIds).toEqual([a.id, b.id]);
  expect(s.evidence.crossed).toEqual([{ window: 'label_sellers_90d', value: 2, op: '>=', threshold: 2 }]);
  // More labels afterwards add nothing new.
  expect(await h.run([label('b-1', 's-3', 'ad_review', 41 * DAY)])).toEqual([]);
});

test('one fake_return_tracking label: medium; then a second seller: high', async () => {
  const jobs = await h.run([
    label('b-2', 's-1', 'fake_return_tracking', 0),
    label('b-2', 's-2', 'ad_review', DAY),
  ]);
  expect(jobs.map((j) => j.data.severity)).toEqual(['medium', 'high']);
});

test('one empty_package_return label: medium', async () => {
  const jobs = await h.run([label('b-3', 's-1', 'empty_package_return', 0)]);
  expect(jobs.map((j) => [j.data.severity, j.data.evidence.windows])).toEqual([
    ['medium', { grave_labels_90d: 1 }],
  ]);
});

test('honest: a single other label from one seller raises nothing, nor a second from the same seller', async () => {
  expect(await h.run([label('b-4', 's-1', 'ad_review', 0)])).toEqual([]);
  expect(await h.run([label('b-4', 's-1', 'no_purchase_intent', DAY)])).toEqual([]);
});

test('labels from 2 sellers 100 days apart raise nothing', async () => {
  expect(
    await h.run([label('b-5', 's-1', 'ad_review', 0), label('b-5', 's-2', 'ad_review', 100 * DAY)], 1),
  ).toEqual([]);
});

test('the same events twice: same windows, same job ids', async () => {
  const events = [label('b-6', 's-1', 'fake_return_tracking', 0), label('b-6', 's-2', 'ad_review', DAY)];
  const first = await h.core.process(events);
  const snap = await h.snapshot();
  const again = await h.core.process(events);
  expect(await h.snapshot()).toEqual(snap);
  expect(again.suspicions.map((j) => j.jobId)).toEqual(first.suspicions.map((j) => j.jobId));
  expect(first.suspicions).toHaveLength(2);
  const metric = await h.registry.getSingleMetricAsString('vigil_detector_suspicions_total');
  expect(metric).toContain(
    'vigil_detector_suspicions_total{rule="seller-label-accumulation",severity="high"} 2',
  );
});
