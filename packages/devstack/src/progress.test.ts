import { metricByLabel, metricValue } from './progress';

const text = `# HELP vigil_detector_events_total x
# TYPE vigil_detector_events_total counter
vigil_detector_events_total{topic="market.orders.v1",type="order.placed"} 10
vigil_detector_events_total{topic="market.orders.v1",type="order.paid"} 4
vigil_detector_events_total_created 1
vigil_detector_suspicions_emitted_total{rule="bulk-non-payment",severity="high"} 2
vigil_detector_suspicions_emitted_total{rule="bulk-non-payment",severity="medium"} 1
vigil_detector_suspicions_emitted_total{rule="duplicate-return-tracking",severity="high"} 3
`;

describe('metric parsing', () => {
  it('sums a metric over label sets, optionally filtered', () => {
    expect(metricValue(text, 'vigil_detector_events_total')).toBe(14);
    expect(metricValue(text, 'vigil_detector_events_total', { type: 'order.paid' })).toBe(4);
  });
  it('groups by a label', () => {
    expect(metricByLabel(text, 'vigil_detector_suspicions_emitted_total', 'rule')).toEqual({
      'bulk-non-payment': 3,
      'duplicate-return-tracking': 3,
    });
  });
});
