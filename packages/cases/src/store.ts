import { VigilError } from '@vigil/common';
import {
  type Case,
  EnforcementApplied,
  type PenaltyAction,
  ReliefGranted,
  RuleId,
  SellerAlert,
  SellerAlertJob,
  type Severity,
  type Suspicion,
} from '@vigil/events';
import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { type CaseSubject, caseSubjects, shareFor } from './attribution';
import { CaseConflictError, CaseNotFoundError, dbError } from './errors';
import { alertId, caseIdFor, enforcementId, reliefId } from './ids';
import type { CaseMetrics } from './metrics';
import { insertOutbox, OUTBOX_DESTINATIONS } from './outbox';
import { recommendedActions } from './playbook';
import {
  type AutoConfirmPolicy,
  autoConfirmReason,
  DEFAULT_AUTO_CONFIRM_POLICY,
  maxSeverity,
  penaltyFor,
  reliefActions,
  unionOrdered,
} from './policy';

/** A row of `cases`. */
export interface CaseRow {
  id: string;
  subject_kind: 'buyer' | 'seller';
  subject_id: string;
  buyer_id: string | null;
  status: 'open' | 'confirmed' | 'dismissed';
  severity: Severity;
  rule_ids: string[];
  seller_ids: string[];
  order_ids: string[];
  buyer_ids: string[];
  suspicion_count: number;
  first_detected_at: Date;
  last_detected_at: Date;
  penalty_level: number;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}

/** A penalty applied on confirmation. */
export interface AppliedPenalty {
  buyerId: string;
  level: number;
  action: PenaltyAction;
}

/** What confirming a case did. */
export interface ConfirmOutcome {
  penalties: AppliedPenalty[];
  reliefs: number;
  /** Orders with a known seller but no known buyer: no relief event could be written. */
  reliefsSkipped: number;
}

/** What one suspicion did to one case. */
export interface CaseChange {
  caseId: string;
  subject: CaseSubject;
  opened: boolean;
  /** The suspicion's rule was new on an existing case (or the case was opened by it). */
  ruleAdded: boolean;
  /** The case's first rule and its severity after the merge (metric labels). */
  firstRule: string;
  severity: Severity;
  alertsQueued: number;
  /** Set when the policy confirmed the case in the same transaction. */
  autoConfirmed: (ConfirmOutcome & { reason: string }) | null;
}

export interface ApplyResult {
  outcome: 'processed' | 'duplicate';
  changes: CaseChange[];
}

/** Options of {@link applySuspicion}. */
export interface ApplyOptions {
  /** Auto-confirm policy. Default {@link DEFAULT_AUTO_CONFIRM_POLICY}. */
  policy?: AutoConfirmPolicy;
  /** Clock for `createdAt`/`occurredAt` of what goes out. Default `() => new Date()`. */
  now?: () => Date;
}

const SUBJECT_LOCK = 'vigil-case-subject';
const PENALTY_LOCK = 'vigil-penalty-buyer';

async function lock(client: PoolClient, namespace: string, id: string): Promise<void> {
  // Transaction-scoped: released by COMMIT/ROLLBACK, so a crashed worker never leaves one held.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${namespace}|${id}`]);
}

async function inTransaction<T>(
  pool: Pool,
  what: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw dbError(`${what}: connect`, err);
  }
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection itself is gone; the server rolls the transaction back. Discard the client.
      broken = true;
    }
    throw dbError(what, err);
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * Applies one suspicion (BullMQ job `jobId`) in ONE transaction: skips a job id already applied;
 * otherwise finds or opens the open case of each subject (buyer; seller for seller-victim rules;
 * each buyer of a device/address suspicion), appends the evidence, merges severity, ids, counts
 * and times, queues seller alerts through the outbox, and applies the auto-confirm policy.
 * Throws a retriable `VigilError` when PostgreSQL is unreachable; nothing is then written.
 */
