import { writeFileSync } from 'node:fs';
import { alertId, applySuspicion, CaseConflictError, decideCase, getCase } from '@vigil/cases';
import { EnforcementApplied, ReliefGranted, SELLER_ALERT_JOB_OPTIONS, SellerAlertJob } from '@vigil/events';
import { uniqueName, waitFor } from '@vigil/testkit';
import { drained, type Harness, startHarness, suspicion } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const buyer = () => uniqueName('b');

async function caseRows(subjectId: string) {
  return (
    await h.pool.query(`SELECT * FROM cases WHERE subject_id = $1 ORDER BY created_at, id`, [subjectId])
  ).rows;
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const m = (await h.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values as { labels: Record<string, string | number>; value: number }[] | undefined)?.find(
    (x) => Object.entries(labels).every(([k, val]) => String(x.labels[k]) === val),
  );
  return v?.value ?? 0;
}

async function addAndWait(jobId: string, data: unknown) {
  const job = await h.suspicions.add('suspicion', data, { jobId });
  await waitFor(
    async () => ((await job.getState()) === 'completed' || (await job.getState()) === 'failed') && job.id,
  );
  return job;
}

describe('case worker (real PostgreSQL, Redis, Kafka)', () => {
  it('merges two suspicions for one buyer into one case: severity max, counts, times, ids unioned', async () => {
    const b = buyer();
    await addAndWait(`${b}-1`, {
      ...suspicion(b, {
        ruleId: 'refund-frequency',
        severity: 'medium',
        sellerIds: ['s1'],
        orderIds: ['o1'],
      }),
      detectedAt: '2026-11-26T10:00:05.000Z',
    });
    await addAndWait(`${b}-2`, {
      ...suspicion(b, {
        ruleId: 'refund-only-after-delivery',
        severity: 'high',
        sellerIds: ['s2'],
        orderIds: ['o2'],
      }),
      detectedAt: '2026-11-26T09:00:00.000Z',
    });
    const rows = await caseRows(b);
    expect(rows).toHaveLength(1);
    const c = await getCase(h.pool, rows[0].id);
    expect(c).toMatchObject({
      subject: { kind: 'buyer', id: b },
      buyerId: b,
      status: 'open',
      severity: 'high',
      ruleIds: ['refund-frequency', 'refund-only-after-delivery'],
      sellerIds: ['s1', 's2'],
      orderIds: ['o1', 'o2'],
      suspicionCount: 2,
      firstDetectedAt: '2026-11-26T09:00:00.000Z',
      lastDetectedAt: '2026-11-26T10:00:05.000Z',
      penaltyLevel: 0,
    });
    expect(c?.evidence.map((e) => e.ruleId)).toEqual(['refund-only-after-delivery', 'refund-frequency']);
    expect(
      await metric('vigil_cases_opened_total', { rule: 'refund-frequency', severity: 'medium' }),
    ).toBeGreaterThan(0);
  });

  it('applies a redelivered job once: same id twice, and again after it was removed and re-added', async () => {
    const b = buyer();
    const data = suspicion(b, { ruleId: 'invalid-address' });
    const before = await metric('vigil_case_jobs_total', { outcome: 'duplicate' });
    const job = await addAndWait(`${b}-x`, data);
    // Still in the completed set: BullMQ ignores the second add.
    await h.suspicions.add('suspicion', data, { jobId: `${b}-x` });
    await job.remove();
    await addAndWait(`${b}-x`, data);
    expect(await metric('vigil_case_jobs_total', { outcome: 'duplicate' })).toBe(before + 1);
    // And the domain call directly, as a second worker racing on the same id would.
    expect((await applySuspicion(h.pool, `${b}-x`, data)).outcome).toBe('duplicate');
    const rows = await caseRows(b);
    expect(rows).toHaveLength(1);
    expect(rows[0].suspicion_count).toBe(1);
    const ev = await h.pool.query('SELECT count(*)::int AS n FROM case_evidence WHERE case_id = $1', [
      rows[0].id,
    ]);
    expect(ev.rows[0].n).toBe(1);
    const alerts = await h.pool.query(
      `SELECT count(*)::int AS n FROM outbox WHERE payload->'alert'->>'caseId' = $1`,
      [rows[0].id],
    );
    expect(alerts.rows[0].n).toBe(1);
  });

  it('lands a device suspicion with three buyers in three buyer cases', async () => {
    const [b1, b2, b3] = [buyer(), buyer(), buyer()];
    // b2 already has an open case: the device evidence joins it.
    await applySuspicion(h.pool, uniqueName('j'), suspicion(b2 as string, { ruleId: 'refund-frequency' }));
    await addAndWait(uniqueName('dev'), {
      ...suspicion(b1 as string, { ruleId: 'linked-account-non-payment', severity: 'high' }),
      subject: { kind: 'device', id: uniqueName('d') },
      buyerIds: [b1, b2, b3],
      sellerIds: ['s1', 's2'],
      orderIds: ['d-o1', 'd-o2', 'd-o3'],
    });
    for (const b of [b1, b2, b3] as string[]) {
      const rows = await caseRows(b);
      expect(rows).toHaveLength(1);
      expect(rows[0].rule_ids).toContain('linked-account-non-payment');
      expect(rows[0].severity).toBe('high');
      // No order can be tied to one buyer of the three, so none is put on a buyer's case.
      expect(rows[0].order_ids.filter((o: string) => o.startsWith('d-'))).toEqual([]);
    }
    expect((await caseRows(b2 as string))[0].suspicion_count).toBe(2);
  });

  it('never opens two cases for one subject under concurrent jobs', async () => {
    const b = buyer();
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        applySuspicion(h.pool, `${b}-c${i}`, suspicion(b, { ruleId: 'complaint-spree' })),
      ),
    );
    const rows = await caseRows(b);
    expect(rows).toHaveLength(1);
    expect(rows[0].suspicion_count).toBe(8);
  });

  it('fails an invalid job with its reason, counted, without retrying it', async () => {
    const before = await metric('vigil_case_jobs_total', { outcome: 'invalid' });
    const job = await h.suspicions.add(
      'suspicion',
      { ruleId: 'no-such-rule' },
      { jobId: uniqueName('bad'), attempts: 5 },
    );
    await waitFor(async () => (await job.getState()) === 'failed');
    const failed = await h.suspicions.getJob(job.id as string);
    expect(failed?.failedReason).toMatch(/invalid suspicion/);
    expect(failed?.attemptsMade).toBe(1);
    expect(await metric('vigil_case_jobs_total', { outcome: 'invalid' })).toBe(before + 1);
  });

  it('auto-confirms on two distinct high rules and on duplicate-return-tracking, not on one medium rule', async () => {
    const [twoHigh, dup, medium, oneHighTwice] = [buyer(), buyer(), buyer(), buyer()];
    await addAndWait(
      `${twoHigh}-1`,
      suspicion(twoHigh, { ruleId: 'refund-only-after-delivery', severity: 'high' }),
    );
    expect((await caseRows(twoHigh))[0].status).toBe('open');
    await addAndWait(`${twoHigh}-2`, suspicion(twoHigh, { ruleId: 'review-extortion', severity: 'high' }));
    await addAndWait(`${dup}-1`, suspicion(dup, { ruleId: 'duplicate-return-tracking', severity: 'high' }));
    await addAndWait(`${medium}-1`, suspicion(medium, { ruleId: 'refund-frequency', severity: 'medium' }));
    await addAndWait(
      `${oneHighTwice}-1`,
      suspicion(oneHighTwice, { ruleId: 'review-extortion', severity: 'high' }),
    );
    await addAndWait(
      `${oneHighTwice}-2`,
      suspicion(oneHighTwice, { ruleId: 'review-extortion', severity: 'high' }),
    );

    const confirmed = async (b: string) => (await caseRows(b))[0];
    expect(await confirmed(twoHigh)).toMatchObject({
      status: 'confirmed',
      decided_by: 'policy:auto-confirm',
      penalty_level: 1,
    });
    expect(await confirmed(dup)).toMatchObject({ status: 'confirmed', penalty_level: 1 });
    expect(await confirmed(medium)).toMatchObject({ status: 'open', penalty_level: 0 });
    expect(await confirmed(oneHighTwice)).toMatchObject({ status: 'open' });
    // The warnings reach Kafka.
    for (const b of [twoHigh, dup]) {
      await waitFor(() => h.messages.find((m) => m.topic === h.topics.enforcement && m.key === b));
    }
    // A new suspicion after confirmation opens a new case.
    await addAndWait(`${dup}-2`, suspicion(dup, { ruleId: 'refund-frequency' }));
    expect((await caseRows(dup)).map((r) => r.status)).toEqual(['confirmed', 'open']);
  });

  it('walks the penalty ladder 1..4 over four confirmed cases, with relief per (seller, order) on Kafka', async () => {
    const b = buyer();
    const caseIds: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const rule = i === 2 ? 'review-extortion' : 'bulk-non-payment';
      await addAndWait(
        `${b}-l${i}`,
        suspicion(b, {
          ruleId: rule,
          severity: 'high',
          sellerIds: [`seller-${i}`],
          orderIds: [`${b}-o${i}`],
        }),
      );
      const open = (await caseRows(b)).find((r) => r.status === 'open');
      caseIds.push(open.id);
      await decideCase(
        h.pool,
        open.id,
        { decision: 'confirm', note: 'checked', actor: 'ops-1' },
        { metrics: h.caseMetrics },
      );
    }
    const enforcement = await waitFor(() => {
      const got = h.messages.filter((m) => m.topic === h.topics.enforcement && m.key === b);
      return got.length >= 5 && got;
    });
    const parsed = enforcement.map((m) => EnforcementApplied.parse(m.value));
    expect(parsed.map((e) => [e.caseId, e.level, e.action])).toEqual([
      [caseIds[0], 1, 'warning'],
      [caseIds[1], 2, 'real_name_verification'],
      [caseIds[2], 3, 'rights_stripped'],
      [caseIds[3], 4, 'login_suspended'],
      [caseIds[4], 4, 'login_suspended'],
    ]);
    const relief = await waitFor(() => {
      const got = h.messages.filter(
        (m) => m.topic === h.topics.sellerRelief && String(m.value['buyerId']) === b,
      );
      return got.length >= 5 && got;
    });
    const reliefByOrder = new Map(
      relief.map((m) => [String(m.value['orderId']), ReliefGranted.parse(m.value)]),
    );
    expect(reliefByOrder.get(`${b}-o1`)).toMatchObject({
      sellerId: 'seller-1',
      actions: ['exclude_after_sales_metrics'],
    });
    expect(reliefByOrder.get(`${b}-o2`)).toMatchObject({
      sellerId: 'seller-2',
      actions: ['exclude_after_sales_metrics', 'remove_review'],
    });
    expect(relief.every((m) => m.key === m.value['sellerId'])).toBe(true);
    expect((await caseRows(b)).map((r) => r.penalty_level)).toEqual([1, 2, 3, 4, 4]);
    expect(await metric('vigil_penalties_applied_total', { level: '4' })).toBeGreaterThanOrEqual(2);

    // Deciding again is a conflict and changes nothing.
    await expect(
      decideCase(h.pool, caseIds[0] as string, { decision: 'dismiss', actor: 'ops-2' }),
    ).rejects.toBeInstanceOf(CaseConflictError);
    expect((await caseRows(b))[0].status).toBe('confirmed');
  });

  it('dismissal applies no penalty and no relief', async () => {
    const b = buyer();
    await addAndWait(`${b}-1`, suspicion(b, { ruleId: 'refund-frequency', orderIds: [`${b}-o`] }));
    const [row] = await caseRows(b);
    const r = await decideCase(h.pool, row.id, { decision: 'dismiss', note: 'honest buyer', actor: 'ops-1' });
    expect(r).toMatchObject({ status: 'dismissed', penalties: [], reliefs: 0 });
    const out = await h.pool.query(
      `SELECT count(*)::int AS n FROM outbox WHERE destination <> 'seller-alerts' AND payload->>'caseId' = $1`,
      [row.id],
    );
    expect(out.rows[0].n).toBe(0);
    expect(
      (await h.pool.query('SELECT count(*)::int AS n FROM enforcements WHERE buyer_id = $1', [b])).rows[0].n,
    ).toBe(0);
  });

  it("queues a seller alert per involved seller with that seller's orders only", async () => {
    const b = buyer();
    const jobId = `${b}-alert`;
    const data = suspicion(b, {
      ruleId: 'bulk-non-payment',
      severity: 'medium',
      sellerIds: ['sa', 'sb'],
      orderIds: ['oa1', 'oa2', 'ob1'],
      orderParties: [
        { orderId: 'oa1', buyerId: b, sellerId: 'sa' },
        { orderId: 'oa2', buyerId: b, sellerId: 'sa' },
        { orderId: 'ob1', buyerId: b, sellerId: 'sb' },
      ],
    });
    await addAndWait(jobId, data);
    const [row] = await caseRows(b);
    const idA = alertId(row.id, 'bulk-non-payment', 'sa', b);
    const idB = alertId(row.id, 'bulk-non-payment', 'sb', b);
    const jobA = await waitFor(() => h.alerts.getJob(idA));
    const jobB = await waitFor(() => h.alerts.getJob(idB));
    const a = SellerAlertJob.parse(jobA.data).alert;
    const bb = SellerAlertJob.parse(jobB.data).alert;
    expect(a).toMatchObject({
      sellerId: 'sa',
      buyerId: b,
      orderIds: ['oa1', 'oa2'],
      caseId: row.id,
      severity: 'medium',
    });
    expect(bb.orderIds).toEqual(['ob1']);
    expect(a.recommendedActions.join(' ')).toMatch(/stock on payment/);
    expect(jobA.opts.attempts).toBe(SELLER_ALERT_JOB_OPTIONS.attempts);
    expect(jobA.opts.backoff).toEqual(SELLER_ALERT_JOB_OPTIONS.backoff);

    // The same rule again alerts nobody; a new rule on the case alerts again.
    await addAndWait(
      `${b}-alert2`,
      suspicion(b, { ruleId: 'bulk-non-payment', sellerIds: ['sa'], orderIds: ['oa3'] }),
    );
    await addAndWait(
      `${b}-alert3`,
      suspicion(b, { ruleId: 'threat-chat', severity: 'low', sellerIds: ['sa'], orderIds: [] }),
    );
    const all = await h.pool.query(
      `SELECT payload->'alert'->>'ruleId' AS rule, payload->'alert'->'orderIds' AS orders FROM outbox
       WHERE destination = 'seller-alerts' AND payload->'alert'->>'caseId' = $1 ORDER BY created_at`,
      [row.id],
    );
    expect(all.rows).toEqual([
      { rule: 'bulk-non-payment', orders: ['oa1', 'oa2'] },
      { rule: 'bulk-non-payment', orders: ['ob1'] },
      { rule: 'threat-chat', orders: ['oa1', 'oa2', 'oa3'] },
    ]);

    // Documentation example (docs/cases.md): one suspicion's path from a real run.
    const out = process.env['CASES_EXAMPLE_OUT'];
    if (out) {
      await decideCase(h.pool, row.id, {
        decision: 'confirm',
        note: 'seller evidence checked',
        actor: 'ops-1',
      });
      await drained(h.suspicions);
      const kafka = await waitFor(() => {
        const got = h.messages.filter((m) => m.value['caseId'] === row.id);
        return got.length >= 4 && got;
      });
      writeFileSync(
        out,
        JSON.stringify(
          {
            job: { id: jobId, data },
            case: await getCase(h.pool, row.id),
            alertJob: { id: idA, data: jobA.data },
            kafka,
          },
          null,
          2,
        ),
      );
    }
  });

  it('opens a seller-victim case for competitor-review-burst and penalises each reviewer on confirmation', async () => {
    const seller = uniqueName('victim');
    const [r1, r2] = [buyer(), buyer()];
    await addAndWait(uniqueName('burst'), {
      ...suspicion(r1, { ruleId: 'competitor-review-burst', severity: 'high' }),
      subject: { kind: 'seller', id: seller },
      buyerIds: [r1, r2],
      sellerIds: [seller],
      orderIds: ['rv1', 'rv2'],
      orderParties: [
        { orderId: 'rv1', buyerId: r1, sellerId: seller },
        { orderId: 'rv2', buyerId: r2, sellerId: seller },
      ],
    });
    const [row] = await caseRows(seller);
    expect(row).toMatchObject({ subject_kind: 'seller', buyer_id: null, status: 'open' });
    expect((await caseRows(r1)).length).toBe(0);
    const res = await decideCase(h.pool, row.id, { decision: 'confirm', actor: 'ops-1' });
    expect(res.penalties.map((p) => [p.buyerId, p.level]).sort()).toEqual(
      [
        [r1, 1],
        [r2, 1],
      ].sort(),
    );
    expect(res.reliefs).toBe(2);
    const relief = await waitFor(() => {
      const got = h.messages.filter((m) => m.topic === h.topics.sellerRelief && m.value['caseId'] === row.id);
      return got.length >= 2 && got;
    });
    expect(relief.every((m) => (m.value['actions'] as string[]).includes('remove_review'))).toBe(true);
  });
});
