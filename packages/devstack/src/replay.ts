// Rebuild-by-replay (docs/guarantees.md, "Rebuilding windows"): re-read the market topics from a
// timestamp or an offset with a FRESH consumer group, through the real detector process (so the
// very same decoder, rule engine and queue writes), until it has caught up with the end offsets
// seen at the start. Window updates are idempotent per event id and suspicion job ids are
// deterministic, so replaying events that were already counted changes nothing.
import { MARKET_TOPICS } from '@vigil/events';
import { type Admin, Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { type RunningService, startService, waitHttpOk } from './processes';
import { metricValue } from './progress';

/** Command-line flags of the replay, validated before anything is touched. */
export const ReplayOptionsSchema = z
  .object({
    /** Start at the first event whose Kafka timestamp is ≥ this instant (ISO-8601). */
    fromTimestamp: z.iso.datetime({ offset: true }).optional(),
    /** Start at this offset on every partition (clamped to the partition's range), or `earliest`. */
    fromOffset: z.union([z.literal('earliest'), z.coerce.number().int().min(0)]).optional(),
    /** The fresh consumer group. Default `vigil-replay-<epoch ms>`. */
    group: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'only letters, digits, ".", "_" and "-"')
      .default(() => `vigil-replay-${Date.now()}`),
    /** Comma-separated broker list. Default KAFKA_BROKERS or 127.0.0.1:9092. */
    brokers: z
      .string()
      .default(() => process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
      .transform((s) =>
        s
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .refine((l) => l.length > 0 && l.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)), 'expected host:port[,…]'),
    /** Topic prefix, as the detector's KAFKA_TOPIC_PREFIX. Default KAFKA_TOPIC_PREFIX or empty. */
    topicPrefix: z
      .string()
      .regex(/^[A-Za-z0-9._-]*$/)
      .default(() => process.env['KAFKA_TOPIC_PREFIX'] ?? ''),
    /** Ops port of the replaying detector (not the live one's 9464). Default 9465. */
    httpPort: z.coerce.number().int().min(0).max(65535).default(9465),
    /** Allow a group that already has committed offsets (they are overwritten). Default false. */
    force: z.boolean().default(false),
    /** Print the start and end offsets, change nothing. Default false. */
    dryRun: z.boolean().default(false),
    /** Give up when not caught up after this long, ms. Default 1 hour. */
    timeoutMs: z.coerce.number().int().min(1000).default(3_600_000),
  })
  .refine((o) => (o.fromTimestamp === undefined) !== (o.fromOffset === undefined), {
    message: 'give exactly one of --from-timestamp and --from-offset',
    path: ['fromTimestamp'],
  });
export type ReplayOptions = z.output<typeof ReplayOptionsSchema>;

export interface PartitionPlan {
  topic: string;
  partition: number;
  /** First offset to re-read. */
  start: number;
  /** High watermark when the replay started: caught up once the group has committed this. */
  end: number;
}

/** Where the replay starts and ends on every partition of the market topics. */
export async function planReplay(admin: Admin, options: ReplayOptions): Promise<PartitionPlan[]> {
  const plan: PartitionPlan[] = [];
  for (const canonical of MARKET_TOPICS) {
    const topic = `${options.topicPrefix}${canonical}`;
    const bounds = await admin.fetchTopicOffsets(topic);
    const byTime =
      options.fromTimestamp !== undefined
        ? await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(options.fromTimestamp))
        : [];
    for (const b of bounds) {
      const low = Number(b.low);
      const high = Number(b.high);
      let start: number;
      if (options.fromTimestamp !== undefined) {
        // -1 means no message at or after the timestamp: nothing to replay on that partition.
        const at = Number(byTime.find((t) => t.partition === b.partition)?.offset ?? -1);
        start = at < 0 ? high : at;
      } else {
        start = options.fromOffset === 'earliest' ? low : Number(options.fromOffset);
      }
      plan.push({ topic, partition: b.partition, start: Math.min(Math.max(start, low), high), end: high });
    }
  }
  return plan;
}

/**
 * Sets the fresh group's committed offsets to the plan's starts. Throws if the group already has
 * offsets (unless `force`). One consumer joins the group once, commits every start offset and
 * leaves (kafkajs `admin.setOffsets` would join once per topic, ~5 s each).
 */
