import { Registry } from 'prom-client';
import { createCaseMetrics } from './metrics';

describe('case metrics', () => {
  it('count a decision by first rule and severity, and each penalty by ladder level', async () => {
    const registry = new Registry();
    const m = createCaseMetrics(registry);
    m.recordDecision({
      status: 'confirmed',
      firstRule: 'bulk-non-payment',
      severity: 'high',
      penalties: [{ level: 2 }, { level: 1 }],
    });
    m.recordDecision({ status: 'dismissed', firstRule: 'refund-frequency', severity: 'low', penalties: [] });
    const json = await registry.getMetricsAsJSON();
    const values = (name: string) => json.find((x) => x.name === name)?.values ?? [];
    expect(values('vigil_cases_confirmed_total')).toEqual([
      { labels: { rule: 'bulk-non-payment', severity: 'high' }, value: 1 },
    ]);
    expect(values('vigil_cases_dismissed_total')).toEqual([
      { labels: { rule: 'refund-frequency', severity: 'low' }, value: 1 },
    ]);
    expect(values('vigil_penalties_applied_total').map((v) => [v.labels['level'], v.value])).toEqual([
      ['2', 1],
      ['1', 1],
    ]);
  });

  it('label only by rule, severity and level: never a case, buyer or seller id', () => {
    const registry = new Registry();
    createCaseMetrics(registry);
    const allowed = new Set(['rule', 'severity', 'level']);
    const labels = registry
      .getMetricsAsArray()
      .flatMap((m) => (m as unknown as { labelNames?: string[] }).labelNames ?? []);
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((l) => !allowed.has(l))).toEqual([]);
  });
});