export async function applySuspicion(
  pool: Pool,
  jobId: string,
  suspicion: Suspicion,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const policy = options.policy ?? DEFAULT_AUTO_CONFIRM_POLICY;
  const now = options.now ?? (() => new Date());
  return inTransaction(pool, `apply suspicion ${jobId}`, async (client) => {
    const first = await client.query(
      `INSERT INTO processed_jobs (job_id, rule_id, outcome) VALUES ($1, $2, 'processing')
       ON CONFLICT (job_id) DO NOTHING RETURNING job_id`,
      [jobId, suspicion.ruleId],
    );
    if (first.rowCount === 0) return { outcome: 'duplicate' as const, changes: [] };

    const subjects = caseSubjects(suspicion);
    // Sorted order (caseSubjects sorts): two workers locking overlapping buyer sets never deadlock.
    for (const subject of subjects) await lock(client, SUBJECT_LOCK, `${subject.kind}|${subject.id}`);
    const changes: CaseChange[] = [];
    for (const subject of subjects) {
      changes.push(await mergeIntoCase(client, jobId, suspicion, subject, policy, now()));
    }
    await client.query(`UPDATE processed_jobs SET case_ids = $2, outcome = $3 WHERE job_id = $1`, [
      jobId,
      changes.map((c) => c.caseId),
      changes.length > 0 ? 'applied' : 'no_subject',
    ]);
    return { outcome: 'processed' as const, changes };
  });
}

