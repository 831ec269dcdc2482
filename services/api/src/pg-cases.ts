import { isRetriableDbError } from '@vigil/cases';
import { VigilError } from '@vigil/common';
import { RuleId, Severity } from '@vigil/events';
import type { Pool } from 'pg';
import { z } from 'zod';
import type {
  BuyerCaseSummary,
  CaseFilter,
  CasePage,
  CaseRepository,
  DecideInput,
  DecideOutcome,
  LabelOutcomes,
  StoredCase,
  StoredEvidence,
} from './cases-repository';

/**
 * The case worker's decision function (`decideCase` from @vigil/cases). Throws an error with
 * code `CASE_NOT_FOUND`, or `CASE_ALREADY_DECIDED` (with `status`) when the case is not open.
 */
export type DecideFn = (
  db: Pool,
  caseId: string,
  input: { decision: 'confirm' | 'dismiss'; note?: string; actor: string },
) => Promise<unknown>;

const CaseRowSchema = z.object({
  id: z.string(),
  subject_kind: z.enum(['buyer', 'seller']),
  subject_id: z.string(),
  buyer_id: z.string().nullable(),
  status: z.enum(['open', 'confirmed', 'dismissed']),
  severity: Severity,
  rule_ids: z.array(RuleId),
  seller_ids: z.array(z.string()),
  order_ids: z.array(z.string()),
  suspicion_count: z.number().int(),
  first_detected_at: z.date(),
  last_detected_at: z.date(),
  penalty_level: z.number().int(),
  /** created_at in microseconds since the epoch, as text (exact; a JS Date would lose µs). */
  created_us: z.string().regex(/^-?\d+$/),
});
type CaseRowParsed = z.infer<typeof CaseRowSchema>;

const EvidenceRowSchema = z.object({
  case_id: z.string(),
  rule_id: RuleId,
  detected_at: z.date(),
  windows: z.record(z.string(), z.number()),
  event_ids: z.array(z.string()),
  seller_ids: z.array(z.string()),
  order_ids: z.array(z.string()),
});

const CASE_COLUMNS = `c.id::text AS id, c.subject_kind, c.subject_id, c.buyer_id, c.status, c.severity, c.rule_ids,
  c.seller_ids, c.order_ids, c.suspicion_count, c.first_detected_at, c.last_detected_at, c.penalty_level,
  (extract(epoch FROM c.created_at) * 1000000)::bigint::text AS created_us`;

/** List key: `<created_at µs>|<id>`; the list is ordered by it, descending. */
const ListKey = z.string().regex(/^-?\d{1,20}\|[0-9a-f-]{36}$/);

/**
 * Reads the case worker's tables (migration 010_cases.sql) and decides through its `decideCase`.
 *
 * List order: (created_at DESC, id DESC) — newest case first. Both columns are immutable once a
 * case exists, and the pair is unique, so the order is total and a case never moves: a keyset
 * walk (`WHERE (created_at, id) < cursor`) returns every case that existed when the walk began
 * exactly once, however many cases are inserted or updated meanwhile. Cases created during the
 * walk sort before its first page and are seen by the next walk. (last_detected_at would be a
 * poor key: every new suspicion moves a case, so a walk could skip or repeat it.)
 */
export class PgCaseRepository implements CaseRepository {
  constructor(
    private readonly db: Pool,
    private readonly decideFn: DecideFn,
  ) {}

