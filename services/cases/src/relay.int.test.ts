import { applySuspicion, decideCase } from '@vigil/cases';
import { SellerAlertJob } from '@vigil/events';
import { uniqueName, waitFor } from '@vigil/testkit';
import type { Pool } from 'pg';
import { drained, type Harness, startHarness, suspicion } from './harness';

describe('outbox relay (real PostgreSQL, Redis, Kafka)', () => {
  let h: Harness;
  beforeAll(async () => {
    // No worker, no running relay: the test drives each step.
    h = await startHarness({ worker: false, relay: false });
  });
  afterAll(() => h.close());

  it('loses nothing when it crashes between publishing and marking: the restart republishes identical ids', async () => {
    const buyers = [uniqueName('b'), uniqueName('b'), uniqueName('b')];
    for (const b of buyers) {
      await applySuspicion(
        h.pool,
        `${b}-1`,
        suspicion(b, { ruleId: 'bulk-non-payment', sellerIds: ['s1'], orderIds: [`${b}-o`] }),
      );
      const { rows } = await h.pool.query(`SELECT id FROM cases WHERE subject_id = $1`, [b]);
      await decideCase(h.pool, rows[0].id, { decision: 'confirm', actor: 'ops' });
    }
    const expected = (
      await h.pool.query<{ id: string; kind: string; key: string; payload: unknown }>(
        `SELECT id, kind, key, payload FROM outbox WHERE published_at IS NULL ORDER BY id`,
      )
    ).rows;
    const kafkaRows = expected.filter((r) => r.kind === 'kafka');
    const queueRows = expected.filter((r) => r.kind === 'queue');
    // 3 warnings + 3 reliefs on Kafka, 3 alerts on the queue.
    expect([kafkaRows.length, queueRows.length]).toEqual([6, 3]);

    let crashes = 0;
    const crashing = h.newRelay({
      batchSize: 100,
      afterPublish: () => {
        crashes++;
        throw new Error('simulated crash after publish, before mark');
      },
    });
    await expect(crashing.runOnce()).rejects.toThrow('simulated crash');
    expect(crashes).toBe(1);
    // Everything was sent once, and nothing is marked.
    await waitFor(() => h.messages.length >= 6 || undefined);
    const pending = await h.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
    expect(pending.rows[0].n).toBe(9);

    const restarted = h.newRelay({ batchSize: 4 });
    let total = 0;
    for (;;) {
      const n = await restarted.runOnce();
      if (n === 0) break;
      total += n;
    }
    expect(total).toBe(9);
    await restarted.refreshGauges();
    const gauge = (await h.registry.getMetricsAsJSON()).find((m) => m.name === 'vigil_outbox_pending');
    expect(gauge?.values[0]?.value).toBe(0);

    // Every Kafka event arrived; duplicates only as the same id with the same content.
    const got = await waitFor(() => h.messages.length >= 12 && h.messages);
    expect([...new Set(got.map((m) => m.id))].sort()).toEqual(kafkaRows.map((r) => r.id).sort());
    for (const row of kafkaRows) {
      const copies = got.filter((m) => m.id === row.id);
      expect(copies).toHaveLength(2);
      for (const c of copies) {
        expect(c.value).toEqual(row.payload);
        expect(c.key).toBe(row.key);
      }
    }
    // Every alert is on the queue exactly once (same job id: BullMQ kept the first).
    const jobs = await h.alerts.getJobs(['waiting', 'delayed', 'prioritized', 'wait']);
    expect(jobs.map((j) => j.id).sort()).toEqual(queueRows.map((r) => r.key).sort());
    for (const j of jobs) expect(SellerAlertJob.safeParse(j.data).success).toBe(true);
  });
});

describe('PostgreSQL outage', () => {
  let h: Harness;
  let down = true;
  beforeAll(async () => {
    h = await startHarness({
      relay: false,
      retryDelayMs: 100,
      // The worker's pool refuses connections while `down`, as an unreachable server does.
      workerPool: (real) =>
        ({
          connect: () =>
            down
              ? Promise.reject(
                  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
                )
              : real.connect(),
        }) as unknown as Pool,
    });
  });
  afterAll(() => h.close());

  it('delays the job instead of dropping it, and applies it once the database is back', async () => {
    const b = uniqueName('b');
    const job = await h.suspicions.add('suspicion', suspicion(b), { jobId: `${b}-1`, attempts: 1 });
    const errors = async () =>
      (await h.registry.getMetricsAsJSON())
        .find((m) => m.name === 'vigil_case_jobs_total')
        ?.values.find((v) => v.labels['outcome'] === 'error')?.value ?? 0;
    // Several failed tries while down, yet the job (with a single attempt) never fails.
    await waitFor(async () => (await errors()) >= 3);
    expect(await job.getState()).not.toBe('failed');
    down = false;
    await waitFor(async () => (await job.getState()) === 'completed');
    await drained(h.suspicions);
    const { rows } = await h.pool.query(`SELECT suspicion_count FROM cases WHERE subject_id = $1`, [b]);
    expect(rows).toEqual([{ suspicion_count: 1 }]);
  });
});
