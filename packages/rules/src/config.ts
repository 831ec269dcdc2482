import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/common';
import { SELLER_LABELS } from '@vigil/events';
import { z } from 'zod';

// Rules as configuration: every threshold and window length below is data (rules.default.json),
// validated here. Durations are written "90s", "15m", "24h", "90d" (or "250ms").

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const Duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration like "15m", "24h" or "90d"')
  .transform((s) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
    return Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  })
  .refine((ms) => ms > 0, 'duration must be positive');

const count = z.number().int().min(1);
const ratio = z.number().min(0).max(1);
const enabled = z.boolean().default(true);

export const BulkNonPaymentConfig = z.object({
  enabled,
  /** Payment-timeout cancellations counted over this window. */
  timeoutWindow: Duration,
  timeoutThreshold: count,
  /** Orders placed within this span... */
  unpaidSpan: Duration,
  /** ...each still unpaid this long after being placed... */
  unpaidAfter: Duration,
  /** ...at least this many of them. */
  unpaidThreshold: count,
  /** How long placed-and-unpaid orders are kept to be evaluated by later buyer events. */
  unpaidRetention: Duration,
  /** Severity high when the orders involve at least this many sellers. */
  highSellerThreshold: count,
});

export const DuplicateReturnTrackingConfig = z.object({
  enabled,
  /** A tracking number is remembered this long (either side of the event). */
  window: Duration,
});

export const SellerLabelAccumulationConfig = z.object({
  enabled,
  window: Duration,
  /** Labels from at least this many distinct sellers: high. */
  highSellerThreshold: count,
  /** One label of one of these: medium. */
  mediumLabels: z.array(z.enum(SELLER_LABELS)),
});

const maxRating = z.number().int().min(1).max(5);

export const LinkedAccountNonPaymentConfig = z.object({
  enabled,
  window: Duration,
  /** Distinct buyers of one device or address, each with a payment timeout in the window. */
  buyerThreshold: count,
  /** What links buyers. */
  linkBy: z.array(z.enum(['device', 'address'])).min(1),
});
export const InvalidAddressConfig = z.object({
  enabled,
  failureWindow: Duration,
  failureThreshold: count,
  failureReasons: z.array(z.enum(['address_invalid', 'recipient_unreachable', 'refused', 'other'])).min(1),
  cancelWindow: Duration,
  cancelThreshold: count,
});
export const RefundFrequencyConfig = z.object({
  enabled,
  window: Duration,
  threshold: count,
  ratioWindow: Duration,
  /** Refund requests / orders placed over ratioWindow. */
  ratio,
  minOrders: count,
});
export const RefundOnlyAfterDeliveryConfig = z.object({ enabled, window: Duration, threshold: count });
export const AbnormalReturnGoodsConfig = z.object({
  enabled,
  window: Duration,
  conditions: z.array(z.enum(['empty_package', 'missing_items', 'damaged', 'swapped_item'])).min(1),
  highThreshold: count,
});
export const FreightInsuranceAbuseConfig = z.object({
  enabled,
  window: Duration,
  threshold: count,
  /** Requested within this long after the order shipped. */
  withinShipping: Duration,
});
export const LinkedWrongItemClaimsConfig = z.object({
  enabled,
  window: Duration,
  buyerThreshold: count,
  /** Geo-located claimants count together when their positions (geohash 8) are this close. */
  maxDistanceMeters: z.number().positive(),
});
export const ExtortionConfig = z.object({
  enabled,
  /** The complaint / bad review follows the threat within this long. */
  within: Duration,
  maxRating,
});
export const ThreatChatConfig = z.object({ enabled, remember: Duration });
export const ComplaintSpreeConfig = z.object({ enabled, window: Duration, sellerThreshold: count });
export const NegativeReviewSpreeConfig = z.object({
  enabled,
  window: Duration,
  threshold: count,
  sellerThreshold: count,
  /** Share of the buyer's reviews in the window that are negative. */
  share: ratio,
  maxRating,
});
export const CompetitorReviewBurstConfig = z.object({
  enabled,
  window: Duration,
  threshold: count,
  maxRating,
  /** Reviewers with at most this many paid orders count... */
  maxPaidOrders: z.number().int().min(0),
  /** ...over this history. */
  paidHistory: Duration,
});

export const RulesConfig = z.object({
  /** Events older than the buyer's newest event time minus this are late: dropped and counted. */
  lateness: Duration,
  /** How long an event id is remembered for dedupe (≥ the Kafka retention a redelivery can come from). */
  /**
   * An event stamped more than this after the wall clock does not advance the watermark (a broken
   * producer clock must not make a buyer's real events late). Omit for no cap.
   */
  futureSkew: Duration.optional(),
  dedupeTtl: Duration,
  /** At most this many entries are kept per window (the oldest are dropped first). */
  windowCap: z.number().int().min(10).max(100_000),
  /** At most this many window entries are read back per evaluation. */
  readLimit: z.number().int().min(10).max(10_000),
  /** How long an order's lifecycle state is kept. */
  orderTtl: Duration,
  rules: z.object({
    'bulk-non-payment': BulkNonPaymentConfig,
    'duplicate-return-tracking': DuplicateReturnTrackingConfig,
    'seller-label-accumulation': SellerLabelAccumulationConfig,
    'linked-account-non-payment': LinkedAccountNonPaymentConfig,
    'invalid-address': InvalidAddressConfig,
    'refund-frequency': RefundFrequencyConfig,
    'refund-only-after-delivery': RefundOnlyAfterDeliveryConfig,
    'abnormal-return-goods': AbnormalReturnGoodsConfig,
    'freight-insurance-abuse': FreightInsuranceAbuseConfig,
    'linked-wrong-item-claims': LinkedWrongItemClaimsConfig,
    'complaint-extortion': ExtortionConfig,
    'review-extortion': ExtortionConfig,
    'threat-chat': ThreatChatConfig,
    'complaint-spree': ComplaintSpreeConfig,
    'negative-review-spree': NegativeReviewSpreeConfig,
    'competitor-review-burst': CompetitorReviewBurstConfig,
  }),
});
export type RulesConfig = z.output<typeof RulesConfig>;
/** The config as written in JSON (durations as strings). */
export type RulesConfigInput = z.input<typeof RulesConfig>;

/** Validates a parsed JSON value; throws a non-retriable VigilError naming every bad field. */
export function parseRulesConfig(json: unknown): RulesConfig {
  const parsed = RulesConfig.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new VigilError('RULES_CONFIG_INVALID', `invalid rules config:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}

/** Reads and validates a rules config file. */
export function loadRulesConfig(path: string): RulesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new VigilError('RULES_CONFIG_UNREADABLE', `cannot read rules config ${path}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new VigilError('RULES_CONFIG_INVALID', `rules config ${path} is not JSON`, { cause });
  }
  return parseRulesConfig(json);
}

/** Path of the shipped default config. */
export const DEFAULT_RULES_CONFIG_PATH = join(__dirname, '..', 'rules.default.json');

/** The shipped defaults (the DESIGN.md rule catalogue). */
export function defaultRulesConfig(): RulesConfig {
  return loadRulesConfig(DEFAULT_RULES_CONFIG_PATH);
}
