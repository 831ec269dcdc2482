// Guarantee (docs/guarantees.md): PostgreSQL unavailable for the case worker delays cases, loses
// none. The case worker reaches PostgreSQL through a TCP proxy the test cuts for ~10 s while
// suspicions are being applied: connections reset, new ones refused. Afterwards every suspicion
// job is applied exactly once and the cases are exactly those the suspicions imply.
import { createTestDatabase, type TestDatabase, waitFor } from '@vigil/testkit';
import {
  type CuttableProxy,
  casesOf,
  createWorld,
  enqueueSuspicions,
  generateInput,
  type Proc,
  pause,
  report,
  startCaseWorker,
  suspicionCounts,
  suspicionJobs,
  suspicionsFor,
  tcpProxy,
  waitCasesApplied,
} from './support';

const SEED = Number(process.env['VIGIL_SEED'] ?? 23);
const OUTAGE_MS = 10_000;

describe('PostgreSQL unavailable for the case worker', () => {
  const procs: Proc[] = [];
  let db: TestDatabase;
  let proxy: CuttableProxy;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await tcpProxy(Number(new URL(db.url).port || 5432), new URL(db.url).hostname);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await proxy.close();
    await db.drop();
  });

  it('suspicions are retried through the outage; cases match afterwards', async () => {
    const input = generateInput(SEED, 10_000, `p${SEED}`);
    const w = await createWorld('pg');
    // The suspicions the detector raises on this input (one per non-payer, one per twice-labelled
    // buyer), enqueued as the detector does: deterministic job id, its retry options. This keeps
    // the scenario about the case worker and PostgreSQL alone.
    const suspicions = suspicionsFor(input);
    await enqueueSuspicions(w, suspicions);
    const jobs = await suspicionJobs(w);
    expect(jobs.length).toBe(suspicions.length);

    const via = new URL(db.url);
    via.hostname = '127.0.0.1';
    via.port = String(proxy.port);
    // One job at a time, so the outage lands while most suspicions are still waiting.
    const cw = await startCaseWorker(w, via.toString(), {
      WORKER_CONCURRENCY: '1',
      PG_POOL_MAX: '3',
      MIGRATE_ON_START: 'false',
    });
    procs.push(cw);
    await waitFor(
      async () =>
        Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_jobs')).rows[0]!.n) >
        0,
      { description: 'first suspicion applied' },
    );

    await proxy.cut();
    const cutAt = Date.now();
    const appliedAtCut = Number(
      (await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_jobs')).rows[0]!.n,
    );
    await waitFor(
      async () => (await fetch(`${cw.url}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 503,
      { description: 'case worker not ready while PostgreSQL is unreachable' },
    );
    await pause(Math.max(0, OUTAGE_MS - (Date.now() - cutAt)));
    await proxy.restore();
    const upAt = Date.now();
    await waitCasesApplied(db.pool, jobs.length);
    const recoveryMs = Date.now() - upAt;

    // No job gave up during the outage.
    expect(await suspicionCounts(w)).toEqual({ failed: 0, completed: jobs.length });
    expect(appliedAtCut).toBeLessThan(jobs.length);

    // Cases are exactly what the suspicions imply: one open case per named buyer, holding the
    // evidence of every suspicion naming that buyer, once.
    const cases = await casesOf(db.pool);
    const expected = new Map<string, string[]>();
    for (const j of jobs)
      for (const b of j.data.buyerIds) expected.set(b, [...(expected.get(b) ?? []), j.id].sort());
    expect(new Map(cases.map((c) => [c.buyerId!, c.jobIds]))).toEqual(expected);
    for (const c of cases) expect(c.suspicionCount).toBe(c.jobIds.length);
    expect(new Set(cases.map((c) => c.buyerId))).toEqual(new Set([...input.nonPayers, ...input.labelled]));
    const { rows } = await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_jobs');
    expect(Number(rows[0]!.n)).toBe(jobs.length);

    report({
      scenario: 'postgres down 10 s (case worker)',
      eventsIn: jobs.length,
      eventsAccounted: Number(rows[0]!.n),
      appliedBeforeCut: appliedAtCut,
      cases: cases.length,
      recoveryMs,
    });
    await cw.service.stop();
  });
});