async function mergeIntoCase(
  client: PoolClient,
  jobId: string,
  s: Suspicion,
  subject: CaseSubject,
  policy: AutoConfirmPolicy,
  now: Date,
): Promise<CaseChange> {
  const share = shareFor(s, subject);
  const orderIds = share.orders.map((o) => o.orderId);
  const existing = (
    await client.query<CaseRow>(
      `SELECT * FROM cases WHERE subject_kind = $1 AND subject_id = $2 AND status = 'open' FOR UPDATE`,
      [subject.kind, subject.id],
    )
  ).rows[0];

  let row: CaseRow;
  let opened = false;
  let ruleAdded: boolean;
  if (!existing) {
    opened = true;
    ruleAdded = true;
    row = (
      await client.query<CaseRow>(
        `INSERT INTO cases (id, subject_kind, subject_id, buyer_id, status, severity, rule_ids, seller_ids,
           order_ids, buyer_ids, suspicion_count, first_detected_at, last_detected_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, 1, $10, $10) RETURNING *`,
        [
          caseIdFor(jobId, subject.kind, subject.id),
          subject.kind,
          subject.id,
          subject.kind === 'buyer' ? subject.id : null,
          s.severity,
          [s.ruleId],
          share.sellerIds,
          orderIds,
          share.buyerIds,
          s.detectedAt,
        ],
      )
    ).rows[0] as CaseRow;
  } else {
    ruleAdded = !existing.rule_ids.includes(s.ruleId);
    row = (
      await client.query<CaseRow>(
        `UPDATE cases SET severity = $2, rule_ids = $3, seller_ids = $4, order_ids = $5, buyer_ids = $6,
           suspicion_count = suspicion_count + 1,
           first_detected_at = LEAST(first_detected_at, $7::timestamptz),
           last_detected_at = GREATEST(last_detected_at, $7::timestamptz),
           updated_at = now()
         WHERE id = $1 RETURNING *`,
        [
          existing.id,
          maxSeverity(existing.severity, s.severity),
          unionOrdered(existing.rule_ids, [s.ruleId]),
          unionOrdered(existing.seller_ids, share.sellerIds),
          unionOrdered(existing.order_ids, orderIds),
          unionOrdered(existing.buyer_ids, share.buyerIds),
          s.detectedAt,
        ],
      )
    ).rows[0] as CaseRow;
  }

  await client.query(
    `INSERT INTO case_evidence (case_id, job_id, rule_id, severity, subject_kind, subject_id, buyer_ids,
       seller_ids, order_ids, detected_at, event_time, windows, event_ids, crossed, snippets)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      row.id,
      jobId,
      s.ruleId,
      s.severity,
      s.subject.kind,
      s.subject.id,
      s.buyerIds,
      s.sellerIds,
      s.orderIds,
      s.detectedAt,
      s.eventTime,
      JSON.stringify(s.evidence.windows),
      s.evidence.eventIds,
      JSON.stringify(s.evidence.crossed),
      s.evidence.snippets ?? null,
    ],
  );
  for (const o of share.orders) {
    // A later suspicion may know a party an earlier one did not: fill gaps, never overwrite.
    await client.query(
      `INSERT INTO case_orders (case_id, order_id, buyer_id, seller_id, rule_ids) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (case_id, order_id) DO UPDATE SET
         buyer_id = COALESCE(case_orders.buyer_id, EXCLUDED.buyer_id),
         seller_id = COALESCE(case_orders.seller_id, EXCLUDED.seller_id),
         rule_ids = CASE WHEN $5[1] = ANY (case_orders.rule_ids) THEN case_orders.rule_ids
                         ELSE case_orders.rule_ids || $5 END`,
      [row.id, o.orderId, o.buyerId, o.sellerId, [s.ruleId]],
    );
  }

  let alertsQueued = 0;
  if (ruleAdded) alertsQueued = await queueAlerts(client, row, s, share.sellerIds, share.buyerIds, now);

  let autoConfirmed: CaseChange['autoConfirmed'] = null;
  const high = await client.query<{ rule_id: string }>(
    `SELECT DISTINCT rule_id FROM case_evidence WHERE case_id = $1 AND severity = 'high'`,
    [row.id],
  );
  const reason = autoConfirmReason(
    policy,
    row.rule_ids,
    high.rows.map((r) => r.rule_id),
  );
  if (reason) {
    const outcome = await confirmLocked(client, row, 'policy:auto-confirm', reason, true, now);
    autoConfirmed = { ...outcome, reason };
  }
  return {
    caseId: row.id,
    subject,
    opened,
    ruleAdded,
    firstRule: row.rule_ids[0] ?? s.ruleId,
    severity: row.severity,
    alertsQueued,
    autoConfirmed,
  };
}

/**
 * One alert per involved seller (per seller and buyer on a seller-victim case), listing only that
 * seller's orders of the case (and, on a seller case, only the orders of that buyer).
 */
async function queueAlerts(
  client: PoolClient,
  row: CaseRow,
  s: Suspicion,
  sellerIds: string[],
  buyerIds: string[],
  now: Date,
): Promise<number> {
  let queued = 0;
  const buyers = row.subject_kind === 'buyer' ? [row.subject_id] : buyerIds;
  for (const sellerId of sellerIds) {
    for (const buyerId of buyers) {
      const orders = await client.query<{ order_id: string }>(
        `SELECT order_id FROM case_orders WHERE case_id = $1 AND seller_id = $2 AND ($3::text IS NULL OR buyer_id = $3)
         ORDER BY order_id`,
        [row.id, sellerId, row.subject_kind === 'seller' ? buyerId : null],
      );
      const id = alertId(row.id, s.ruleId, sellerId, buyerId);
      const alert = SellerAlert.parse({
        alertId: id,
        sellerId,
        buyerId,
        orderIds: orders.rows.map((r) => r.order_id),
        ruleId: s.ruleId,
        severity: s.severity,
        caseId: row.id,
        recommendedActions: recommendedActions(s.ruleId),
        createdAt: now.toISOString(),
      });
      const job: SellerAlertJob = SellerAlertJob.parse({ alert });
      if (
        await insertOutbox(client, {
          id: id.slice('alert-'.length),
          ...OUTBOX_DESTINATIONS.sellerAlerts,
          key: id,
          payload: job,
        })
      ) {
        queued++;
      }
    }
  }
  return queued;
}

/**
 * Confirms a case whose row the caller has locked: decision row, a penalty for each penalised
 * buyer by its confirmed-case count, relief for each attributed (seller, order), and outbox rows.
 * On a seller-victim case every buyer named by its suspicions is penalised.
 */
async function confirmLocked(
  client: PoolClient,
  row: CaseRow,
  actor: string,
  note: string | null,
  automatic: boolean,
  now: Date,
): Promise<ConfirmOutcome> {
  await client.query(
    `INSERT INTO case_decisions (case_id, decision, actor, note, automatic, decided_at) VALUES ($1, 'confirm', $2, $3, $4, $5)`,
    [row.id, actor, note, automatic, now],
  );
  const buyers = [...new Set(row.subject_kind === 'buyer' ? [row.subject_id] : row.buyer_ids)].sort();
  const penalties: AppliedPenalty[] = [];
  for (const buyerId of buyers) {
    // Serialises the count-then-insert of one buyer across concurrent confirmations.
    await lock(client, PENALTY_LOCK, buyerId);
    const before = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM enforcements WHERE buyer_id = $1`,
      [buyerId],
    );
    const { level, action } = penaltyFor(Number(before.rows[0]?.n ?? 0) + 1);
    const id = enforcementId(row.id, buyerId);
    await client.query(
      `INSERT INTO enforcements (id, case_id, buyer_id, level, action, applied_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, row.id, buyerId, level, action, now],
    );
    const event = EnforcementApplied.parse({
      id,
      type: 'enforcement.applied',
      version: 1,
      occurredAt: now.toISOString(),
      caseId: row.id,
      buyerId,
      level,
      action,
    });
    await insertOutbox(client, { id, ...OUTBOX_DESTINATIONS.enforcement, key: buyerId, payload: event });
    penalties.push({ buyerId, level, action });
  }

  const orders = await client.query<{
    order_id: string;
    buyer_id: string | null;
    seller_id: string;
    rule_ids: string[];
  }>(
    `SELECT order_id, buyer_id, seller_id, rule_ids FROM case_orders WHERE case_id = $1 AND seller_id IS NOT NULL
     ORDER BY seller_id, order_id`,
    [row.id],
  );
  let reliefs = 0;
  let reliefsSkipped = 0;
  for (const o of orders.rows) {
    const buyerId = o.buyer_id ?? row.buyer_id;
    if (!buyerId) {
      reliefsSkipped++;
      continue;
    }
    const id = reliefId(row.id, o.seller_id, o.order_id);
    const actions = reliefActions(o.rule_ids);
    await client.query(
      `INSERT INTO seller_reliefs (id, case_id, seller_id, buyer_id, order_id, actions, granted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, row.id, o.seller_id, buyerId, o.order_id, actions, now],
    );
    const event = ReliefGranted.parse({
      id,
      type: 'relief.granted',
      version: 1,
      occurredAt: now.toISOString(),
      caseId: row.id,
      sellerId: o.seller_id,
      buyerId,
      orderId: o.order_id,
      actions,
    });
    await insertOutbox(client, { id, ...OUTBOX_DESTINATIONS.sellerRelief, key: o.seller_id, payload: event });
    reliefs++;
  }
  await client.query(
    `UPDATE cases SET status = 'confirmed', penalty_level = $2, decided_at = $3, decided_by = $4, decision_note = $5,
       updated_at = now() WHERE id = $1`,
    [row.id, Math.max(0, ...penalties.map((p) => p.level)), now, actor, note],
  );
  return { penalties, reliefs, reliefsSkipped };
}

