import { createHash } from 'node:crypto';
import {
  addressClusterKey,
  addressFingerprint,
  createThreatClassifier,
  DEFAULT_THREAT_CONFIG,
} from '@vigil/classify';
import { type Logger, VigilError } from '@vigil/common';
import type {
  BatchOutcome,
  EventProcessor,
  MarketEvent,
  ShippingAddress,
  Suspicion,
  SuspicionJob,
} from '@vigil/events';
import { type ApplyCall, counter, createKeys, WindowStore } from '@vigil/windows';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { parseRulesConfig, type RulesConfig } from './config';
import { type CrossPlanContext, Outcome, type PlanContext, type Rule, SubjectPlan } from './engine';
import { suspicionJobId } from './job-id';
import { planLifecycle } from './lifecycle';

import { bulkNonPayment } from './rules/bulk-non-payment';
import {
  abnormalReturnGoods,
  complaintSpree,
  freightInsuranceAbuse,
  invalidAddress,
  negativeReviewSpree,
  refundFrequency,
  refundOnlyAfterDelivery,
} from './rules/buyer-rules';
import { duplicateReturnTracking } from './rules/duplicate-return-tracking';
import { competitorReviewBurst, linkedAccountNonPayment, linkedWrongItemClaims } from './rules/linked-rules';
import { sellerLabelAccumulation } from './rules/seller-label-accumulation';
import { createThreatRules, type ThreatClassifier } from './rules/threat-rules';

/** Every rule the engine runs, in evaluation order (threat rules need the injected classifier). */
export function createRules(classifier: ThreatClassifier): Rule[] {
  return [
    bulkNonPayment,
    linkedAccountNonPayment,
    invalidAddress,
    refundFrequency,
    refundOnlyAfterDelivery,
    duplicateReturnTracking,
    abnormalReturnGoods,
    freightInsuranceAbuse,
    linkedWrongItemClaims,
    ...createThreatRules(classifier),
    complaintSpree,
    negativeReviewSpree,
    competitorReviewBurst,
    sellerLabelAccumulation,
  ];
}

/** Options of {@link createDetectorCore}. */
export interface DetectorCoreOptions {
  /** ioredis client (a normal connection; no blocking commands are used). */
  redis: Redis;
  /** Validated rules config (see `loadRulesConfig` / `parseRulesConfig`). */
  config: RulesConfig;
  /** Key prefix. Default `vigil`. */
  keyPrefix?: string;
  /** Metrics registry. Default: a private registry (metrics not exported). */
  registry?: Registry;
  /** Logger; the core logs under `component: 'rules'`. Default: no logs. */
  logger?: Logger;
  /** Wall clock for `detectedAt`, ms. Default `Date.now`. */
  now?: () => number;
  /**
   * Address fingerprint (no raw address is ever stored): links buyers for
   * linked-account-non-payment. Default: `addressFingerprint` of @vigil/classify (SHA-256).
   */
  fingerprint?: (address: ShippingAddress) => string;
  /**
   * Address cluster key ("near" addresses) for linked-wrong-item-claims. Default:
   * `addressClusterKey` of @vigil/classify (geohash 7 when the address has a geo point, else the
   * building fingerprint).
   */
  clusterKey?: (address: ShippingAddress) => string;
  /** Threat classifier for buyer chat. Default: @vigil/classify with its default phrases. */
  classifier?: ThreatClassifier;
}

export interface DetectorCore extends EventProcessor {
  /** Replaces the rules config for the next batch; throws (and keeps the old one) when invalid. */
  reloadConfig(config: unknown): void;
  /** The config in force. */
  readonly config: RulesConfig;
  /** The window store (exposes `roundTrips`). */
  readonly store: WindowStore;
}

export function defaultFingerprint(a: ShippingAddress): string {
  const norm = (s: string | undefined) =>
    (s ?? '').normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return createHash('sha256')
    .update([a.country, a.region, a.city, a.line, a.postcode].map(norm).join('|'))
    .digest('hex')
    .slice(0, 16);
}

