import type { Crossing, Severity, Subject } from '@vigil/events';
import type { RulesConfig } from '../config';
import { type Finding, member, type Outcome, type SubjectPlan } from '../engine';
import { attributeOrders } from '../parties';
import { type Entry, firstCrossingSpan, firstDistinctSpan, unique } from '../span';

// Shared building blocks of the count-style rules: an event window whose members are
// [eventId, sellerId, orderId, ...extra], read back over [t − L, t + L].

export interface EventEntry extends Entry {
  orderId: string;
  extra: string[];
}

type Condition = { key: string; field: string; op: 'eq' | 'ge' | 'le'; value: string | number };

export function addEvent(
  plan: SubjectPlan,
  config: RulesConfig,
  window: string,
  t: number,
  lengthMs: number,
  fields: [string, string, string, ...string[]],
  onlyIf?: Condition[],
): void {
  plan.write({
    op: 'zadd',
    key: plan.keys.window(window),
    member: member(...fields),
    score: t,
    retentionMs: lengthMs + config.lateness,
    cap: config.windowCap,
    ttlMs: lengthMs + config.lateness,
    ...(onlyIf ? { onlyIf } : {}),
  });
}

export function readAround(
  plan: SubjectPlan,
  config: RulesConfig,
  readName: string,
  window: string,
  t: number,
  lengthMs: number,
  after = lengthMs,
): void {
  plan.read(readName, {
    op: 'zrange',
    key: plan.keys.window(window),
    from: t - lengthMs,
    to: t + after,
    limit: config.readLimit,
  });
}

/** Party of an entry of a buyer's own window: the buyer is the subject, the seller is the entry's. */
export function buyerParty(buyerId: string): SpanFindingArgs['partyOf'] {
  return (e) => ({ buyerId, sellerId: e.sellerId });
}

export function eventEntries(outcome: Outcome, readName: string): EventEntry[] {
  return outcome.zset(readName).map(({ fields: [id = '', sellerId = '', orderId = '', ...extra], time }) => ({
    id,
    sellerId,
    orderId,
    extra,
    time,
  }));
}

interface SpanFindingArgs {
  ruleId: Finding['ruleId'];
  subject: Subject;
  entries: EventEntry[];
  eventId: string;
  length: number;
  threshold: number;
  windowName: string;
  severity: Severity;
  buyerIds: string[];
  /**
   * The buyer and seller of an entry's order, from the entry itself or the rule's context
   * (undefined when the entry does not say: the order is then not attributed).
   */
  partyOf: (e: EventEntry) => { buyerId: string | undefined; sellerId: string | undefined };
  /** Count distinct sellers (or whatever `sellerId` holds) instead of entries. */
  distinct?: boolean;
  /**
   * Also raise when a NEW member (its first entry in the span; the member is what `sellerId`
   * holds) joins a span that already crossed, so every linked account is named (one job per
   * joining member, named by the crossing's evidence plus its own event). Works for distinct
   * counts (linked accounts) and entry counts (a smear burst's later reviewers).
   */
  fireOnNewMember?: boolean;
}

/**
 * "≥ threshold entries (or distinct sellers) in a span of `length` containing this event", raised
 * only by an event of the evidence (the first `threshold` entries): one job per episode.
 */
export function spanFinding(a: SpanFindingArgs): Finding[] {
  const hit = a.distinct
    ? firstDistinctSpan(a.entries, a.length, a.threshold, a.eventId)
    : firstCrossingSpan(a.entries, a.length, a.threshold, a.eventId);
  if (!hit) return [];
  const inEvidence = hit.evidence.some((e) => e.id === a.eventId);
  const me = hit.span.find((e) => e.id === a.eventId);
  const joins =
    !inEvidence &&
    a.fireOnNewMember === true &&
    me !== undefined &&
    hit.span.find((e) => e.sellerId === me.sellerId)?.id === me.id;
  if (!inEvidence && !joins) return [];
  const value = a.distinct ? unique(hit.span.map((e) => e.sellerId)).length : hit.span.length;
  const crossed: Crossing[] = [{ window: a.windowName, value, op: '>=', threshold: a.threshold }];
  const orderIds = unique(hit.span.map((e) => e.orderId).filter((o) => o !== ''));
  return [
    {
      ruleId: a.ruleId,
      subject: a.subject,
      trigger: joins ? [...hit.evidence.map((e) => e.id), a.eventId] : hit.evidence.map((e) => e.id),
      severity: a.severity,
      buyerIds: a.buyerIds,
      sellerIds: unique(hit.span.map((e) => e.sellerId)),
      orderIds,
      orderParties: attributeOrders(
        orderIds,
        hit.span.map((e) => ({ orderId: e.orderId, ...a.partyOf(e) })),
      ),
      windows: { [a.windowName]: value },
      eventIds: hit.span.map((e) => e.id),
      crossed,
    },
  ];
}