  async list(filter: CaseFilter, limit: number, after?: string): Promise<CasePage> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => {
      args.push(v);
      return `$${args.length}`;
    };
    if (filter.status) where.push(`c.status = ${arg(filter.status)}`);
    if (filter.buyerId) {
      const p = arg(filter.buyerId);
      where.push(`(c.buyer_id = ${p} OR c.buyer_ids @> ARRAY[${p}]::text[])`);
    }
    if (filter.sellerId) where.push(`c.seller_ids @> ARRAY[${arg(filter.sellerId)}]::text[]`);
    if (filter.ruleId) where.push(`c.rule_ids @> ARRAY[${arg(filter.ruleId)}]::text[]`);
    if (filter.involvingSeller) {
      const p = arg(filter.involvingSeller);
      where.push(
        `c.seller_ids @> ARRAY[${p}]::text[] AND (c.subject_kind <> 'seller' OR c.subject_id = ${p})`,
      );
    }
    if (after !== undefined) {
      const key = ListKey.safeParse(after);
      if (!key.success) throw new VigilError('BAD_LIST_KEY', 'malformed list key');
      const [us, id] = key.data.split('|') as [string, string];
      where.push(
        `(c.created_at, c.id) < (timestamptz 'epoch' + ${arg(us)}::bigint * interval '1 microsecond', ${arg(id)}::uuid)`,
      );
    }
    const sql = `SELECT ${CASE_COLUMNS} FROM cases c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c.created_at DESC, c.id DESC LIMIT ${arg(limit + 1)}`;
    const rows = await this.query('list cases', sql, args);
    const parsed = rows.map((r) => parseRow(CaseRowSchema, r));
    const more = parsed.length > limit;
    const pageRows = more ? parsed.slice(0, limit) : parsed;
    const items = await this.withEvidence(pageRows);
    const last = pageRows[pageRows.length - 1];
    return more && last ? { items, nextAfter: `${last.created_us}|${last.id}` } : { items };
  }

  async get(id: string): Promise<StoredCase | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.query('get case', `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = $1::uuid`, [
      id,
    ]);
    if (rows.length === 0) return null;
    const [c] = await this.withEvidence([parseRow(CaseRowSchema, rows[0])]);
    return c ?? null;
  }

  async decide(id: string, input: DecideInput): Promise<DecideOutcome> {
    if (!UUID.test(id)) return { outcome: 'not_found' };
    try {
      await this.decideFn(this.db, id, input);
      return { outcome: 'decided' };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'CASE_NOT_FOUND') return { outcome: 'not_found' };
      if (code === 'CASE_ALREADY_DECIDED') {
        const status = (err as { status?: unknown }).status;
        return { outcome: 'already_decided', status: typeof status === 'string' ? status : 'decided' };
      }
      throw err;
    }
  }

  async buyerSummary(buyerId: string): Promise<BuyerCaseSummary> {
    const [open, penalty, confirmed] = await Promise.all([
      this.query(
        'open case of buyer',
        `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.subject_kind = 'buyer' AND c.subject_id = $1 AND c.status = 'open'`,
        [buyerId],
      ),
      this.query(
        'penalty of buyer',
        'SELECT coalesce(max(level), 0)::int AS level FROM enforcements WHERE buyer_id = $1',
        [buyerId],
      ),
      this.query(
        'confirmed cases of buyer',
        `SELECT count(*)::int AS n FROM cases c
         WHERE c.status = 'confirmed' AND (c.buyer_id = $1 OR c.buyer_ids @> ARRAY[$1]::text[])`,
        [buyerId],
      ),
    ]);
    const openCase = open.length
      ? ((await this.withEvidence([parseRow(CaseRowSchema, open[0])]))[0] ?? null)
      : null;
    return {
      openCase,
      penaltyLevel: parseRow(z.object({ level: z.number().int() }), penalty[0]).level,
      confirmedCases: parseRow(z.object({ n: z.number().int() }), confirmed[0]).n,
    };
  }

  async labelOutcomes(eventIds: string[]): Promise<LabelOutcomes> {
    const out: LabelOutcomes = { casesContributed: 0, confirmed: 0, dismissed: 0, open: 0 };
    if (eventIds.length === 0) return out;
    const rows = await this.query(
      'label outcomes',
      `SELECT c.status, count(*)::int AS n FROM cases c
       WHERE EXISTS (SELECT 1 FROM case_evidence e WHERE e.case_id = c.id AND e.event_ids && $1::text[])
       GROUP BY c.status`,
      [eventIds],
    );
    for (const r of rows) {
      const row = parseRow(
        z.object({ status: z.enum(['open', 'confirmed', 'dismissed']), n: z.number().int() }),
        r,
      );
      out[row.status] = row.n;
      out.casesContributed += row.n;
    }
    return out;
  }

  private async withEvidence(rows: CaseRowParsed[]): Promise<StoredCase[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const [ev, owners] = await Promise.all([
      this.query(
        'case evidence',
        `SELECT case_id::text AS case_id, rule_id, detected_at, windows, event_ids, seller_ids, order_ids
         FROM case_evidence WHERE case_id = ANY($1::uuid[]) ORDER BY case_id, detected_at, id`,
        [ids],
      ),
      this.query(
        'case orders',
        `SELECT case_id::text AS case_id, order_id, seller_id FROM case_orders
         WHERE case_id = ANY($1::uuid[]) AND seller_id IS NOT NULL`,
        [ids],
      ),
    ]);
    const evidence = new Map<string, StoredEvidence[]>();
    for (const raw of ev) {
      const e = parseRow(EvidenceRowSchema, raw);
      const list = evidence.get(e.case_id) ?? [];
      list.push({
        ruleId: e.rule_id,
        detectedAt: e.detected_at.toISOString(),
        windows: e.windows,
        eventIds: e.event_ids,
        sellerIds: e.seller_ids,
        orderIds: e.order_ids,
      });
      evidence.set(e.case_id, list);
    }
    const orderSellers = new Map<string, Record<string, string>>();
    for (const raw of owners) {
      const o = parseRow(z.object({ case_id: z.string(), order_id: z.string(), seller_id: z.string() }), raw);
      const m = orderSellers.get(o.case_id) ?? {};
      m[o.order_id] = o.seller_id;
      orderSellers.set(o.case_id, m);
    }
    return rows.map((r) => ({
      id: r.id,
      subject: { kind: r.subject_kind, id: r.subject_id },
      buyerId: r.buyer_id,
      status: r.status,
      severity: r.severity,
      ruleIds: r.rule_ids,
      sellerIds: r.seller_ids,
      orderIds: r.order_ids,
      suspicionCount: r.suspicion_count,
      firstDetectedAt: r.first_detected_at.toISOString(),
      lastDetectedAt: r.last_detected_at.toISOString(),
      penaltyLevel: r.penalty_level,
      evidence: evidence.get(r.id) ?? [],
      orderSellers: orderSellers.get(r.id) ?? {},
    }));
  }

  private async query(what: string, sql: string, args: unknown[]): Promise<unknown[]> {
    try {
      return (await this.db.query(sql, args)).rows;
    } catch (err) {
      throw new VigilError('DB_ERROR', `${what} failed`, { retriable: isRetriableDbError(err), cause: err });
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseRow<T extends z.ZodType>(schema: T, row: unknown): z.infer<T> {
  const parsed = schema.safeParse(row);
  if (!parsed.success) {
    throw new VigilError('CASE_ROW_INVALID', `unexpected row from the case tables: ${parsed.error.message}`);
  }
  return parsed.data;
}