/** Body of a decision (the API validates the request with it). */
export const DecisionInput = z.object({
  decision: z.enum(['confirm', 'dismiss']),
  note: z.string().max(2000).optional(),
  /** Who decided (ops user id or API key name). */
  actor: z.string().min(1).max(200),
});
export type DecisionInput = z.infer<typeof DecisionInput>;

export interface DecisionResult {
  caseId: string;
  status: 'confirmed' | 'dismissed';
  firstRule: string;
  severity: Severity;
  /** Empty on dismissal. */
  penalties: AppliedPenalty[];
  reliefs: number;
  reliefsSkipped: number;
}

/** Options of {@link decideCase}. */
export interface DecideOptions {
  /** Counters to bump after the commit. Default none. */
  metrics?: CaseMetrics;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An operator's decision on an open case, in one transaction. Confirm: penalty ladder for the
 * penalised buyers and relief for the sellers, written to PostgreSQL and the outbox. Dismiss: no
 * penalty and no relief. Throws {@link CaseNotFoundError}, {@link CaseConflictError} (already
 * decided), or a retriable `VigilError` when PostgreSQL is unreachable.
 */
export async function decideCase(
  pool: Pool,
  caseId: string,
  input: DecisionInput,
  options: DecideOptions = {},
): Promise<DecisionResult> {
  const parsed = DecisionInput.safeParse(input);
  if (!parsed.success) {
    throw new VigilError('DECISION_INVALID', `invalid decision: ${parsed.error.message}`, {
      retriable: false,
    });
  }
  const { decision, note, actor } = parsed.data;
  if (!UUID.test(caseId)) throw new CaseNotFoundError(caseId);
  const now = (options.now ?? (() => new Date()))();
  const result = await inTransaction(pool, `decide case ${caseId}`, async (client) => {
    const row = (await client.query<CaseRow>(`SELECT * FROM cases WHERE id = $1 FOR UPDATE`, [caseId]))
      .rows[0];
    if (!row) throw new CaseNotFoundError(caseId);
    if (row.status !== 'open') throw new CaseConflictError(caseId, row.status);
    const base = { caseId, firstRule: row.rule_ids[0] ?? 'unknown', severity: row.severity };
    if (decision === 'confirm') {
      const out = await confirmLocked(client, row, actor, note ?? null, false, now);
      return { ...base, status: 'confirmed' as const, ...out };
    }
    await client.query(
      `INSERT INTO case_decisions (case_id, decision, actor, note, automatic, decided_at) VALUES ($1, 'dismiss', $2, $3, false, $4)`,
      [caseId, actor, note ?? null, now],
    );
    await client.query(
      `UPDATE cases SET status = 'dismissed', decided_at = $2, decided_by = $3, decision_note = $4, updated_at = now()
       WHERE id = $1`,
      [caseId, now, actor, note ?? null],
    );
    return { ...base, status: 'dismissed' as const, penalties: [], reliefs: 0, reliefsSkipped: 0 };
  });
  options.metrics?.recordDecision(result);
  return result;
}

/** A case as the API returns it (DESIGN.md Case JSON), evidence oldest first; null if absent. */
export async function getCase(pool: Pool, caseId: string): Promise<Case | null> {
  if (!UUID.test(caseId)) return null;
  const row = (await pool.query<CaseRow>(`SELECT * FROM cases WHERE id = $1`, [caseId])).rows[0];
  if (!row) return null;
  const ev = await pool.query<{
    rule_id: string;
    detected_at: Date;
    windows: Record<string, number>;
    event_ids: string[];
  }>(
    `SELECT rule_id, detected_at, windows, event_ids FROM case_evidence WHERE case_id = $1 ORDER BY detected_at, id`,
    [caseId],
  );
  return {
    id: row.id,
    subject: { kind: row.subject_kind, id: row.subject_id },
    buyerId: row.buyer_id,
    status: row.status,
    severity: row.severity,
    ruleIds: row.rule_ids.map((r) => RuleId.parse(r)),
    sellerIds: row.seller_ids,
    orderIds: row.order_ids,
    suspicionCount: row.suspicion_count,
    firstDetectedAt: row.first_detected_at.toISOString(),
    lastDetectedAt: row.last_detected_at.toISOString(),
    penaltyLevel: row.penalty_level,
    evidence: ev.rows.map((e) => ({
      ruleId: RuleId.parse(e.rule_id),
      detectedAt: e.detected_at.toISOString(),
      windows: e.windows,
      eventIds: e.event_ids,
    })),
  };
}
