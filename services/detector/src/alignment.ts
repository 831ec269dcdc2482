// Event-time alignment of the market topics. Kafka orders a buyer's events only within one topic;
// rules that join topics (orders + refunds, chats + complaints, orders + reviews) need the other
// topics' events up to the same event time. While a backlog is consumed, small topics would race
// ahead of the big orders topic, so each (topic, partition) is only processed up to the event
// time every other market topic's same partition has reached.

/** What the detector knows about one assigned topic-partition. */
export interface PartitionProgress {
  /** Event time (ms) of the last event processed from it, if any. */
  lastProcessedMs?: number;
  /**
   * Event time (ms) of the first message fetched but held back (the partition's head). A lower
   * bound of everything it will still deliver (events within a partition are produced in
   * event-time order), hence a better frontier than `lastProcessedMs`.
   */
  headMs?: number;
  /** Next offset to process (last processed + 1, or the committed offset). */
  position?: bigint;
  /** High watermark (offset after the last message), from a fetch or the periodic admin poll. */
  highWatermark?: bigint;
}

/** Whether a topic-partition has nothing left to deliver (processed offset + 1 ≥ high watermark). */
export function isCaughtUp(p: PartitionProgress): boolean {
  return p.position !== undefined && p.highWatermark !== undefined && p.position >= p.highWatermark;
}

/**
 * The event time up to which a topic-partition has advanced: +∞ when caught up (nothing it may
 * still deliver can be older than anything), else its held-back head, else the last processed
 * event, else −∞ (unknown: nothing may pass it).
 */
export function frontierMs(p: PartitionProgress | undefined): number {
  if (!p) return Number.NEGATIVE_INFINITY;
  if (isCaughtUp(p)) return Number.POSITIVE_INFINITY;
  if (p.headMs !== undefined) return Math.max(p.headMs, p.lastProcessedMs ?? Number.NEGATIVE_INFINITY);
  return p.lastProcessedMs ?? Number.NEGATIVE_INFINITY;
}

/**
 * The latest event time a message of one topic-partition may have to be processed now: the
 * minimum frontier of the `others` (the other market topics' partitions it is aligned with) plus
 * the allowed skew. +∞ when there are no others.
 */
export function alignmentLimitMs(others: (PartitionProgress | undefined)[], skewMs = 0): number {
  let limit = Number.POSITIVE_INFINITY;
  for (const o of others) limit = Math.min(limit, frontierMs(o));
  return limit + skewMs;
}

/**
 * How many of a batch's leading messages may be processed now: messages are taken in offset
 * order while their event time is ≤ `limitMs`; a message with no event time (undecodable: it goes
 * to the dead-letter topic) never holds anything back. Stops at the first message past the
 * limit, so offsets stay contiguous and the rest is refetched later.
 */
export function releasableCount(eventTimesMs: (number | undefined)[], limitMs: number): number {
  let n = 0;
  for (const t of eventTimesMs) {
    if (t !== undefined && t > limitMs) break;
    n++;
  }
  return n;
}
