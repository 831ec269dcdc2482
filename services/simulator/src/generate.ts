import type { MarketEvent, RuleId } from '@vigil/events';
import { Rng } from './prng';
import {
  ABUSIVE_PROFILES,
  type AbusiveProfile,
  DEFAULT_HONEST_WEIGHTS,
  HONEST_PROFILES,
  type HonestProfile,
  PROFILES,
  type ProfileName,
} from './profiles';
import { DAY, Sim, type Trigger } from './sim';
import { AddressBook, Catalogue } from './world';

/** Options of {@link generate}. Same options (including `end`) → byte-identical output. */
export interface GenerateOptions {
  /** PRNG seed. Default `1`. */
  seed?: number | string;
  /** Buyer accounts to simulate. Default 2000. */
  buyers?: number;
  /** Sellers in the catalogue (at least 10). Default 200. */
  sellers?: number;
  /** Length of the simulated span in days. Default 30. */
  days?: number;
  /** The last instant of the span (events after it are not emitted). Default: now. */
  end?: Date | number;
  /** Share of buyer accounts that are abusive, 0–1. Default 0.03. */
  abusiveRate?: number;
  /** Relative weights of the honest profiles (accounts). Default {@link DEFAULT_HONEST_WEIGHTS}. */
  honestWeights?: Partial<Record<HonestProfile, number>>;
  /** Relative weights of the abusive profiles (instances). Default 1 each. */
  abusiveWeights?: Partial<Record<AbusiveProfile, number>>;
}

/** One rule that should fire for a buyer, and the event after which its trigger is met. */
export interface TruthTrigger {
  ruleId: RuleId;
  eventId: string;
  /** Event time of `eventId`. */
  at: string;
  /** When the trigger is met: `at`, or later for a time-based condition ("unpaid after 15 min"). */
  triggerAt: string;
  subject?: { kind: 'buyer' | 'seller' | 'device' | 'address'; id: string };
}

/** Ground truth for one buyer account (one line of the truth file). */
export interface GroundTruth {
  buyerId: string;
  profile: ProfileName;
  abusive: boolean;
  /** Rule ids that SHOULD fire for this buyer (whose decisive event lies inside the span). */
  rules: RuleId[];
  /** The profile's main rule's decisive event (absent for honest buyers). */
  decisiveEventId?: string;
  decisiveAt?: string;
  triggerAt?: string;
  triggers: TruthTrigger[];
  /** For competitor-review-burst: the victim seller (the rule's subject). */
  victimSellerId?: string;
}

export interface Simulation {
  /** Every event, in event-time order (ties in creation order). */
  events: MarketEvent[];
  /** One entry per buyer account. */
  truth: GroundTruth[];
  start: Date;
  end: Date;
  /** The run tag inside every id (derived from the seed). */
  tag: string;
}

interface Planned {
  profile: ProfileName;
  accounts: number;
}

/** Plans the accounts: abusive ones first up to the rate, honest ones for the rest. */
function plan(
  rng: Rng,
  total: number,
  opts: Required<Pick<GenerateOptions, 'abusiveRate'>> & GenerateOptions,
) {
  const planned: Planned[] = [];
  const abusiveTarget = Math.round(total * opts.abusiveRate);
  const aw = Object.fromEntries(
    (Object.keys(ABUSIVE_PROFILES) as AbusiveProfile[]).map((p) => [p, opts.abusiveWeights?.[p] ?? 1]),
  ) as Record<AbusiveProfile, number>;
  // Smooth weighted round-robin from a shuffled start: every profile appears as soon as the quota
  // allows, in proportion to its weight, and different seeds start with different profiles.
  const order = rng.shuffle((Object.keys(aw) as AbusiveProfile[]).filter((p) => aw[p] > 0));
  const wTotal = order.reduce((s, p) => s + aw[p], 0);
  const credit = new Map(order.map((p) => [p, 0]));
  let abusive = 0;
  let stalls = 0;
  while (abusive < abusiveTarget && order.length > 0 && stalls < order.length * 2) {
    for (const p of order) credit.set(p, credit.get(p)! + aw[p]);
    const p = order.reduce((best, q) => (credit.get(q)! > credit.get(best)! ? q : best), order[0]!);
    credit.set(p, credit.get(p)! - wTotal);
    const [min, max] = ABUSIVE_PROFILES[p].accounts;
    const left = abusiveTarget - abusive;
    if (min > left) {
      stalls++;
      continue;
    }
    stalls = 0;
    const n = Math.min(rng.int(min, max), left);
    planned.push({ profile: p, accounts: n });
    abusive += n;
  }
  // Weights are shares of accounts; a profile with several accounts per instance is drawn less often.
  const hw = Object.fromEntries(
    Object.entries({ ...DEFAULT_HONEST_WEIGHTS, ...opts.honestWeights }).map(([p, w]) => {
      const [min, max] = HONEST_PROFILES[p as HonestProfile].accounts;
      return [p, (w ?? 0) / ((min + max) / 2)];
    }),
  ) as Record<HonestProfile, number>;
  let honest = 0;
  while (abusive + honest < total) {
    const left = total - abusive - honest;
    let p = rng.weighted(hw);
    const [min, max] = HONEST_PROFILES[p].accounts;
    if (min > left) p = 'ordinary';
    const n = p === 'ordinary' ? 1 : Math.min(rng.int(min, max), left);
    planned.push({ profile: p, accounts: n });
    honest += n;
  }
  return planned;
}

