// Detection-quality scoring: compares what the pipeline put into cases with the simulator's ground
// truth. Pure functions over plain data, so the figures of bench/quality are unit-tested.

/** One buyer of the simulator's ground truth (the fields scoring needs). */
export interface TruthBuyer {
  buyerId: string;
  profile: string;
  abusive: boolean;
  /** Rule ids that should fire for this buyer. */
  rules: string[];
  triggers: { ruleId: string; eventId: string; at: string; triggerAt: string }[];
}

/** A buyer implicated by one evidence row of a case: the rule and when the row was written. */
export interface CaseHit {
  buyerId: string;
  ruleId: string;
  /** Wall-clock time the evidence row (case or case update) was created, ms since epoch. */
  createdAtMs: number;
}

/** Per-rule figures. Precision/recall are null when undefined (nothing flagged / nothing expected). */
export interface RuleScore {
  /** Buyers whose truth lists the rule. */
  expected: number;
  /** Buyers the pipeline implicated under the rule. */
  flagged: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number | null;
  recall: number | null;
  /** False positives split by the flagged buyer's profile (a mismatch's cause). */
  falsePositiveProfiles: Record<string, number>;
  /** Missed buyers by profile. */
  missedProfiles: Record<string, number>;
  /** Up to 5 buyer ids of each kind of mismatch, to look them up in the events and cases. */
  examples: { missed: string[]; falsePositive: string[] };
}

export interface DelayScore {
  /** True-positive (buyer, rule) pairs with a known ready time. */
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Pairs whose evidence was written before the simulator's decisive event was sent (the rule fired earlier than the truth says). */
  early: number;
}

export interface QualityScore {
  rules: Record<string, RuleScore>;
  /** Buyer level: a buyer with any case is "flagged"; expected = truth lists at least one rule. */
  overall: {
    expected: number;
    flagged: number;
    truePositives: number;
    falsePositives: number;
    falseNegatives: number;
    precision: number | null;
    recall: number | null;
  };
  honest: { buyers: number; withCase: number; rate: number | null; byProfile: Record<string, number> };
  delay: DelayScore;
}

/**
 * When the pipeline first had everything needed to decide a trigger (wall clock, ms), or undefined
 * if unknown. See {@link SendLog}.
 */
export type ReadyAt = (trigger: TruthBuyer['triggers'][number]) => number | undefined;

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/** Nearest-rank percentile (p in (0, 100]) of ascending-sorted values; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Scores cases against ground truth.
 *
 * - Per rule R: flagged = buyers with an evidence row of R; expected = buyers whose truth lists R;
 *   precision = |flagged ∩ expected| / |flagged|, recall = |flagged ∩ expected| / |expected|.
 * - Overall (buyer level): flagged = buyers with any evidence; a flagged buyer is a true positive
 *   when abusive (whatever the rule), a false positive when honest.
 * - Honest false-positive rate: honest buyers with any evidence / honest buyers.
 * - Delay per true-positive (buyer, R): first evidence row of R for the buyer − `readyAt` of the
 *   buyer's first trigger of R. Buyers outside the truth (unknown ids) are ignored.
 */
export function scoreQuality(
  truth: readonly TruthBuyer[],
  hits: readonly CaseHit[],
  readyAt: ReadyAt,
): QualityScore {
  const byBuyer = new Map(truth.map((t) => [t.buyerId, t]));
  // (buyer, rule) → earliest evidence time.
  const firstHit = new Map<string, Map<string, number>>();
  for (const h of hits) {
    if (!byBuyer.has(h.buyerId)) continue;
    let rules = firstHit.get(h.buyerId);
    if (!rules) {
      rules = new Map();
      firstHit.set(h.buyerId, rules);
    }
    const prev = rules.get(h.ruleId);
    if (prev === undefined || h.createdAtMs < prev) rules.set(h.ruleId, h.createdAtMs);
  }

  const ruleIds = new Set<string>();
  for (const t of truth) for (const r of t.rules) ruleIds.add(r);
  for (const rules of firstHit.values()) for (const r of rules.keys()) ruleIds.add(r);

  const rules: Record<string, RuleScore> = {};
  const delays: number[] = [];
  let early = 0;
  for (const ruleId of [...ruleIds].sort()) {
    const s: RuleScore = {
      expected: 0,
      flagged: 0,
      truePositives: 0,
      falsePositives: 0,
      falseNegatives: 0,
      precision: null,
      recall: null,
      falsePositiveProfiles: {},
      missedProfiles: {},
      examples: { missed: [], falsePositive: [] },
    };
    for (const t of truth) {
      const want = t.rules.includes(ruleId);
      const hitAt = firstHit.get(t.buyerId)?.get(ruleId);
      if (want) s.expected++;
      if (hitAt !== undefined) s.flagged++;
      if (want && hitAt !== undefined) {
        s.truePositives++;
        const trigger = t.triggers.find((x) => x.ruleId === ruleId);
        const ready = trigger ? readyAt(trigger) : undefined;
        if (ready !== undefined) {
          if (hitAt < ready) early++;
          else delays.push(hitAt - ready);
        }
      } else if (want) {
        s.falseNegatives++;
        bump(s.missedProfiles, t.profile);
        if (s.examples.missed.length < 5) s.examples.missed.push(t.buyerId);
      } else if (hitAt !== undefined) {
        s.falsePositives++;
        bump(s.falsePositiveProfiles, t.profile);
        if (s.examples.falsePositive.length < 5) s.examples.falsePositive.push(t.buyerId);
      }
    }
    s.precision = ratio(s.truePositives, s.flagged);
    s.recall = ratio(s.truePositives, s.expected);
    rules[ruleId] = s;
  }

  let expected = 0;
  let flagged = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let honestBuyers = 0;
  let honestFlagged = 0;
  const honestByProfile: Record<string, number> = {};
  for (const t of truth) {
    const isFlagged = (firstHit.get(t.buyerId)?.size ?? 0) > 0;
    const isExpected = t.rules.length > 0;
    if (isExpected) expected++;
    if (isFlagged) flagged++;
    if (isFlagged && t.abusive) tp++;
    if (isFlagged && !t.abusive) fp++;
    if (isExpected && !isFlagged) fn++;
    if (!t.abusive) {
      honestBuyers++;
      if (isFlagged) {
        honestFlagged++;
        bump(honestByProfile, t.profile);
      }
    }
  }
  delays.sort((a, b) => a - b);
  return {
    rules,
    overall: {
      expected,
      flagged,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: ratio(tp, flagged),
      // Recall over buyers the truth expects to be caught; abusive buyers whose scenario did not
      // complete inside the span are neither expected nor held against precision.
      recall: ratio(expected - fn, expected),
    },
    honest: {
      buyers: honestBuyers,
      withCase: honestFlagged,
      rate: ratio(honestFlagged, honestBuyers),
      byProfile: honestByProfile,
    },
    delay: {
      count: delays.length,
      p50Ms: percentile(delays, 50),
      p99Ms: percentile(delays, 99),
      maxMs: delays.length ? delays[delays.length - 1]! : null,
      early,
    },
  };
}

