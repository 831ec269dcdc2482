import { Registry } from 'prom-client';
import { createAlertMetrics } from './metrics';
import { ATTEMPT_OUTCOMES } from './store';

describe('alert worker metrics', () => {
  it('export every attempt outcome at 0 from the start (the webhook failure-rate alert divides by them)', async () => {
    const registry = new Registry();
    createAlertMetrics(registry);
    const attempts = (await registry.getMetricsAsJSON()).find((m) => m.name === 'vigil_alert_attempts_total');
    expect(attempts?.values.map((v) => v.labels['outcome']).sort()).toEqual([...ATTEMPT_OUTCOMES].sort());
    expect(attempts?.values.every((v) => v.value === 0)).toBe(true);
  });

  it('label only by outcome: never a seller, buyer, order or alert id', () => {
    const registry = new Registry();
    createAlertMetrics(registry);
    const labels = registry
      .getMetricsAsArray()
      .flatMap((m) =>
        ((m as unknown as { labelNames?: string[] }).labelNames ?? []).map((l) => `${m.name}{${l}}`),
      );
    expect(labels.sort()).toEqual([
      'vigil_alert_attempts_total{outcome}',
      'vigil_alert_delivery_duration_seconds{outcome}',
    ]);
  });
});
