import { isRetriable, type Logger, VigilError } from '@vigil/common';
import {
  decodeEvent,
  type EventProcessor,
  type MarketEvent,
  Suspicion,
  type SuspicionJob,
} from '@vigil/events';
import type { JobsOptions } from 'bullmq';
import {
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  PartitionAssigners,
  type Producer,
} from 'kafkajs';
import type { Registry } from 'prom-client';
import { alignmentLimitMs, frontierMs, type PartitionProgress } from './alignment';
import { coPartitionAssigner } from './assigner';
import type { TopicBinding } from './config';
import { buildDeadLetter, type DeadLetterMessage } from './dlq';
import { consumerLag, createDetectorMetrics, type DetectorMetrics, eventLagSeconds } from './metrics';

/** The part of a BullMQ `Queue` the detector uses (a real `Queue<Suspicion>` fits). */
export interface SuspicionQueue {
  addBulk(jobs: { name: string; data: Suspicion; opts?: JobsOptions }[]): Promise<unknown>;
}

/** Options for {@link createDetector}. */
export interface DetectorOptions {
  kafka: Kafka;
  /** Consumer group id; every detector process of one deployment shares it. */
  groupId: string;
  /** The market topics to consume, each with the contract topic it stands for. */
  topics: TopicBinding[];
  /** Where undecodable messages go. */
  dlqTopic: string;
  /** A kafkajs producer the caller connects before `start` and disconnects after `stop`. */
  producer: Producer;
  queue: SuspicionQueue;
  processor: EventProcessor;
  registry: Registry;
  logger: Logger;
  /** Where a group with no committed offset starts. Default `true` (earliest: nothing is skipped). */
  fromBeginning?: boolean;
  /** kafkajs session timeout. Default 30000 ms. */
  sessionTimeoutMs?: number;
  /** Partitions processed at once by this process. Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Messages handled (and committed) together inside one Kafka batch. Default 500. */
  chunkSize?: number;
  /** First back-off after a retriable failure; doubles up to `retryMaxMs`. Default 200 ms. */
  retryInitialMs?: number;
  /** Longest back-off between retries. Default 30000 ms. */
  retryMaxMs?: number;
  /** A queue write slower than this counts as a retriable failure. Default 10000 ms. */
  queueTimeoutMs?: number;
  /**
   * A `processor.process` call slower than this counts as a retriable failure (a hung Redis
   * connection must not stall the partition while `/readyz` says ready). The abandoned call may
   * still finish; the processor is idempotent per event id, so the retry is safe. Default 30000 ms.
   */
  processTimeoutMs?: number;
  /** How long completed suspicion jobs are kept, so a redelivered one is deduped. Default 7 days. */
  jobRetentionSeconds?: number;
  /**
   * Called once when a non-retriable error stops consumption (the failing chunk is not committed
   * and every partition is paused). The composition root exits the process: a crash loop is
   * loud, a skipped event is silent. Default: log only.
   */
  onFatal?: (err: unknown) => void;
  /** Clock, for tests. Default `() => new Date()`. */
  now?: () => Date;
  /** kafkajs `maxBytesPerPartition` (largest fetch per partition). Default 65536 (kafkajs: 1 MiB). */
  maxBytesPerPartition?: number;
  /** Event-time alignment of the market topics (docs/detector.md, "Event-time alignment"). */
  alignment?: AlignmentOptions;
}

/** Options of the event-time alignment across market topics. */
export interface AlignmentOptions {
  /** Hold a topic-partition back until the other market topics reach its event time. Default true. */
  enabled?: boolean;
  /**
   * Longest time a partition stays held; it is then released anyway (a stuck topic never stops
   * detection; windows then see the event late). Counted in
   * `vigil_detector_alignment_forced_total`. Default 5000 ms.
   */
  maxHoldMs?: number;
  /** How far (ms of event time) a topic may run ahead of the others. Default 0. */
  skewMs?: number;
  /** Period of the high-watermark and committed-offset poll. Default 1000 ms. */
  pollIntervalMs?: number;
}

export interface Detector {
  /** Connects the consumer, subscribes and starts the batch loop. */
  start(): Promise<void>;
  /** Finishes the chunk in hand (committing it), leaves the group and disconnects the consumer. */
  stop(): Promise<void>;
  /** For `/readyz`: not ready before the first group join, while retrying, after a fatal error. */
  readiness(): { ready: boolean; reason?: string };
  /** Partitions assigned at the last group join, by topic. */
  assignment(): Record<string, number[]>;
  readonly metrics: DetectorMetrics;
}