/**
 * Generates a marketplace's traffic: honest and abusive buyers over a span of event time, with
 * ground truth kept apart from the events. Deterministic: everything is drawn from one seeded PRNG.
 */
export function generate(options: GenerateOptions = {}): Simulation {
  const seed = options.seed ?? 1;
  const total = options.buyers ?? 2000;
  const sellerCount = options.sellers ?? 200;
  const days = options.days ?? 30;
  const abusiveRate = options.abusiveRate ?? 0.03;
  if (!Number.isInteger(total) || total < 1) throw new RangeError('buyers must be a positive integer');
  if (!Number.isInteger(sellerCount) || sellerCount < 10)
    throw new RangeError('sellers must be an integer ≥ 10');
  if (!(days > 0)) throw new RangeError('days must be positive');
  if (!(abusiveRate >= 0 && abusiveRate <= 1)) throw new RangeError('abusiveRate must be within [0, 1]');
  const endMs = options.end === undefined ? Date.now() : new Date(options.end).getTime();
  if (!Number.isFinite(endMs)) throw new RangeError('end must be a valid instant');
  const startMs = endMs - days * DAY;

  const root = new Rng(`vigil-simulator:${seed}`);
  const tag = root.fork('tag').nextU32().toString(36).padStart(7, '0');
  const sim = new Sim(tag);
  const catalogue = new Catalogue(root.fork('catalogue'), sellerCount, tag);
  const addresses = new AddressBook();
  const planned = plan(root.fork('plan'), total, { ...options, abusiveRate });

  // Opaque buyer ids: a shuffled numbering, so an id says nothing about its profile.
  const width = String(total).length;
  const numbers = root.fork('ids').shuffle(Array.from({ length: total }, (_, i) => i + 1));
  let next = 0;
  const truth: GroundTruth[] = [];
  planned.forEach((p, i) => {
    const spec = PROFILES[p.profile];
    const ids = numbers
      .slice(next, next + p.accounts)
      .map((n) => `b-${tag}-${String(n).padStart(width, '0')}`);
    next += p.accounts;
    // One child PRNG per instance: a change inside one profile does not reshuffle the others.
    const rng = root.fork(`actor:${i}`);
    const latest = Math.max(startMs, endMs - spec.durationMs);
    const t0 = spec.abusive ? rng.real(startMs, latest) : startMs;
    const triggers = spec.run({ sim, rng, catalogue, addresses, ids, start: startMs, end: endMs, t0, tag });
    for (const id of ids) {
      truth.push(toTruth(id, p.profile, spec.abusive, triggers.get(id) ?? [], endMs));
    }
  });

  const log = sim.log.filter((s) => s.at <= endMs && s.at >= startMs);
  log.sort((a, b) => a.at - b.at || a.seq - b.seq);
  truth.sort((a, b) => (a.buyerId < b.buyerId ? -1 : a.buyerId > b.buyerId ? 1 : 0));
  return { events: log.map((s) => s.event), truth, start: new Date(startMs), end: new Date(endMs), tag };
}

function toTruth(
  buyerId: string,
  profile: ProfileName,
  abusive: boolean,
  triggers: Trigger[],
  endMs: number,
) {
  const kept: TruthTrigger[] = [];
  for (const t of triggers) {
    const at = Date.parse(t.event.occurredAt);
    // A trigger whose decisive event falls after the span's end does not happen in this run.
    if (at > endMs) continue;
    kept.push({
      ruleId: t.ruleId,
      eventId: t.event.id,
      at: t.event.occurredAt,
      triggerAt: new Date(at + (t.delayMs ?? 0)).toISOString(),
      ...(t.subject ? { subject: t.subject } : {}),
    });
  }
  const main = kept.find((t) => t.ruleId === profile) ?? kept[0];
  const victim = kept.find((t) => t.subject?.kind === 'seller')?.subject?.id;
  const out: GroundTruth = {
    buyerId,
    profile,
    abusive,
    rules: [...new Set(kept.map((t) => t.ruleId))],
    ...(main ? { decisiveEventId: main.eventId, decisiveAt: main.at, triggerAt: main.triggerAt } : {}),
    triggers: kept,
    ...(victim ? { victimSellerId: victim } : {}),
  };
  return out;
}