export async function seedGroup(
  kafka: Kafka,
  admin: Admin,
  groupId: string,
  plan: PartitionPlan[],
  force: boolean,
): Promise<void> {
  const topics = [...new Set(plan.map((p) => p.topic))];
  const committed = await admin.fetchOffsets({ groupId, topics });
  const used = committed.some((t) => t.partitions.some((p) => Number(p.offset) >= 0));
  if (used && !force) {
    throw new Error(
      `consumer group ${groupId} already has committed offsets; use a fresh --group or --force`,
    );
  }
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    // Nothing is resolved and auto-commit is off: whatever is fetched meanwhile is not committed.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
    await joined;
    consumer.pause(topics.map((topic) => ({ topic })));
    await consumer.commitOffsets(
      plan.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.start) })),
    );
  } finally {
    await consumer.disconnect();
  }
}

/** True once the group has committed at least the plan's end offset on every partition. */
export async function caughtUp(admin: Admin, groupId: string, plan: PartitionPlan[]): Promise<boolean> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...new Set(plan.map((p) => p.topic))] });
  return plan.every((p) => {
    if (p.end <= p.start) return true;
    const c = committed.find((t) => t.topic === p.topic)?.partitions.find((x) => x.partition === p.partition);
    return Number(c?.offset ?? -1) >= p.end;
  });
}

export interface ReplaySummary {
  group: string;
  /** Messages re-read (sum of end − start). */
  messages: number;
  /** Valid events the detector handed to the rule engine. */
  events: number;
  /** Of those, already applied before (event-id dedupe). */
  duplicates: number;
  /** Dropped as too late for their window. */
  late: number;
  durationMs: number;
  plan: PartitionPlan[];
}

/**
 * Runs a replay: plan, seed the fresh group, start a detector (`services/detector`) in it with the
 * caller's environment (same REDIS_URL, VIGIL_KEY_PREFIX, queue and rules as the live detectors),
 * wait until caught up, stop it gracefully.
 */
export async function runReplay(
  options: ReplayOptions,
  root: string,
  env: Record<string, string> = {},
  log: (line: string) => void = () => {},
): Promise<ReplaySummary> {
  const started = Date.now();
  const kafka = new Kafka({ clientId: 'vigil-replay', brokers: options.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let detector: RunningService | undefined;
  try {
    const plan = await planReplay(admin, options);
    const messages = plan.reduce((n, p) => n + Math.max(0, p.end - p.start), 0);
    log(`replay plan: ${messages} messages on ${plan.length} partitions into group ${options.group}`);
    if (options.dryRun) {
      return { group: options.group, messages, events: 0, duplicates: 0, late: 0, durationMs: 0, plan };
    }
    await seedGroup(kafka, admin, options.group, plan, options.force);
    detector = startService({
      name: 'detector',
      root,
      env: {
        ...env,
        KAFKA_BROKERS: options.brokers.join(','),
        KAFKA_TOPIC_PREFIX: options.topicPrefix,
        KAFKA_GROUP_ID: options.group,
        KAFKA_CLIENT_ID: 'vigil-replay',
        HTTP_PORT: String(options.httpPort),
      },
    });
    const metricsUrl = `http://127.0.0.1:${options.httpPort}/metrics`;
    await waitHttpOk(`http://127.0.0.1:${options.httpPort}/healthz`, 60_000, detector);
    const deadline = Date.now() + options.timeoutMs;
    while (!(await caughtUp(admin, options.group, plan))) {
      if (detector.child.exitCode !== null) {
        throw new Error(`replaying detector exited with ${detector.child.exitCode}; see ${detector.logFile}`);
      }
      if (Date.now() > deadline) throw new Error(`replay not caught up after ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const text = await (await fetch(metricsUrl)).text();
    const summary: ReplaySummary = {
      group: options.group,
      messages,
      events: metricValue(text, 'vigil_detector_events_total'),
      duplicates: metricValue(text, 'vigil_detector_duplicate_events_total'),
      late: metricValue(text, 'vigil_detector_late_events_total'),
      durationMs: Date.now() - started,
      plan,
    };
    return summary;
  } finally {
    await detector?.stop();
    await admin.disconnect();
  }
}
