import { env } from '@vigil/common';
import { RULE_IDS, SELLER_ALERTS_QUEUE, SUSPICIONS_QUEUE, TOPICS } from '@vigil/events';
import { z } from 'zod';

const queueName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected [A-Za-z0-9._-]{1,100} (BullMQ names may not contain ":")')
    .default(fallback);
const topicName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name')
    .default(fallback);

/** Environment of the case worker; every variable is documented in docs/cases.md. */
export const CasesConfig = z.object({
  DATABASE_URL: env.url('postgres://postgres@127.0.0.1:5432/vigil'),
  /** Pool size; one connection per concurrent job plus the relay and readiness check. */
  PG_POOL_MAX: env.int(10, 2, 200),
  /** Apply pending migrations at start (under the migrator's advisory lock). */
  MIGRATE_ON_START: env.bool(true),
  REDIS_URL: env.url('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('vigil-cases'),
  SUSPICIONS_QUEUE: queueName(SUSPICIONS_QUEUE),
  SELLER_ALERTS_QUEUE: queueName(SELLER_ALERTS_QUEUE),
  /** BullMQ key prefix; must match the producers' (detectors) and the alerts worker's. */
  BULLMQ_PREFIX: queueName('bull'),
  ENFORCEMENT_TOPIC: topicName(TOPICS.enforcement),
  SELLER_RELIEF_TOPIC: topicName(TOPICS.sellerRelief),
  WORKER_CONCURRENCY: env.int(4, 1, 100),
  /** Delay before a job that failed on an unreachable PostgreSQL is tried again. */
  RETRY_DELAY_MS: env.int(5000, 100, 3_600_000),
  AUTO_CONFIRM_ENABLED: env.bool(true),
  AUTO_CONFIRM_MIN_HIGH_RULES: env.int(2, 0, 100),
  AUTO_CONFIRM_RULES: z
    .string()
    .default('duplicate-return-tracking')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(RULE_IDS))),
  OUTBOX_POLL_MS: env.int(500, 10, 60_000),
  OUTBOX_BATCH_SIZE: env.int(50, 1, 1000),
  HTTP_PORT: env.int(9465, 0, 65535),
  LOG_LEVEL: env.logLevel(),
});
export type CasesConfig = z.infer<typeof CasesConfig>;
