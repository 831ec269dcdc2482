import type { Crossing, MarketEvent, RuleId, Severity, ShippingAddress, Subject } from '@vigil/events';
import type { ApplyResult, HRead, Keys, SubjectKeys, WindowOp, ZRead } from '@vigil/windows';
import type { RulesConfig } from './config';
import type { OrderParty } from './parties';

/** What a rule found: becomes one suspicion job. */
export interface Finding {
  ruleId: RuleId;
  subject: Subject;
  /** Identifies the triggering window (e.g. its evidence ids): the job id is derived from it. */
  trigger: unknown;
  severity: Severity;
  buyerIds: string[];
  sellerIds: string[];
  orderIds: string[];
  /**
   * Buyer and seller of each order of `orderIds` the engine can attribute from what it read (see
   * `attributeOrders`); never part of the job id.
   */
  orderParties: OrderParty[];
  windows: Record<string, number>;
  eventIds: string[];
  crossed: Crossing[];
  snippets?: string[];
}

/** The operations one event makes on one subject: writes first, then the named reads. */
export class SubjectPlan {
  readonly writes: WindowOp[] = [];
  readonly #writeSigs = new Set<string>();
  readonly reads: Array<{ name: string; op: WindowOp }> = [];

  constructor(readonly keys: SubjectKeys) {}

  write(op: WindowOp): void {
    const sig = JSON.stringify(op);
    if (this.#writeSigs.has(sig)) return;
    this.#writeSigs.add(sig);
    this.writes.push(op);
  }

  read(name: string, op: Extract<WindowOp, { op: 'zrange' | 'hgetall' }>): void {
    if (!this.reads.some((r) => r.name === name)) this.reads.push({ name, op: { ...op, name } });
  }

  get ops(): WindowOp[] {
    return [...this.writes, ...this.reads.map((r) => r.op)];
  }

  get empty(): boolean {
    return this.writes.length === 0 && this.reads.length === 0;
  }
}

/** A subject's result, with reads by name. */
export class Outcome {
  constructor(
    readonly plan: SubjectPlan,
    readonly result: ApplyResult,
  ) {}

  get status() {
    return this.result.status;
  }

  get prevWatermark() {
    return this.result.prevWatermark;
  }

  #read(name: string): ZRead | HRead | null {
    return this.result.reads[name] ?? null;
  }

  /** Entries of a zrange read, members JSON-decoded (arrays of strings). */
  zset(name: string): Array<{ fields: string[]; time: number }> {
    const r = this.#read(name);
    if (r?.kind !== 'z') return [];
    const out: Array<{ fields: string[]; time: number }> = [];
    for (const item of r.items) {
      const fields = decodeMember(item.member);
      if (fields) out.push({ fields, time: item.score });
    }
    return out;
  }

  /** Count of a zrange read (0 when absent). */
  zcount(name: string): number {
    const r = this.#read(name);
    return r && r.kind === 'z' ? r.count : 0;
  }

  hash(name: string): Record<string, string> {
    const r = this.#read(name);
    return r && r.kind === 'h' ? r.fields : {};
  }
}

/** Window members are JSON arrays of strings: ids may contain any character. */
export function member(...fields: string[]): string {
  return JSON.stringify(fields);
}

function decodeMember(raw: string): string[] | null {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  } catch {
    return null; // not ours: ignored rather than trusted
  }
}

/** Everything a rule may use when planning. */
export interface PlanContext {
  event: MarketEvent;
  /** Event time, ms. */
  t: number;
  config: RulesConfig;
  keys: Keys;
  buyer: SubjectPlan;
  fingerprint: (address: ShippingAddress) => string;
  clusterKey: (address: ShippingAddress) => string;
}

/** Planning cross-subject work (phase 2), with the buyer's phase-1 outcome. */
export interface CrossPlanContext extends PlanContext {
  buyerOutcome: Outcome;
  /** The plan for another subject's keys, created on first use under `name`. */
  cross(name: string, keys: SubjectKeys): SubjectPlan;
}

export interface EvalContext {
  event: MarketEvent;
  t: number;
  config: RulesConfig;
  buyer: Outcome;
  cross: Map<string, Outcome>;
}

/** A rule of the catalogue. */
export interface Rule {
  id: RuleId;
  enabled(config: RulesConfig): boolean;
  planBuyer?(ctx: PlanContext): void;
  planCross?(ctx: CrossPlanContext): void;
  evaluate(ctx: EvalContext): Finding[];
}

/** "24h", "90d", "30m": window names in evidence carry their configured length. */
export function fmtDuration(ms: number): string {
  const DAY = 86_400_000;
  // Days from a week up, hours below (24h, 48h, 72h, 7d, 90d: as the catalogue writes them).
  if (ms % DAY === 0 && ms >= 7 * DAY) return `${ms / DAY}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