/** Job options of a suspicion: deterministic id, kept long enough to dedupe a redelivery. */
export function suspicionJobOptions(job: SuspicionJob, retentionSeconds: number): JobsOptions {
  return {
    jobId: job.jobId,
    // The case worker may fail on a PostgreSQL outage; exponential retries from 1 s span ~9 h.
    attempts: 15,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: { age: retentionSeconds },
    removeOnFail: false,
  };
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Whether trying the same chunk again may succeed. VigilErrors say so themselves; raw client
 * errors that mean "Redis or the network is away" are retriable too, since ioredis does not wrap
 * them. Anything else is a bug or bad data in a valid event and stops the detector.
 */
export function isRetriableFailure(err: unknown): boolean {
  if (isRetriable(err)) return true;
  let cur: unknown = err;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 8; depth++) {
    const e = cur as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
    if (e.name === 'MaxRetriesPerRequestError') return true;
    if (
      typeof e.message === 'string' &&
      /Connection is closed|Stream isn't writeable|Command timed out/.test(e.message)
    ) {
      return true;
    }
    cur = e.cause;
  }
  return false;
}

/** Thrown inside the loop when retrying must stop; never escapes to kafkajs. */
class FatalProcessingError extends Error {
  constructor(stage: string, cause: unknown) {
    super(`${stage} failed with a non-retriable error`, { cause });
    this.name = 'FatalProcessingError';
  }
}

type Decoded =
  | { kind: 'event'; offset: string; event: MarketEvent }
  | { kind: 'dead'; offset: string; message: DeadLetterMessage; code: string };

/**
 * The detector's consumer-group loop. Per chunk of a partition's batch, in this order: decode every
 * message; dead-letter the invalid ones (acknowledged by Kafka); apply the valid ones to the
 * processor in partition order; add the suspicions to BullMQ with their deterministic ids; only
 * then resolve and commit the chunk's last offset. A retriable failure at any step is retried with
 * back-off (heartbeating, nothing committed, readiness down) until it succeeds or the partition is
 * taken away; a completed step is not redone, so suspicions the processor returned are never lost
 * to a queue outage.
 */
