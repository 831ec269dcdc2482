import { Counter, Histogram, type Registry } from 'prom-client';
import { ATTEMPT_OUTCOMES, type AttemptOutcome } from './store';

export interface AlertMetrics {
  delivered: Counter;
  failed: Counter;
  attempts: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
  invalid: Counter;
  recordErrors: Counter;
}

/** The alert worker's metrics, registered on the injected registry. */
export function createAlertMetrics(registry: Registry): AlertMetrics {
  const attempts = new Counter({
    name: 'vigil_alert_attempts_total',
    help: 'Seller alert delivery attempts by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // Every outcome is exported from the start, so a rate() over it works before the first failure.
  for (const outcome of ATTEMPT_OUTCOMES) attempts.inc({ outcome } satisfies { outcome: AttemptOutcome }, 0);
  return {
    delivered: new Counter({
      name: 'vigil_alerts_delivered_total',
      help: 'Seller alerts delivered (a 2xx from the webhook)',
      registers: [registry],
    }),
    failed: new Counter({
      name: 'vigil_alerts_failed_total',
      help: 'Seller alerts given up on (older than the give-up age, or out of attempts)',
      registers: [registry],
    }),
    attempts,
    duration: new Histogram({
      name: 'vigil_alert_delivery_duration_seconds',
      help: 'Duration of one webhook POST, by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    invalid: new Counter({
      name: 'vigil_alert_jobs_invalid_total',
      help: 'Alert jobs whose data failed the SellerAlertJob schema (failed without retry)',
      registers: [registry],
    }),
    recordErrors: new Counter({
      name: 'vigil_alert_record_errors_total',
      help: 'Delivery attempts that could not be written to alert_deliveries',
      registers: [registry],
    }),
  };
}
