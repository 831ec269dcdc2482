import { RULE_IDS } from '@vigil/events';
import { createDetectorCore, defaultRulesConfig } from '@vigil/rules';
import { Redis } from 'ioredis';
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

describe('detector metrics labels', () => {
  // Labels a dashboard may group by: each has a small fixed set of values. A buyer, seller or
  // order id as a label would make one series per customer and sink Prometheus.
  const ALLOWED = new Set(['topic', 'partition', 'type', 'reason', 'rule', 'severity', 'retriable', 'phase']);

  it('use only bounded label names, rule engine metrics included', () => {
    const registry = new Registry();
    createDetectorMetrics(registry);
    // The rule engine registers its own vigil_detector_* metrics on the same registry; a lazy
    // Redis client is never connected by construction.
    const redis = new Redis({ lazyConnect: true });
    createDetectorCore({ redis, config: defaultRulesConfig(), keyPrefix: 'unit', registry });
    redis.disconnect();
    const metrics = registry.getMetricsAsArray();
    expect(metrics.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'vigil_detector_duplicate_events_total',
        'vigil_detector_redis_script_duration_seconds',
      ]),
    );
    const labelsOf = (m: unknown) => (m as unknown as { labelNames?: string[] }).labelNames ?? [];
    // The scan below reads prom-client's labelNames; make sure it is there to read.
    expect(labelsOf(registry.getSingleMetric('vigil_detector_consumer_lag')!)).toEqual([
      'topic',
      'partition',
    ]);
    const offending = metrics.flatMap((m) =>
      labelsOf(m)
        .filter((l) => !ALLOWED.has(l))
        .map((l) => `${m.name}{${l}}`),
    );
    expect(offending).toEqual([]);
  });

  it('exports every rule and severity of the suspicion counter at 0 before the first suspicion', async () => {
    const registry = new Registry();
    createDetectorMetrics(registry);
    const json = await registry.getMetricsAsJSON();
    const values = json.find((m) => m.name === 'vigil_detector_suspicions_emitted_total')?.values ?? [];
    expect(values).toHaveLength(RULE_IDS.length * 3);
    expect(values).toContainEqual({ labels: { rule: 'bulk-non-payment', severity: 'high' }, value: 0 });
    expect(values.every((v) => v.value === 0)).toBe(true);
  });
});
