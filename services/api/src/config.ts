import { env } from '@vigil/common';
import { TOPICS } from '@vigil/events';
import { z } from 'zod';

/** Environment of the case API. Every variable is documented in docs/api.md. */
export const ApiConfig = z.object({
  /** Port of the HTTP server (API, /docs, /openapi.json, /healthz, /readyz, /metrics). Default 8080. */
  HTTP_PORT: env.int(8080, 1, 65535),
  /** Address the server binds. Default 0.0.0.0. */
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: env.url('postgres://postgres@127.0.0.1:5432/vigil'),
  REDIS_URL: env.url('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
  /** kafkajs client id. Default vigil-api. */
  KAFKA_CLIENT_ID: z.string().min(1).default('vigil-api'),
  /** Topic seller labels are published to. Default market.seller-labels.v1. */
  LABELS_TOPIC: z.string().min(1).default(TOPICS.sellerLabels),
  /** Topic the API learns (order, buyer, seller) from. Default market.orders.v1. */
  ORDERS_TOPIC: z.string().min(1).default(TOPICS.orders),
  /** Consumer group of the API's order consumer. Default vigil-api-orders. */
  ORDERS_GROUP_ID: z.string().min(1).default('vigil-api-orders'),
  /** Run the order consumer in this process. Default true. */
  ORDERS_CONSUMER_ENABLED: env.bool(true),
  /** Labels one seller may submit per UTC day. Default 50. */
  LABEL_DAILY_QUOTA: env.int(50, 0, 1_000_000),
  /** Requests per minute per API key (token bucket, burst = this). Default 120. */
  RATE_LIMIT_PER_MINUTE: env.int(120, 1, 1_000_000),
  /** Largest accepted request body. Default 16384 (16 KiB). */
  BODY_LIMIT_BYTES: env.int(16 * 1024, 256, 10 * 1024 * 1024),
  /** Prefix of the API's Redis keys (rate limiter). Default vigil. */
  REDIS_PREFIX: z.string().min(1).default('vigil'),
  /** Prefix of the detectors' window keys read by the risk endpoint (as the detector's). Default vigil. */
  VIGIL_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, "_" and "-"')
    .default('vigil'),
  /** Rules config file the detectors run with (window lengths); unset = the shipped defaults. */
  RULES_CONFIG: z.string().min(1).optional(),
  LOG_LEVEL: env.logLevel(),
});
export type ApiConfig = z.infer<typeof ApiConfig>;
