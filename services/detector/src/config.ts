import { env, loadConfig } from '@vigil/common';
import { MARKET_TOPICS, type MarketTopic, SUSPICIONS_QUEUE, TOPICS } from '@vigil/events';
import { z } from 'zod';

/**
 * The detector's environment (docs/detector.md lists every variable with its default and meaning).
 * Names of everything shared with other processes — topics, group, queue, prefixes — are
 * configuration so that tests and parallel deployments never collide.
 */
export const DetectorConfigSchema = z.object({
  KAFKA_BROKERS: env.brokers('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('vigil-detector'),
  KAFKA_GROUP_ID: z.string().min(1).default('vigil-detector'),
  /** Put before every topic name the detector reads or writes (market topics and the DLQ). */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'only letters, digits, ".", "_" and "-"')
    .default(''),
  /** Where a group with no committed offset starts: true = earliest, so a new group misses nothing. */
  KAFKA_FROM_BEGINNING: env.bool(true),
  KAFKA_SESSION_TIMEOUT_MS: env.int(30000, 6000, 300000),
  KAFKA_PARTITIONS_CONCURRENTLY: env.int(1, 1, 64),
  /** Largest fetch per partition (bytes); a held partition's tail is refetched on resume. */
  KAFKA_MAX_BYTES_PER_PARTITION: env.int(65536, 1024, 104857600),
  REDIS_URL: env.url('redis://127.0.0.1:6379'),
  VIGIL_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'only letters, digits, "_" and "-"')
    .default('vigil'),
  SUSPICIONS_QUEUE: z
    .string()
    .min(1)
    .regex(/^[^:]+$/, 'must not contain ":"')
    .default(SUSPICIONS_QUEUE),
  BULLMQ_PREFIX: z
    .string()
    .min(1)
    .regex(/^[^:]+$/, 'must not contain ":"')
    .default('bull'),
  SUSPICION_RETENTION_SECONDS: env.int(7 * 24 * 3600, 60),
  RULES_CONFIG: z.string().min(1).optional(),
  PROCESS_CHUNK_SIZE: env.int(500, 1, 100000),
  RETRY_INITIAL_MS: env.int(200, 1, 60000),
  RETRY_MAX_MS: env.int(30000, 1, 600000),
  QUEUE_TIMEOUT_MS: env.int(10000, 100, 600000),
  PROCESS_TIMEOUT_MS: env.int(30000, 100, 600000),
  REDIS_COMMAND_TIMEOUT_MS: env.int(5000, 100, 600000),
  /** Hold a market topic-partition until the other topics' same partition reach its event time. */
  ALIGNMENT_ENABLED: env.bool(true),
  /** Longest hold before a partition is released anyway (counted as a forced release). */
  ALIGNMENT_MAX_HOLD_MS: env.int(5000, 0, 600000),
  /** Event time (ms) a topic may run ahead of the others. */
  ALIGNMENT_SKEW_MS: env.int(0, 0, 24 * 3600 * 1000),
  /** Period of the high-watermark / committed-offset poll that tells caught-up partitions. */
  ALIGNMENT_POLL_MS: env.int(1000, 50, 60000),
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  HTTP_PORT: env.int(9464, 0, 65535),
  LOG_LEVEL: env.logLevel(),
});
export type DetectorConfig = z.infer<typeof DetectorConfigSchema>;

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function loadDetectorConfig(source: NodeJS.ProcessEnv = process.env): DetectorConfig {
  return loadConfig(DetectorConfigSchema, source);
}

/** A consumed topic and the contract topic it stands for (the decoder checks types against it). */
export interface TopicBinding {
  name: string;
  canonical: MarketTopic;
}

/** The market topics to consume and the DLQ topic, under a prefix. */
export function topicNames(prefix: string): { topics: TopicBinding[]; dlqTopic: string } {
  return {
    topics: MARKET_TOPICS.map((canonical) => ({ name: `${prefix}${canonical}`, canonical })),
    dlqTopic: `${prefix}${TOPICS.dlq}`,
  };
}
