// Guarantee (DESIGN.md): "A worker killed at any instant loses no event and double-counts none" —
// here the case worker. Suspicions the rules raise on a seeded input are queued; case workers are
// killed with SIGKILL while applying them, a last one finishes. BullMQ hands the jobs the
// killed workers held to the next one once their locks expire (stalled jobs), and the case
// worker's per-job-id idempotency must make that harmless: every job applied exactly once, each
// buyer's case holding each suspicion once.
import { createTestDatabase, type TestDatabase, waitFor } from '@vigil/testkit';
import {
  casesOf,
  createWorld,
  enqueueSuspicions,
  expectedCaseJobs,
  generateInput,
  type Proc,
  pause,
  prng,
  report,
  startCaseWorker,
  suspicionCounts,
  suspicionJobs,
  suspicionsFor,
  waitCasesApplied,
} from './support';

const SEED = Number(process.env['VIGIL_SEED'] ?? 29);
// Recovery is bounded by BullMQ's lock duration and stalled-job check (30 s each by default), not
// by the number of kills: one in CI, three nightly.
const KILLS = process.env['VIGIL_NIGHTLY'] === '1' ? 3 : 1;

describe('case worker killed with SIGKILL mid-run', () => {
  const procs: Proc[] = [];
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await db.drop();
  });

  it('every suspicion applied exactly once; cases as the suspicions imply', async () => {
    const input = generateInput(SEED, 10_000, `c${SEED}`);
    const rand = prng(SEED);
    const w = await createWorld('cwkill');
    await enqueueSuspicions(w, suspicionsFor(input));
    const jobs = await suspicionJobs(w);
    const applied = async () =>
      Number((await db.pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_jobs')).rows[0]!.n);

    const started = Date.now();
    const kills: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const cw = await startCaseWorker(
        w,
        db.url,
        { WORKER_CONCURRENCY: '4', MIGRATE_ON_START: 'false' },
        `cases-${i}`,
      );
      procs.push(cw);
      const before = await applied();
      await waitFor(async () => (await applied()) > before, {
        timeoutMs: 60_000,
        description: `case worker ${i} applies`,
      });
      await pause(Math.floor(rand() * 200));
      await cw.kill9();
      kills.push(await applied());
    }
    expect(kills[kills.length - 1]).toBeLessThan(jobs.length);
    const last = await startCaseWorker(w, db.url, { MIGRATE_ON_START: 'false' }, 'cases-final');
    procs.push(last);
    // Jobs held by a killed worker come back when their lock expires (BullMQ stalled-job check).
    await waitCasesApplied(db.pool, jobs.length, 180_000);
    await waitFor(async () => (await suspicionCounts(w)).completed === jobs.length, {
      timeoutMs: 120_000,
      description: 'every job completed',
    });
    const recoveryMs = Date.now() - started;

    expect(await suspicionCounts(w)).toEqual({ failed: 0, completed: jobs.length });
    expect(await applied()).toBe(jobs.length);
    const cases = await casesOf(db.pool);
    expect(new Map(cases.map((c) => [c.buyerId!, c.jobIds]))).toEqual(expectedCaseJobs(jobs));
    for (const c of cases) expect(c.suspicionCount).toBe(c.jobIds.length);

    report({
      scenario: `case worker kill -9 x${KILLS}`,
      eventsIn: jobs.length,
      eventsAccounted: await applied(),
      appliedAtKills: kills,
      cases: cases.length,
      recoveryMs,
    });
    await last.service.stop();
  });
});
