import { RULE_IDS, Severity } from '@vigil/events';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The detector's Prometheus metrics, registered on an injected registry (names are the ops contract). */
export interface DetectorMetrics {
  events: Counter<'topic' | 'type'>;
  invalidEvents: Counter<'reason'>;
  dlqMessages: Counter;
  suspicionsEmitted: Counter<'rule' | 'severity'>;
  batchSize: Histogram;
  batchDuration: Histogram;
  consumerLag: Gauge<'topic' | 'partition'>;
  eventLag: Gauge;
  rebalances: Counter;
  processingErrors: Counter<'retriable'>;
  /** Partitions released by the max hold time although the other topics had not caught up. */
  alignmentForced: Counter<'topic'>;
  /** Partitions currently paused by event-time alignment. */
  alignmentHolds: Gauge;
}

/**
 * Registers the detector's metrics on `registry`, reusing any already there by name: the rule
 * engine shares the registry and the `vigil_detector_` namespace (e.g. duplicate and late event
 * counters), and a second registration of a name would throw.
 */
export function createDetectorMetrics(registry: Registry): DetectorMetrics {
  const registers = [registry];
  const reuse = <M>(name: string, create: () => M): M =>
    (registry.getSingleMetric(name) as M | undefined) ?? create();
  const metrics: DetectorMetrics = {
    events: reuse(
      'vigil_detector_events_total',
      () =>
        new Counter({
          name: 'vigil_detector_events_total',
          help: 'Valid market events handed to the rule engine, by source topic and event type',
          labelNames: ['topic', 'type'],
          registers,
        }),
    ),
    invalidEvents: reuse(
      'vigil_detector_invalid_events_total',
      () =>
        new Counter({
          name: 'vigil_detector_invalid_events_total',
          help: 'Messages rejected by the event decoder, by reject code',
          labelNames: ['reason'],
          registers,
        }),
    ),
    dlqMessages: reuse(
      'vigil_detector_dlq_messages_total',
      () =>
        new Counter({
          name: 'vigil_detector_dlq_messages_total',
          help: 'Dead letters written to the DLQ topic and acknowledged by Kafka',
          registers,
        }),
    ),
    suspicionsEmitted: reuse(
      'vigil_detector_suspicions_emitted_total',
      () =>
        new Counter({
          name: 'vigil_detector_suspicions_emitted_total',
          help: 'Suspicions added to the suspicions queue (a redelivered one, deduped by job id, counts again)',
          labelNames: ['rule', 'severity'],
          registers,
        }),
    ),
    batchSize: reuse(
      'vigil_detector_batch_size',
      () =>
        new Histogram({
          name: 'vigil_detector_batch_size',
          help: 'Messages per processed chunk of a Kafka batch',
          buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000],
          registers,
        }),
    ),
    batchDuration: reuse(
      'vigil_detector_batch_duration_seconds',
      () =>
        new Histogram({
          name: 'vigil_detector_batch_duration_seconds',
          help: 'Time to decode, dead-letter, process, enqueue and commit one chunk of a Kafka batch',
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
        }),
    ),
    consumerLag: reuse(
      'vigil_detector_consumer_lag',
      () =>
        new Gauge({
          name: 'vigil_detector_consumer_lag',
          help: 'Messages behind the high watermark after the last processed offset, by topic and partition',
          labelNames: ['topic', 'partition'],
          registers,
        }),
    ),
    eventLag: reuse(
      'vigil_detector_event_lag_seconds',
      () =>
        new Gauge({
          name: 'vigil_detector_event_lag_seconds',
          help: 'Wall-clock time minus event time of the last processed event',
          registers,
        }),
    ),
    rebalances: reuse(
      'vigil_detector_rebalances_total',
      () =>
        new Counter({
          name: 'vigil_detector_rebalances_total',
          help: 'Consumer group joins (each rebalance this member took part in)',
          registers,
        }),
    ),
    processingErrors: reuse(
      'vigil_detector_processing_errors_total',
      () =>
        new Counter({
          name: 'vigil_detector_processing_errors_total',
          help: 'Failed attempts to process a chunk; retriable ones are retried, others stop the process',
          labelNames: ['retriable'],
          registers,
        }),
    ),
    alignmentForced: reuse(
      'vigil_detector_alignment_forced_total',
      () =>
        new Counter({
          name: 'vigil_detector_alignment_forced_total',
          help: 'Partitions released by the alignment max hold time before the other market topics reached their event time',
          labelNames: ['topic'],
          registers,
        }),
    ),
    alignmentHolds: reuse(
      'vigil_detector_alignment_holds',
      () =>
        new Gauge({
          name: 'vigil_detector_alignment_holds',
          help: 'Partitions currently paused waiting for the other market topics to reach their event time',
          registers,
        }),
    ),
  };
  // Every (rule, severity) series exists at 0 from the start: increase() and the suspicion spike
  // alert need a sample before the first suspicion, or a rule's first burst is invisible to them.
  for (const rule of RULE_IDS) {
    for (const severity of Severity.options) metrics.suspicionsEmitted.inc({ rule, severity }, 0);
  }
  return metrics;
}

/**
 * Messages still to process on a partition after `lastProcessedOffset`: the high watermark is the
 * offset the next produced message will get, so a fully drained partition has lag 0.
 */
export function consumerLag(highWatermark: string, lastProcessedOffset: string): number {
  const lag = BigInt(highWatermark) - BigInt(lastProcessedOffset) - 1n;
  return lag < 0n ? 0 : Number(lag);
}

/** Seconds between an event's time and now; negative when a producer's clock runs ahead. */
export function eventLagSeconds(occurredAt: string, nowMs: number): number {
  return (nowMs - Date.parse(occurredAt)) / 1000;
}
