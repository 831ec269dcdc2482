import { z } from 'zod';
import type { MarketEvent } from './market';
import { BuyerId, Instant, OrderId, SellerId } from './market';

// What Vigil itself produces: dead letters, suspicions, cases, alerts, enforcement and relief.

export const RULE_IDS = [
  'bulk-non-payment',
  'linked-account-non-payment',
  'invalid-address',
  'refund-frequency',
  'refund-only-after-delivery',
  'duplicate-return-tracking',
  'abnormal-return-goods',
  'freight-insurance-abuse',
  'linked-wrong-item-claims',
  'complaint-extortion',
  'review-extortion',
  'threat-chat',
  'complaint-spree',
  'negative-review-spree',
  'competitor-review-burst',
  'seller-label-accumulation',
] as const;
/** Stable rule ids (DESIGN.md rule catalogue; `threat-chat` is the low-severity threat alone). */
export const RuleId = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof RuleId>;

export const Severity = z.enum(['low', 'medium', 'high']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3 };

export const SubjectKind = z.enum(['buyer', 'seller', 'device', 'address']);
export const Subject = z.object({ kind: SubjectKind, id: z.string().min(1).max(200) });
export type Subject = z.infer<typeof Subject>;

/** One threshold a window crossed: "payment_timeouts_24h = 3 ≥ 3". */
export const Crossing = z.object({
  window: z.string(),
  value: z.number(),
  op: z.enum(['>=', '<=', '>', '<', '==']),
  threshold: z.number(),
});
export type Crossing = z.infer<typeof Crossing>;

export const Evidence = z.object({
  /** Window name → value at detection. */
  windows: z.record(z.string(), z.number()),
  /** The events behind the window values. */
  eventIds: z.array(z.string()),
  /** Which windows crossed which thresholds (the explanation). */
  crossed: z.array(Crossing).default([]),
  /** Matched phrases (threat snippets) or fingerprints; never raw text or addresses. */
  snippets: z.array(z.string().max(200)).optional(),
});
export type Evidence = z.infer<typeof Evidence>;

/** The data of a job on the `vigil-suspicions` queue (DESIGN.md, "Suspicions"). */
export const Suspicion = z.object({
  ruleId: RuleId,
  subject: Subject,
  buyerIds: z.array(BuyerId),
  sellerIds: z.array(SellerId),
  orderIds: z.array(OrderId),
  severity: Severity,
  evidence: Evidence,
  /** Event time of the event that triggered detection. */
  eventTime: Instant,
  /** Wall-clock time of detection. */
  detectedAt: Instant,
  /**
   * Optional: who owns each order in `orderIds`, when the detector knows it (from the events).
   * Without it the case worker attributes an order only when the suspicion names a single buyer
   * (or seller), so a seller is never told about an order that may be another seller's.
   */
  orderParties: z
    .array(z.object({ orderId: OrderId, buyerId: BuyerId, sellerId: SellerId }))
    .max(1000)
    .optional(),
});
export type Suspicion = z.infer<typeof Suspicion>;

export const SUSPICIONS_QUEUE = 'vigil-suspicions';
export const SELLER_ALERTS_QUEUE = 'vigil-seller-alerts';

/** A message that could not be processed, on `vigil.dlq.v1`. */
export const DeadLetter = z.object({
  reason: z.string(),
  code: z.string(),
  source: z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() }),
  key: z.string().nullable(),
  /** The original bytes, base64. */
  value: z.string(),
  failedAt: Instant,
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export const PENALTY_ACTIONS = {
  1: 'warning',
  2: 'real_name_verification',
  3: 'rights_stripped',
  4: 'login_suspended',
} as const;
export const PenaltyAction = z.enum([
  'warning',
  'real_name_verification',
  'rights_stripped',
  'login_suspended',
]);
export type PenaltyAction = z.infer<typeof PenaltyAction>;

