import { Counter, type Registry } from 'prom-client';

/** Case counters shared by the worker and the API (both decide cases). */
export interface CaseMetrics {
  opened: Counter<'rule' | 'severity'>;
  confirmed: Counter<'rule' | 'severity'>;
  dismissed: Counter<'rule' | 'severity'>;
  penalties: Counter<'level'>;
  /** Counts a decision's effects (labels: the case's first rule and its severity). */
  recordDecision(result: {
    status: 'confirmed' | 'dismissed';
    firstRule: string;
    severity: string;
    penalties: { level: number }[];
  }): void;
}

/** Registers the case counters on `registry` (names fixed by the ops dashboards). */
export function createCaseMetrics(registry: Registry): CaseMetrics {
  const opened = new Counter({
    name: 'vigil_cases_opened_total',
    help: 'Cases opened, by the case first rule and its severity at opening',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
  });
  const confirmed = new Counter({
    name: 'vigil_cases_confirmed_total',
    help: 'Cases confirmed (by an operator or the auto-confirm policy), by first rule and severity',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
  });
  const dismissed = new Counter({
    name: 'vigil_cases_dismissed_total',
    help: 'Cases dismissed, by first rule and severity',
    labelNames: ['rule', 'severity'] as const,
    registers: [registry],
  });
  const penalties = new Counter({
    name: 'vigil_penalties_applied_total',
    help: 'Penalties applied on confirmed cases, by ladder level (1 warning .. 4 login suspended)',
    labelNames: ['level'] as const,
    registers: [registry],
  });
  return {
    opened,
    confirmed,
    dismissed,
    penalties,
    recordDecision(result) {
      const labels = { rule: result.firstRule, severity: result.severity };
      (result.status === 'confirmed' ? confirmed : dismissed).inc(labels);
      for (const p of result.penalties) penalties.inc({ level: String(p.level) });
    },
  };
}
