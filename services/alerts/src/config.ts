import { env, loadConfig } from '@vigil/common';
import { SELLER_ALERTS_QUEUE } from '@vigil/events';
import { z } from 'zod';

/** Environment of the alert worker; every variable is documented in docs/alerts.md. */
export const AlertsConfig = z
  .object({
    REDIS_URL: env.url('redis://127.0.0.1:6379'),
    DATABASE_URL: env.url('postgres://postgres@127.0.0.1:5432/vigil'),
    /** BullMQ queue the case worker puts alerts on. */
    SELLER_ALERTS_QUEUE: z
      .string()
      .min(1)
      .regex(/^[^:\s]+$/, 'no ":" or spaces (BullMQ key separator)')
      .default(SELLER_ALERTS_QUEUE),
    /** BullMQ key prefix; must match the producers'. */
    BULLMQ_PREFIX: z
      .string()
      .min(1)
      .regex(/^[^:\s]+$/, 'no ":" or spaces (BullMQ key separator)')
      .default('bull'),
    /** Deliveries in flight at once; a hanging receiver holds one slot until its timeout. */
    ALERT_CONCURRENCY: env.int(16, 1, 1000),
    /** Per-request timeout of a webhook POST. */
    ALERT_TIMEOUT_MS: env.int(10_000, 100, 120_000),
    /** First retry delay; each retry doubles it. */
    ALERT_BACKOFF_BASE_MS: env.int(5_000, 1, 3_600_000),
    /** Largest retry delay. */
    ALERT_BACKOFF_MAX_MS: env.int(3_600_000, 1, 24 * 3_600_000),
    /** Age of an alert (from its createdAt) after which a failed attempt is the last one. */
    ALERT_GIVE_UP_AFTER_MS: env.int(24 * 3_600_000, 1, 30 * 24 * 3_600_000),
    /** How long a seller's webhook lookup is cached. 0 disables the cache. */
    WEBHOOK_CACHE_MS: env.int(10_000, 0, 3_600_000),
    HTTP_PORT: env.int(9466, 0, 65535),
    LOG_LEVEL: env.logLevel(),
  })
  .refine((c) => c.ALERT_BACKOFF_BASE_MS <= c.ALERT_BACKOFF_MAX_MS, {
    path: ['ALERT_BACKOFF_MAX_MS'],
    message: 'must be at least ALERT_BACKOFF_BASE_MS',
  });
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/** Parses the worker's environment; throws a ConfigError naming every bad variable. */
export function loadAlertsConfig(source: NodeJS.ProcessEnv = process.env): AlertsConfig {
  return loadConfig(AlertsConfig, source);
}