/**
 * Wall-clock record of what was sent to Kafka, to time detection. Events go out in event-time
 * order, so a trigger is "ready" once its decisive event was acknowledged and, for time-based
 * conditions ("still unpaid after 15 min"), once an event at or after the trigger time was too.
 */
export class SendLog {
  private readonly sentAt = new Map<string, number>();
  /** Batches: [wall time acknowledged, greatest event time in the batch]. */
  private readonly batches: [number, number][] = [];
  private maxEventTime = -Infinity;

  /** @param watch event ids whose send time is kept (all when omitted). */
  constructor(private readonly watch?: ReadonlySet<string>) {}

  /** Records one acknowledged batch. */
  record(events: readonly { id: string; occurredAt: string }[], ackedAtMs: number): void {
    for (const e of events) {
      if (!this.watch || this.watch.has(e.id)) this.sentAt.set(e.id, ackedAtMs);
      const t = Date.parse(e.occurredAt);
      if (t > this.maxEventTime) this.maxEventTime = t;
    }
    this.batches.push([ackedAtMs, this.maxEventTime]);
  }

  /** Ready time of a trigger; undefined when its event was never sent. */
  readyAt: ReadyAt = (trigger) => {
    const sent = this.sentAt.get(trigger.eventId);
    if (sent === undefined) return undefined;
    const due = Date.parse(trigger.triggerAt);
    // First batch whose running event-time maximum reached the trigger time (binary search).
    let lo = 0;
    let hi = this.batches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.batches[mid]![1] >= due) hi = mid;
      else lo = mid + 1;
    }
    // Nothing later was ever sent: the time condition could only be met by a timer; count from the send.
    const advanced = lo < this.batches.length ? this.batches[lo]![0] : sent;
    return Math.max(sent, advanced);
  };
}

const pct = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const ms = (x: number | null) =>
  x === null ? '—' : x < 1000 ? `${Math.round(x)} ms` : `${(x / 1000).toFixed(2)} s`;

/** The score as a Markdown table (rules sorted by id), with the overall and honest lines. */
export function qualityMarkdown(score: QualityScore, heading: string): string {
  const lines = [
    `### ${heading}`,
    '',
    '| rule | expected | flagged | TP | FP | FN | precision | recall |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [id, r] of Object.entries(score.rules)) {
    lines.push(
      `| ${id} | ${r.expected} | ${r.flagged} | ${r.truePositives} | ${r.falsePositives} | ${r.falseNegatives} | ${pct(r.precision)} | ${pct(r.recall)} |`,
    );
  }
  const o = score.overall;
  lines.push(
    `| **all (buyers)** | ${o.expected} | ${o.flagged} | ${o.truePositives} | ${o.falsePositives} | ${o.falseNegatives} | ${pct(o.precision)} | ${pct(o.recall)} |`,
  );
  const h = score.honest;
  lines.push(
    '',
    `Honest buyers with a case: ${h.withCase} of ${h.buyers} (${h.rate === null ? '—' : `${(h.rate * 100).toFixed(2)} %`})` +
      (h.withCase
        ? ` — by profile: ${Object.entries(h.byProfile)
            .map(([p, n]) => `${p} ${n}`)
            .join(', ')}`
        : ''),
    `Detection delay (decisive event acknowledged by Kafka → evidence in PostgreSQL), ${score.delay.count} pairs: ` +
      `p50 ${ms(score.delay.p50Ms)}, p99 ${ms(score.delay.p99Ms)}, max ${ms(score.delay.maxMs)}` +
      (score.delay.early ? `; ${score.delay.early} fired before the decisive event` : ''),
  );
  const mismatches: string[] = [];
  for (const [id, r] of Object.entries(score.rules)) {
    if (r.falsePositives)
      mismatches.push(
        `- ${id}: false positives by profile: ${Object.entries(r.falsePositiveProfiles)
          .map(([p, n]) => `${p} ${n}`)
          .join(', ')}`,
      );
    if (r.falseNegatives)
      mismatches.push(
        `- ${id}: missed by profile: ${Object.entries(r.missedProfiles)
          .map(([p, n]) => `${p} ${n}`)
          .join(', ')}`,
      );
  }
  if (mismatches.length) lines.push('', 'Mismatches:', ...mismatches);
  return `${lines.join('\n')}\n`;
}