/** Stable JSON (sorted keys) so equal events hash equally whatever their key order. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function contentHash(event: MarketEvent): string {
  return createHash('sha256').update(stableJson(event)).digest('hex').slice(0, 24);
}

/**
 * The detection core: applies a batch of events to the Redis windows in at most two pipelined
 * round trips (phase 1: one script per event on the buyer's keys; phase 2: one script per
 * cross-subject update, e.g. the tracking number's keys), then evaluates the enabled rules on the
 * values the scripts returned. A redelivered event changes no window and gets the stored values of
 * its first delivery back, so it yields the same suspicion job ids.
 */
export function createDetectorCore(options: DetectorCoreOptions): DetectorCore {
  const registry = options.registry ?? new Registry();
  const keys = createKeys(options.keyPrefix ?? 'vigil');
  const store = new WindowStore(options.redis, { registry });
  const now = options.now ?? Date.now;
  const fingerprint = options.fingerprint ?? ((a: ShippingAddress) => addressFingerprint(a));
  const clusterKey = options.clusterKey ?? ((a: ShippingAddress) => addressClusterKey(a));
  const allRules = createRules(options.classifier ?? createThreatClassifier(DEFAULT_THREAT_CONFIG));
  const log = options.logger?.child({ component: 'rules' });
  let config = options.config;

  const duplicates = counter(
    registry,
    'vigil_detector_duplicate_events_total',
    'Redelivered events (same id) not applied again',
  );
  const late = counter(
    registry,
    'vigil_detector_late_events_total',
    'Events older than the allowed lateness: dropped',
  );
  const conflicts = counter(
    registry,
    'vigil_detector_conflicting_events_total',
    'Events whose id was already applied with other content (the first wins)',
  );
  const suspicions = counter(registry, 'vigil_detector_suspicions_total', 'Suspicions raised', [
    'rule',
    'severity',
  ]);

  async function process(events: MarketEvent[]): Promise<BatchOutcome> {
    const cfg = config; // one config per batch, even if reloaded meanwhile
    const rules = allRules.filter((r) => r.enabled(cfg));
    const stamp = (event: MarketEvent) => {
      const t = Date.parse(event.occurredAt);
      if (!Number.isFinite(t)) {
        throw new VigilError('EVENT_TIME_INVALID', `event ${event.id} has no valid occurredAt`);
      }
      return t;
    };
    const times = events.map(stamp);
    const maxWatermark = cfg.futureSkew === undefined ? undefined : now() + cfg.futureSkew;

    // Phase 1: the buyer's own windows, one script per event, one pipeline.
    const buyerPlans = events.map((event, i) => {
      const plan = new SubjectPlan(keys.buyer(event.buyerId));
      const ctx: PlanContext = {
        event,
        t: times[i]!,
        config: cfg,
        keys,
        buyer: plan,
        fingerprint,
        clusterKey,
      };
      planLifecycle(ctx);
      for (const rule of rules) rule.planBuyer?.(ctx);
      return plan;
    });
    const buyerResults = await store.apply(
      events.map((event, i) => toCall(event, times[i]!, buyerPlans[i]!, cfg.lateness, cfg, maxWatermark)),
      'buyer',
    );
    const buyerOutcomes = buyerResults.map((r, i) => new Outcome(buyerPlans[i]!, r));

    // Phase 2: other subjects' keys (tracking numbers, ...), planned with phase-1 outputs.
    const crossPlans = events.map((event, i) => {
      const plans = new Map<string, SubjectPlan>();
      const outcome = buyerOutcomes[i]!;
      if (outcome.status === 'late' || outcome.status === 'conflict') return plans;
      const ctx: CrossPlanContext = {
        event,
        t: times[i]!,
        config: cfg,
        keys,
        buyer: buyerPlans[i]!,
        fingerprint,
        clusterKey,
        buyerOutcome: outcome,
        cross(name, subjectKeys) {
          let p = plans.get(name);
          if (!p) {
            p = new SubjectPlan(subjectKeys);
            plans.set(name, p);
          }
          return p;
        },
      };
      for (const rule of rules) rule.planCross?.(ctx);
      return plans;
    });
    const crossCalls: ApplyCall[] = [];
    const crossIndex: Array<{ event: number; name: string; plan: SubjectPlan }> = [];
    crossPlans.forEach((plans, i) => {
      for (const [name, plan] of plans) {
        if (plan.empty) continue;
        // Lateness was decided on the buyer; other subjects never call an event late.
        crossCalls.push(toCall(events[i]!, times[i]!, plan, -1, cfg, maxWatermark));
        crossIndex.push({ event: i, name, plan });
      }
    });
    const crossResults = await store.apply(crossCalls, 'cross');
    const crossOutcomes = events.map(() => new Map<string, Outcome>());
    crossResults.forEach((r, j) => {
      const { event, name, plan } = crossIndex[j]!;
      crossOutcomes[event]!.set(name, new Outcome(plan, r));
    });

    // Evaluate.
    const outcome: BatchOutcome = { suspicions: [], duplicates: 0, conflicts: 0, late: 0 };
    const seen = new Set<string>();
    const detectedAt = new Date(now()).toISOString();
    events.forEach((event, i) => {
      const buyer = buyerOutcomes[i]!;
      if (buyer.status === 'late') {
        outcome.late++;
        late.inc();
        log?.warn({ eventId: event.id, type: event.type }, 'late event dropped');
        return;
      }
      if (buyer.status === 'conflict') {
        outcome.conflicts++;
        outcome.duplicates++;
        conflicts.inc();
        duplicates.inc();
        log?.warn({ eventId: event.id, type: event.type }, 'event id reused with other content; first wins');
        return;
      }
      if (buyer.status === 'dup') {
        outcome.duplicates++;
        duplicates.inc();
      }
      for (const rule of rules) {
        for (const f of rule.evaluate({
          event,
          t: times[i]!,
          config: cfg,
          buyer,
          cross: crossOutcomes[i]!,
        })) {
          const jobId = suspicionJobId(f.ruleId, f.subject, f.trigger);
          if (seen.has(jobId)) continue;
          seen.add(jobId);
          const data: Suspicion = {
            ruleId: f.ruleId,
            subject: f.subject,
            buyerIds: f.buyerIds,
            sellerIds: f.sellerIds,
            orderIds: f.orderIds,
            orderParties: f.orderParties,
            severity: f.severity,
            evidence: {
              windows: f.windows,
              eventIds: f.eventIds,
              crossed: f.crossed,
              ...(f.snippets ? { snippets: f.snippets } : {}),
            },
            eventTime: event.occurredAt,
            detectedAt,
          };
          const job: SuspicionJob = { jobId, data };
          outcome.suspicions.push(job);
          // Counted on every emission, redeliveries included: the queue dedupes by job id.
          suspicions.inc({ rule: f.ruleId, severity: f.severity });
        }
      }
    });
    return outcome;
  }

  return {
    process,
    store,
    get config() {
      return config;
    },
    reloadConfig(next: unknown) {
      // parseRulesConfig throws with every bad field named; the old config then stays in force.
      config = parseRulesConfig(next);
      log?.info('rules config reloaded');
    },
  };
}

function toCall(
  event: MarketEvent,
  t: number,
  plan: SubjectPlan,
  latenessMs: number,
  cfg: RulesConfig,
  maxWatermark: number | undefined,
): ApplyCall {
  return {
    subject: plan.keys,
    eventId: event.id,
    contentHash: contentHash(event),
    eventTime: t,
    latenessMs,
    dedupeTtlMs: cfg.dedupeTtl,
    metaTtlMs: Math.max(cfg.dedupeTtl, cfg.orderTtl),
    ...(maxWatermark === undefined ? {} : { maxWatermark }),
    ops: plan.ops,
  };
}