export function createDetector(options: DetectorOptions): Detector {
  const log = options.logger.child({ component: 'detector-consumer' });
  const metrics = createDetectorMetrics(options.registry);
  const chunkSize = options.chunkSize ?? 500;
  const retryInitialMs = options.retryInitialMs ?? 200;
  const retryMaxMs = options.retryMaxMs ?? 30000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 10000;
  const processTimeoutMs = options.processTimeoutMs ?? 30000;
  const retentionSeconds = options.jobRetentionSeconds ?? 7 * 24 * 3600;
  const now = options.now ?? (() => new Date());
  const canonicalByName = new Map(options.topics.map((t) => [t.name, t.canonical]));

  const alignEnabled = options.alignment?.enabled ?? true;
  const maxHoldMs = options.alignment?.maxHoldMs ?? 5000;
  const skewMs = options.alignment?.skewMs ?? 0;
  const pollIntervalMs = options.alignment?.pollIntervalMs ?? 1000;

  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    // Co-partitioning: partition p of every market topic goes to one member, so a buyer's events
    // (key = buyerId) meet in one process. Round-robin stays offered so a group still forms with
    // members that do not know the co-partition protocol (then alignment covers what is ours).
    partitionAssigners: [coPartitionAssigner, PartitionAssigners.roundRobin],
    // A held partition's unprocessed tail is refetched when it resumes: smaller fetches waste
    // less while topics take turns during a backlog.
    maxBytesPerPartition: options.maxBytesPerPartition ?? 65536,
    sessionTimeout: options.sessionTimeoutMs ?? 30000,
    // kafkajs restarts itself after retriable Kafka errors (broker away); our own errors never
    // reach it: a non-retriable one is handled by `declareFatal`.
  });

  let joined = false;
  let restarting = false;
  let assigned: Record<string, number[]> = {};
  let stopped = false;
  let fatal: unknown;
  /** Chunks currently failing (by topic/partition), for readiness. */
  const failing = new Map<string, string>();

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    joined = true;
    restarting = false;
    failing.clear();
    assigned = e.payload.memberAssignment;
    resetAlignment();
    metrics.rebalances.inc();
    // The lag of partitions this member no longer owns would go stale; owned ones refill per batch.
    metrics.consumerLag.reset();
    log.info({ memberAssignment: e.payload.memberAssignment }, 'joined consumer group');
  });
  consumer.on(consumer.events.CRASH, (e) => {
    if (stopped) return;
    log.error({ err: e.payload.error, restart: e.payload.restart }, 'kafka consumer crashed');
    if (e.payload.restart) restarting = true;
    else declareFatal(e.payload.error);
  });

  // ---- Event-time alignment (see docs/detector.md) ----
  const admin: Admin = options.kafka.admin();
  /** Whether all market topics have the same partition count (else: align across all of ours). */
  let coPartitioned = true;
  /** Progress of every assigned market topic-partition, by `topic/partition`. */
  let progress = new Map<string, PartitionProgress>();
  /** Partitions paused by alignment. */
  const held = new Map<string, { topic: string; partition: number }>();
  /**
   * Per waiting partition (survives refetches): the limit it last saw and since when that limit
   * has not moved. The max hold counts from there, so a partition waiting behind a topic that is
   * slowly catching up is not released early; only a blocker that stopped advancing is overtaken.
   */
  const waiting = new Map<string, { limitMs: number; sinceMs: number }>();
  /** Partitions whose next batch is processed whatever the limit (max hold reached). */
  const forced = new Set<string>();
  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;

  const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;
  function progressOf(topic: string, partition: number): PartitionProgress {
    const key = tpKey(topic, partition);
    let p = progress.get(key);
    if (!p) {
      p = {};
      progress.set(key, p);
    }
    return p;
  }

  function resetAlignment(): void {
    // Revoked partitions' progress is stale and kept ones are refetched from the last commit.
    // A partition we paused must not stay paused into the new generation with nobody to resume it.
    if (fatal === undefined) {
      for (const h of held.values()) consumer.resume([{ topic: h.topic, partitions: [h.partition] }]);
    }
    held.clear();
    waiting.clear();
    forced.clear();
    progress = new Map();
    metrics.alignmentHolds.set(0);
  }

  /** The other market topics' partitions that (topic, partition) must not run ahead of. */
  function othersOf(topic: string, partition: number): PartitionProgress[] {
    const out: PartitionProgress[] = [];
    for (const [other, partitions] of Object.entries(assigned)) {
      if (other === topic || !canonicalByName.has(other)) continue;
      for (const p of partitions) {
        if (!coPartitioned || p === partition) out.push(progressOf(other, p));
      }
    }
    return out;
  }

  /** For the forced-release log: which other partitions are behind `headMs`, and where. */
  function blockersOf(topic: string, partition: number, headMs: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [other, partitions] of Object.entries(assigned)) {
      if (other === topic || !canonicalByName.has(other)) continue;
      for (const p of partitions) {
        if (coPartitioned && p !== partition) continue;
        const f = frontierMs(progress.get(tpKey(other, p)));
        if (f < headMs) out[tpKey(other, p)] = Number.isFinite(f) ? new Date(f).toISOString() : String(f);
      }
    }
    return out;
  }

  function limitFor(topic: string, partition: number): number {
    if (!alignEnabled) return Number.POSITIVE_INFINITY;
    return alignmentLimitMs(othersOf(topic, partition), skewMs);
  }

  /** Records the limit a waiting partition sees; restarts its hold clock when the limit moved. */
  function noteWaiting(key: string, limitMs: number, nowMs: number): { limitMs: number; sinceMs: number } {
    const w = waiting.get(key);
    if (w && limitMs <= w.limitMs) return w;
    const fresh = { limitMs, sinceMs: nowMs };
    waiting.set(key, fresh);
    return fresh;
  }

  /** Resumes held partitions whose blocker advanced, or that waited longer than the max hold. */
  function reconsiderHolds(): void {
    if (fatal !== undefined || stopped) return;
    const nowMs = Date.now();
    for (const [key, h] of held) {
      const head = progress.get(key)?.headMs;
      const limit = limitFor(h.topic, h.partition);
      let release = head === undefined || head <= limit;
      const w = noteWaiting(key, limit, nowMs);
      if (!release && nowMs - w.sinceMs >= maxHoldMs) {
        release = true;
        forced.add(key);
        metrics.alignmentForced.inc({ topic: h.topic });
        log.warn(
          {
            topic: h.topic,
            partition: h.partition,
            stalledMs: nowMs - w.sinceMs,
            head: head === undefined ? undefined : new Date(head).toISOString(),
            blockers: blockersOf(h.topic, h.partition, head ?? Number.POSITIVE_INFINITY),
          },
          'alignment max hold reached: releasing the partition ahead of the other market topics',
        );
      }
      if (release) {
        log.debug({ topic: h.topic, partition: h.partition }, 'alignment resume');
        held.delete(key);
        consumer.resume([{ topic: h.topic, partitions: [h.partition] }]);
      }
    }
    metrics.alignmentHolds.set(held.size);
  }

  /** Learns high watermarks (also of idle partitions) and committed positions, then re-checks holds. */
  async function pollOffsets(): Promise<void> {
    if (polling || stopped || !alignEnabled) return;
    polling = true;
    try {
      const names = options.topics.map((t) => t.name);
      const committed = await admin.fetchOffsets({ groupId: options.groupId, topics: names });
      for (const name of names) {
        const mine = new Set(assigned[name] ?? []);
        if (mine.size === 0) continue;
        const ends = await admin.fetchTopicOffsets(name);
        const groupOffsets = committed.find((c) => c.topic === name)?.partitions ?? [];
        for (const end of ends) {
          if (!mine.has(end.partition)) continue;
          const p = progressOf(name, end.partition);
          const high = BigInt(end.high);
          if (p.highWatermark === undefined || high > p.highWatermark) p.highWatermark = high;
          const c = groupOffsets.find((g) => g.partition === end.partition)?.offset;
          // No commit yet: the group starts at the low (fromBeginning) or high watermark.
          const start =
            c !== undefined && BigInt(c) >= 0n
              ? BigInt(c)
              : BigInt((options.fromBeginning ?? true) ? end.low : end.high);
          if (p.position === undefined || start > p.position) p.position = start;
        }
      }
      reconsiderHolds();
    } catch (err) {
      log.warn({ err }, 'alignment offset poll failed; retrying at the next tick');
    } finally {
      polling = false;
    }
  }

  /** At start: co-partitioning needs equal partition counts; otherwise align across all of ours. */
  async function checkCoPartitioning(): Promise<void> {
    const { topics } = await admin.fetchTopicMetadata({ topics: options.topics.map((t) => t.name) });
    const counts = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
    if (new Set(Object.values(counts)).size > 1) {
      coPartitioned = false;
      log.error(
        { partitionCounts: counts },
        "market topics have different partition counts: a buyer's events are not co-partitioned; aligning across all partitions of this process instead (slower, and blind to partitions owned by other detectors)",
      );
    }
  }

  function declareFatal(err: unknown): void {
    if (fatal !== undefined) return;
    fatal = err;
    log.fatal(
      { err },
      'detector stopped consuming: non-retriable error; nothing past the last commit is lost',
    );
    try {
      consumer.pause(options.topics.map((t) => ({ topic: t.name })));
    } catch {
      // kafkajs already tore the consumer down (a crash): nothing left to pause.
    }
    options.onFatal?.(err);
  }

  /** Rejects with a retriable error when `p` takes longer than `ms`. */
  async function withTimeout<T>(p: Promise<T>, ms: number, code: string, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VigilError(code, `${what} took over ${ms} ms`, { retriable: true })),
        ms,
      );
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs one step until it succeeds. Returns false when the partition was revoked or the consumer
   * is stopping (the chunk stays uncommitted and is redelivered).
   */
  async function retrying(
    payload: EachBatchPayload,
    where: string,
    stage: string,
    step: () => Promise<void>,
  ): Promise<boolean> {
    let delay = retryInitialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await step();
        if (failing.delete(where)) log.info({ where, stage, attempt }, 'recovered');
        return true;
      } catch (err) {
        const retriable = isRetriableFailure(err);
        metrics.processingErrors.inc({ retriable: String(retriable) });
        if (!retriable) throw new FatalProcessingError(stage, err);
        failing.set(where, `${stage}: ${err instanceof Error ? err.message : String(err)}`);
        log.warn(
          { err, where, stage, attempt, retryInMs: delay },
          'retriable failure; not committing, retrying',
        );
        if (!(await backOff(payload, delay))) {
          // Revoked or stopping: this partition is no longer ours to report on.
          failing.delete(where);
          return false;
        }
        delay = Math.min(delay * 2, retryMaxMs);
      }
    }
  }

  /** Sleeps in short slices, heartbeating so the group keeps this member; false if told to stop. */
  async function backOff(payload: EachBatchPayload, ms: number): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!payload.isRunning() || payload.isStale()) return false;
      await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
      // A rebalance error here propagates to kafkajs, which rejoins; the chunk is redelivered.
      await payload.heartbeat();
    }
    return payload.isRunning() && !payload.isStale();
  }

  function decodeOne(topic: string, partition: number, m: KafkaMessage): Decoded {
    const result = decodeEvent(m.value, canonicalByName.get(topic));
    if (result.ok) return { kind: 'event', offset: m.offset, event: result.event };
    const { message } = buildDeadLetter(
      { topic, partition, offset: m.offset, key: m.key, value: m.value },
      result,
      now(),
    );
    return { kind: 'dead', offset: m.offset, message, code: result.code };
  }

  async function handleChunk(
    payload: EachBatchPayload,
    messages: KafkaMessage[],
    decoded: Decoded[],
  ): Promise<boolean> {
    const { topic, partition } = payload.batch;
    const where = `${topic}/${partition}`;
    const endTimer = metrics.batchDuration.startTimer();
    // Counted here, not at decode: a held-back message is decoded again when refetched.
    for (const d of decoded) if (d.kind === 'dead') metrics.invalidEvents.inc({ reason: d.code });
    const dead = decoded.flatMap((d) => (d.kind === 'dead' ? [d.message] : []));
    const events = decoded.flatMap((d) => (d.kind === 'event' ? [d.event] : []));

    if (dead.length > 0) {
      const sent = await retrying(payload, where, 'dead-letter', async () => {
        await options.producer.send({ topic: options.dlqTopic, acks: -1, messages: dead });
      });
      if (!sent) return false;
      metrics.dlqMessages.inc(dead.length);
      log.warn(
        {
          topic,
          partition,
          count: dead.length,
          offsets: decoded.filter((d) => d.kind === 'dead').map((d) => d.offset),
        },
        'dead-lettered invalid messages',
      );
    }

    let jobs: SuspicionJob[] = [];
    if (events.length > 0) {
      const processed = await retrying(payload, where, 'process', async () => {
        const outcome = await withTimeout(
          options.processor.process(events),
          processTimeoutMs,
          'PROCESS_TIMEOUT',
          'rule engine',
        );
        // Duplicate, conflicting and late events are counted by the rule engine itself
        // (vigil_detector_duplicate_events_total, ..._late_events_total); logged here per chunk.
        if (outcome.duplicates + outcome.conflicts + outcome.late > 0) {
          log.debug(
            {
              topic,
              partition,
              duplicates: outcome.duplicates,
              conflicts: outcome.conflicts,
              late: outcome.late,
            },
            'events not applied',
          );
        }
        jobs = outcome.suspicions;
      });
      if (!processed) return false;
      for (const e of events) metrics.events.inc({ topic, type: e.type });
    }

    if (jobs.length > 0) {
      const bulk = jobs.map((job) => {
        // The processor is ours, but a malformed job would poison the case worker: stop loudly.
        const parsed = Suspicion.safeParse(job.data);
        if (!parsed.success || job.jobId.length === 0 || job.jobId.includes(':')) {
          throw new FatalProcessingError(
            'suspicion validation',
            new VigilError('INVALID_SUSPICION', `invalid suspicion job ${JSON.stringify(job.jobId)}`, {
              cause: parsed.error,
            }),
          );
        }
        return {
          name: parsed.data.ruleId,
          data: parsed.data,
          opts: suspicionJobOptions(job, retentionSeconds),
        };
      });
      const queued = await retrying(payload, where, 'enqueue', async () => {
        try {
          await withTimeout(options.queue.addBulk(bulk), queueTimeoutMs, 'QUEUE_TIMEOUT', 'queue write');
        } catch (err) {
          // Any queue failure is Redis being away or slow: retry rather than lose suspicions.
          throw err instanceof VigilError
            ? err
            : new VigilError('QUEUE_UNAVAILABLE', String(err), { retriable: true, cause: err });
        }
      });
      if (!queued) return false;
      for (const j of bulk) metrics.suspicionsEmitted.inc({ rule: j.data.ruleId, severity: j.data.severity });
    }

    const last = messages[messages.length - 1]!;
    payload.resolveOffset(last.offset);
    await payload.commitOffsetsIfNecessary({
      topics: [{ topic, partitions: [{ partition, offset: (BigInt(last.offset) + 1n).toString() }] }],
    });

    metrics.batchSize.observe(messages.length);
    endTimer();
    metrics.consumerLag.set(
      { topic, partition: String(partition) },
      consumerLag(payload.batch.highWatermark, last.offset),
    );
    const lastEvent = events[events.length - 1];
    if (lastEvent) metrics.eventLag.set(eventLagSeconds(lastEvent.occurredAt, now().getTime()));
    return true;
  }

  /** After a chunk: the partition's frontier moved, which may free partitions held behind it. */
  function recordProgress(topic: string, partition: number, decoded: Decoded[]): void {
    const p = progressOf(topic, partition);
    const last = decoded[decoded.length - 1]!;
    p.position = BigInt(last.offset) + 1n;
    for (const d of decoded) {
      if (d.kind !== 'event') continue;
      const t = Date.parse(d.event.occurredAt);
      p.lastProcessedMs = Math.max(p.lastProcessedMs ?? Number.NEGATIVE_INFINITY, t);
    }
    p.headMs = undefined;
    waiting.delete(tpKey(topic, partition));
    if (held.size > 0) reconsiderHolds();
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { messages, topic, partition, highWatermark } = payload.batch;
    const key = tpKey(topic, partition);
    const p = progressOf(topic, partition);
    const high = BigInt(highWatermark);
    if (p.highWatermark === undefined || high > p.highWatermark) p.highWatermark = high;
    // A forced release lets this one batch through whatever the other topics' frontiers.
    const unlimited = forced.delete(key);
    try {
      let i = 0;
      while (i < messages.length) {
        if (fatal !== undefined || !payload.isRunning() || payload.isStale()) return;
        // Take up to chunkSize messages in offset order while their event time is within the
        // limit; an undecodable message has none and never waits (it is dead-lettered at once).
        const limit = unlimited ? Number.POSITIVE_INFINITY : limitFor(topic, partition);
        const chunk: Decoded[] = [];
        let headMs: number | undefined;
        while (i + chunk.length < messages.length && chunk.length < chunkSize) {
          const d = decodeOne(topic, partition, messages[i + chunk.length]!);
          if (d.kind === 'event') {
            const t = Date.parse(d.event.occurredAt);
            if (t > limit) {
              headMs = t;
              break;
            }
          }
          chunk.push(d);
        }
        if (chunk.length > 0) {
          const done = await handleChunk(payload, messages.slice(i, i + chunk.length), chunk);
          if (!done) return;
          i += chunk.length;
          recordProgress(topic, partition, chunk);
          await payload.heartbeat();
        }
        if (headMs !== undefined) {
          // Hold: leave the rest unresolved (kafkajs refetches from the last resolved offset + 1)
          // and pause the partition until the blocking frontier advances or the max hold passes.
          p.headMs = headMs;
          noteWaiting(key, limit, Date.now());
          held.set(key, { topic, partition });
          log.debug(
            {
              topic,
              partition,
              head: new Date(headMs).toISOString(),
              blockers: blockersOf(topic, partition, headMs),
            },
            'alignment hold',
          );
          consumer.pause([{ topic, partitions: [partition] }]);
          // Another partition may have moved since the limit was computed: re-check at once.
          reconsiderHolds();
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof FatalProcessingError)) throw err; // kafkajs errors: let it rejoin/retry
      declareFatal(err);
    }
  }

  return {
    metrics,
    async start() {
      if (alignEnabled) {
        await admin.connect();
        await checkCoPartitioning();
        pollTimer = setInterval(() => void pollOffsets(), pollIntervalMs);
      }
      await consumer.connect();
      await consumer.subscribe({
        topics: options.topics.map((t) => t.name),
        fromBeginning: options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachBatch,
      });
    },
    async stop() {
      stopped = true;
      clearInterval(pollTimer);
      await consumer.disconnect();
      if (alignEnabled) await admin.disconnect();
    },
    assignment() {
      return assigned;
    },
    readiness() {
      if (fatal !== undefined) return { ready: false, reason: 'stopped after a non-retriable error' };
      if (stopped) return { ready: false, reason: 'stopping' };
      if (!joined) return { ready: false, reason: 'joining consumer group' };
      if (restarting) return { ready: false, reason: 'kafka consumer restarting after a broker error' };
      if (failing.size > 0) {
        return { ready: false, reason: `retrying ${[...failing].map(([w, r]) => `${w} (${r})`).join('; ')}` };
      }
      return { ready: true };
    },
  };
}
