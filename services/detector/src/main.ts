// Composition root of the detector: builds every client from the configuration, injects them into
// the consumer loop and the ops server, and owns startup and shutdown order.
import { createLogger, createOpsServer, installShutdown, type Logger } from '@vigil/common';
import type { Suspicion } from '@vigil/events';
import { createDetectorCore, defaultRulesConfig, loadRulesConfig } from '@vigil/rules';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Kafka, logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadDetectorConfig, topicNames } from './config';
import { createDetector } from './consumer';

/** kafkajs logs through pino, so every line of the process is structured JSON. */
function kafkaLogger(logger: Logger): logCreator {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log: entry }) => {
      const { message, ...rest } = entry;
      if (level === KafkaLogLevel.ERROR) log.error(rest, message);
      else if (level === KafkaLogLevel.WARN) log.warn(rest, message);
      else if (level === KafkaLogLevel.INFO) log.info(rest, message);
      else log.debug(rest, message);
    };
}

async function main(): Promise<void> {
  const config = loadDetectorConfig(process.env);
  const logger = createLogger({ name: 'vigil-detector', level: config.LOG_LEVEL });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const { topics, dlqTopic } = topicNames(config.KAFKA_TOPIC_PREFIX);
  const kafka = new Kafka({
    clientId: config.KAFKA_CLIENT_ID,
    brokers: config.KAFKA_BROKERS,
    logLevel: KafkaLogLevel.WARN,
    logCreator: kafkaLogger(logger),
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  // Window state: fail commands fast while Redis is away so the loop backs off instead of hanging.
  // A command with no answer (half-open connection) times out instead of hanging the batch.
  const redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 2,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    lazyConnect: true,
  });
  const queueRedis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 });
  const queue = new Queue<Suspicion>(config.SUSPICIONS_QUEUE, {
    connection: queueRedis,
    prefix: config.BULLMQ_PREFIX,
  });
  queue.on('error', (err) => logger.warn({ err }, 'suspicions queue connection error'));
  redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));

  // The rule engine: windows in Redis under VIGIL_KEY_PREFIX, thresholds from RULES_CONFIG.
  const rulesConfig = config.RULES_CONFIG ? loadRulesConfig(config.RULES_CONFIG) : defaultRulesConfig();
  const processor = createDetectorCore({
    redis,
    config: rulesConfig,
    keyPrefix: config.VIGIL_KEY_PREFIX,
    registry,
    logger,
  });
  // SIGHUP re-reads RULES_CONFIG; a bad file is logged and the rules in force stay.
  process.on('SIGHUP', () => {
    if (!config.RULES_CONFIG) return;
    try {
      processor.reloadConfig(loadRulesConfig(config.RULES_CONFIG));
      logger.info({ path: config.RULES_CONFIG }, 'rules config reloaded');
    } catch (err) {
      logger.error(
        { err, path: config.RULES_CONFIG },
        'rules config reload failed; keeping the current rules',
      );
    }
  });
  let shuttingDown: Promise<void> | undefined;
  // Shutdown runs once, whether a signal or a fatal error asked first.
  const stopOnce = (): Promise<void> => {
    if (!shuttingDown) shuttingDown = stop();
    return shuttingDown;
  };
  const detector = createDetector({
    kafka,
    groupId: config.KAFKA_GROUP_ID,
    topics,
    dlqTopic,
    producer,
    queue,
    processor,
    registry,
    logger,
    fromBeginning: config.KAFKA_FROM_BEGINNING,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConsumedConcurrently: config.KAFKA_PARTITIONS_CONCURRENTLY,
    chunkSize: config.PROCESS_CHUNK_SIZE,
    maxBytesPerPartition: config.KAFKA_MAX_BYTES_PER_PARTITION,
    retryInitialMs: config.RETRY_INITIAL_MS,
    retryMaxMs: config.RETRY_MAX_MS,
    queueTimeoutMs: config.QUEUE_TIMEOUT_MS,
    processTimeoutMs: config.PROCESS_TIMEOUT_MS,
    jobRetentionSeconds: config.SUSPICION_RETENTION_SECONDS,
    alignment: {
      enabled: config.ALIGNMENT_ENABLED,
      maxHoldMs: config.ALIGNMENT_MAX_HOLD_MS,
      skewMs: config.ALIGNMENT_SKEW_MS,
      pollIntervalMs: config.ALIGNMENT_POLL_MS,
    },
    // Crash loudly: nothing past the last commit is lost, and a restart retries the same events.
    onFatal: () => {
      process.exitCode = 1;
      void stopOnce().finally(() => process.exit(1));
    },
  });

  const ops = createOpsServer({
    registry,
    logger,
    checks: [
      { name: 'redis', check: async () => void (await queueRedis.ping()) },
      { name: 'kafka', check: async () => void (await admin.describeCluster()) },
    ],
    ready: () => detector.readiness(),
  });

  async function stop(): Promise<void> {
    // Order: stop consuming (finishes and commits the chunk in hand), then the clients it used.
    await detector.stop();
    await producer.disconnect();
    await queue.close();
    await Promise.allSettled([redis.quit(), queueRedis.quit(), admin.disconnect()]);
    await ops.close();
  }
  installShutdown(logger, stopOnce);

  await ops.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
  await redis.connect();
  await Promise.all([producer.connect(), admin.connect()]);
  await detector.start();
  logger.info(
    {
      groupId: config.KAFKA_GROUP_ID,
      topics: topics.map((t) => t.name),
      queue: config.SUSPICIONS_QUEUE,
      port: config.HTTP_PORT,
    },
    'detector started',
  );
}

main().catch((err: unknown) => {
  // Startup failed (bad configuration, unreachable broker): say why on stderr and exit non-zero.
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
