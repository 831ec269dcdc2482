import { Registry } from 'prom-client';
import { consumerLag, createDetectorMetrics, eventLagSeconds } from './metrics';

describe('consumerLag', () => {
  it('is zero when the last processed offset is the last one written', () => {
    // High watermark 10 means offsets 0..9 exist.
    expect(consumerLag('10', '9')).toBe(0);
  });

  it('counts the messages after the last processed offset', () => {
    expect(consumerLag('10', '4')).toBe(5);
    expect(consumerLag('9007199254741000', '9007199254740990')).toBe(9);
  });

  it('never goes negative when the watermark in hand is older than the offset', () => {
    expect(consumerLag('3', '5')).toBe(0);
  });
});

describe('eventLagSeconds', () => {
  it('is now minus event time, in seconds', () => {
    expect(eventLagSeconds('2026-11-26T12:00:00.000Z', Date.parse('2026-11-26T12:00:02.500Z'))).toBe(2.5);
  });
});

describe('createDetectorMetrics', () => {
  it('registers the metric names dashboards and alerts rely on', async () => {
    const registry = new Registry();
    createDetectorMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'vigil_detector_events_total',
        'vigil_detector_invalid_events_total',
        'vigil_detector_dlq_messages_total',
        'vigil_detector_suspicions_emitted_total',
        'vigil_detector_batch_size',
        'vigil_detector_batch_duration_seconds',
        'vigil_detector_consumer_lag',
        'vigil_detector_event_lag_seconds',
        'vigil_detector_rebalances_total',
        'vigil_detector_processing_errors_total',
      ]),
    );
  });
});

describe('createDetectorMetrics on a shared registry', () => {
  it('reuses metrics already registered (the rule engine shares the namespace)', () => {
    const registry = new Registry();
    const first = createDetectorMetrics(registry);
    const second = createDetectorMetrics(registry);
    first.dlqMessages.inc();
    expect(second.dlqMessages).toBe(first.dlqMessages);
  });
});
