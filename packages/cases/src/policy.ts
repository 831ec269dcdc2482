import {
  PENALTY_ACTIONS,
  type PenaltyAction,
  type RuleId,
  SEVERITY_RANK,
  type Severity,
} from '@vigil/events';

/** Rules whose subject is the seller, as victim: their case is the seller's, not a buyer's. */
export const SELLER_VICTIM_RULES: readonly RuleId[] = ['competitor-review-burst'];

/** Rules about reviews: relief on confirmation also removes the review and its rating. */
export const REVIEW_RULES: readonly RuleId[] = [
  'review-extortion',
  'negative-review-spree',
  'competitor-review-burst',
];

/** The higher of two severities ("severity is the highest seen"). */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** `existing` followed by the items of `added` it does not hold yet, first-appearance order kept. */
export function unionOrdered<T>(existing: readonly T[], added: readonly T[]): T[] {
  const out = [...existing];
  const seen = new Set(existing);
  for (const x of added) {
    if (!seen.has(x)) {
      seen.add(x);
      out.push(x);
    }
  }
  return out;
}

/** When a case confirms itself without an operator. */
export interface AutoConfirmPolicy {
  /** Master switch. Default true. */
  enabled: boolean;
  /** Confirm once this many DISTINCT rules raised a high-severity suspicion on the case. Default 2. */
  minDistinctHighRules: number;
  /** Any suspicion of one of these rules confirms the case. Default ['duplicate-return-tracking']. */
  alwaysConfirmRules: readonly RuleId[];
}

export const DEFAULT_AUTO_CONFIRM_POLICY: AutoConfirmPolicy = {
  enabled: true,
  minDistinctHighRules: 2,
  alwaysConfirmRules: ['duplicate-return-tracking'],
};

/**
 * Decides whether an open case confirms itself. `highRules` are the distinct rules that raised a
 * high-severity suspicion on it, `rules` every rule on it. Returns the reason, or null.
 */
export function autoConfirmReason(
  policy: AutoConfirmPolicy,
  rules: readonly string[],
  highRules: readonly string[],
): string | null {
  if (!policy.enabled) return null;
  const always = rules.filter((r) => (policy.alwaysConfirmRules as readonly string[]).includes(r));
  if (always.length > 0) return `rule ${always.join(',')} confirms on sight`;
  const distinctHigh = new Set(highRules);
  if (policy.minDistinctHighRules > 0 && distinctHigh.size >= policy.minDistinctHighRules) {
    return `${distinctHigh.size} distinct high-severity rules (${[...distinctHigh].sort().join(',')})`;
  }
  return null;
}

/** The top of the ladder; further confirmed cases repeat it. */
export const MAX_PENALTY_LEVEL = 4;

/**
 * The ladder step for a buyer's `confirmedCount`-th confirmed case (1-based): 1 warning,
 * 2 real-name verification, 3 rights stripped, 4 and beyond login suspended.
 */
export function penaltyFor(confirmedCount: number): { level: 1 | 2 | 3 | 4; action: PenaltyAction } {
  if (!Number.isInteger(confirmedCount) || confirmedCount < 1) {
    throw new RangeError(`confirmed-case count must be an integer ≥ 1, got ${confirmedCount}`);
  }
  const level = Math.min(confirmedCount, MAX_PENALTY_LEVEL) as 1 | 2 | 3 | 4;
  return { level, action: PENALTY_ACTIONS[level] };
}

/** Relief actions for one (seller, order) given the rules that referenced the order. */
export function reliefActions(rules: readonly string[]): ('exclude_after_sales_metrics' | 'remove_review')[] {
  const review = rules.some((r) => (REVIEW_RULES as readonly string[]).includes(r));
  return review ? ['exclude_after_sales_metrics', 'remove_review'] : ['exclude_after_sales_metrics'];
}