/** On `vigil.enforcement.v1`, key = buyerId. `id` is the consumer's dedupe key. */
export const EnforcementApplied = z.object({
  id: z.string(),
  type: z.literal('enforcement.applied'),
  version: z.literal(1),
  occurredAt: Instant,
  caseId: z.string(),
  buyerId: BuyerId,
  level: z.number().int().min(1).max(4),
  action: PenaltyAction,
});
export type EnforcementApplied = z.infer<typeof EnforcementApplied>;

export const ReliefAction = z.enum(['exclude_after_sales_metrics', 'remove_review']);
/** On `vigil.seller-relief.v1`, key = sellerId. */
export const ReliefGranted = z.object({
  id: z.string(),
  type: z.literal('relief.granted'),
  version: z.literal(1),
  occurredAt: Instant,
  caseId: z.string(),
  sellerId: SellerId,
  buyerId: BuyerId,
  orderId: OrderId,
  actions: z.array(ReliefAction).min(1),
  reviewId: z.string().optional(),
});
export type ReliefGranted = z.infer<typeof ReliefGranted>;

/** POSTed to a seller's webhook (DESIGN.md, "Seller alerts"). */
export const SellerAlert = z.object({
  alertId: z.string(),
  sellerId: SellerId,
  buyerId: BuyerId,
  orderIds: z.array(OrderId),
  ruleId: RuleId,
  severity: Severity,
  caseId: z.string(),
  recommendedActions: z.array(z.string()),
  createdAt: Instant,
});
export type SellerAlert = z.infer<typeof SellerAlert>;

export const CaseStatus = z.enum(['open', 'confirmed', 'dismissed']);
export type CaseStatus = z.infer<typeof CaseStatus>;

/** Case JSON as the API returns it (DESIGN.md, "Case API"). */
export const Case = z.object({
  id: z.string(),
  subject: Subject,
  buyerId: z.string().nullable(),
  status: CaseStatus,
  severity: Severity,
  ruleIds: z.array(RuleId),
  sellerIds: z.array(z.string()),
  orderIds: z.array(z.string()),
  suspicionCount: z.number().int(),
  firstDetectedAt: Instant,
  lastDetectedAt: Instant,
  penaltyLevel: z.number().int().min(0).max(4),
  evidence: z.array(
    z.object({
      ruleId: RuleId,
      detectedAt: Instant,
      windows: z.record(z.string(), z.number()),
      eventIds: z.array(z.string()),
    }),
  ),
});
export type Case = z.infer<typeof Case>;

/** A suspicion with its deterministic BullMQ job id (same rule, subject and window → same id). */
export interface SuspicionJob {
  /** No ':' (BullMQ custom ids); derived from (ruleId, subject, triggering window). */
  jobId: string;
  data: Suspicion;
}

/** What a batch of valid events did to the windows. */
export interface BatchOutcome {
  suspicions: SuspicionJob[];
  /** Events whose id was already applied (redelivery): not counted again. */
  duplicates: number;
  /** Duplicates whose content differed from the first (the first wins). */
  conflicts: number;
  /** Events too far behind their window to count: dropped and counted. */
  late: number;
}

/**
 * The detector's rule engine as the Kafka consumer sees it: apply a batch of valid events (in
 * partition order) to the windows and return the suspicions they raise. Idempotent per event id;
 * throws a retriable `VigilError` when Redis is unreachable (nothing is then committed).
 */
export interface EventProcessor {
  process(events: MarketEvent[]): Promise<BatchOutcome>;
}

/** Data of a job on `vigil-seller-alerts`. */
export const SellerAlertJob = z.object({ alert: SellerAlert });
export type SellerAlertJob = z.infer<typeof SellerAlertJob>;

/**
 * Options every producer of seller alerts uses: the alert id is the job id (no double alert),
 * retries follow the alerts worker's `vigil-alert` backoff (exponential, capped at one hour) and
 * the worker gives up one day after `createdAt`; failed jobs are kept in the failed set.
 */
export const SELLER_ALERT_JOB_OPTIONS = {
  attempts: 60,
  backoff: { type: 'vigil-alert' },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: false,
} as const;
