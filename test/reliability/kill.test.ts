// Guarantee (DESIGN.md): "A worker killed at any instant loses no event and double-counts none."
// The same seeded input goes to two isolated worlds. One detector consumes the first world without
// interruption: the reference. In the second, detectors are killed with SIGKILL at random instants
// (random delay after the process's first commit, random chunk size, so kills land between Redis
// writes, queue writes and offset commits), each replaced, until one finishes. Then the Redis
// windows, the suspicion jobs and the cases built by a case worker must equal the reference's,
// and the reference itself must match what the input implies (non-payers flagged, window sizes).
// Short in CI (5k events, 5 kills); VIGIL_NIGHTLY=1 runs 50k events and 12 kills.
import { createTestDatabase, type TestDatabase, waitFor } from '@vigil/testkit';
import { Redis } from 'ioredis';
import {
  buyersOf,
  casesOf,
  committedTotal,
  createWorld,
  generateInput,
  metric,
  type Proc,
  pause,
  prng,
  produce,
  publishedTotal,
  report,
  startCaseWorker,
  startDetector,
  suspicionJobs,
  timeoutWindowSize,
  waitCasesApplied,
  waitDrained,
  worldState,
} from './support';

const NIGHTLY = process.env['VIGIL_NIGHTLY'] === '1';
const EVENTS = NIGHTLY ? 50_000 : 5_000;
const KILLS = NIGHTLY ? 12 : 5;
const SEED = Number(process.env['VIGIL_SEED'] ?? 20261126);

jest.setTimeout(NIGHTLY ? 1_800_000 : 300_000);

describe('detector killed with SIGKILL at random instants', () => {
  const procs: Proc[] = [];
  const dbs: TestDatabase[] = [];
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    await Promise.all(dbs.map((d) => d.drop()));
    redis.disconnect();
  });

  it('ends with the windows, suspicion jobs and cases of an uninterrupted run', async () => {
    const input = generateInput(SEED, EVENTS, `k${SEED}`);
    const rand = prng(SEED ^ 0x5eed);
    const [ref, chaos] = [await createWorld('ref'), await createWorld('kill')];
    await produce(ref, input.events);

    // Reference: one detector, never interrupted.
    const refDetector = await startDetector(ref, {}, 'ref');
    procs.push(refDetector);
    await waitDrained(ref, NIGHTLY ? 1_200_000 : 180_000);
    await refDetector.service.stop();

    // Chaos: the same input in waves (same order); after each wave a fresh detector is started
    // and killed with SIGKILL a random moment after it started applying events. A kill that found
    // no work left does not count; the next wave gives the next process work.
    const waves = KILLS + 2;
    const size = Math.ceil(input.events.length / waves);
    let produced = 0;
    const started = Date.now();
    const kills: Array<{ committed: number; lag: number; processed: number; chunk: number }> = [];
    let processedByKilled = 0;
    for (let i = 0; kills.filter((k) => k.lag > 0).length < KILLS && produced < input.events.length; i++) {
      const chunk = 10 + Math.floor(rand() * 90);
      await produce(chaos, input.events.slice(produced, produced + size));
      produced = Math.min(input.events.length, produced + size);
      const p = await startDetector(chaos, { PROCESS_CHUNK_SIZE: String(chunk) }, `kill-${i}`);
      procs.push(p);
      await waitFor(async () => metric(await p.metrics(), 'vigil_detector_events_total') > 0, {
        timeoutMs: 90_000,
        intervalMs: 20,
        description: `detector ${i} applies events`,
      });
      await pause(Math.floor(rand() * 100));
      const text = await p.metrics().catch(() => '');
      await p.kill9();
      const committed = await committedTotal(chaos);
      const processed = metric(text, 'vigil_detector_events_total');
      processedByKilled += processed;
      kills.push({ committed, lag: (await publishedTotal(chaos)) - committed, processed, chunk });
    }
    await produce(chaos, input.events.slice(produced));
    const last = await startDetector(chaos, {}, 'final');
    procs.push(last);
    await waitDrained(chaos, NIGHTLY ? 1_200_000 : 180_000);
    const finalText = await last.metrics();
    await last.service.stop();
    const recoveryMs = Date.now() - started;
    expect(await publishedTotal(chaos)).toBe(input.events.length);

    // Enough kills interrupted a run with work left (otherwise they proved nothing).
    expect(kills.filter((k) => k.lag > 0).length).toBeGreaterThanOrEqual(KILLS);

    // 1. Suspicions: same job ids and the same content (wall-clock detectedAt aside).
    const [refJobs, chaosJobs] = [await suspicionJobs(ref), await suspicionJobs(chaos)];
    expect(chaosJobs.map((j) => j.id)).toEqual(refJobs.map((j) => j.id));
    expect(chaosJobs).toEqual(refJobs);
    // The reference is itself right: exactly the non-payers and the twice-labelled buyers.
    expect([...buyersOf(refJobs, 'bulk-non-payment')].sort()).toEqual([...input.nonPayers].sort());
    expect([...buyersOf(refJobs, 'seller-label-accumulation')].sort()).toEqual([...input.labelled].sort());

    // 2. Windows: every key of every buyer equal; payment-timeout windows as the input implies.
    const [refState, chaosState] = [await worldState(redis, ref), await worldState(redis, chaos)];
    expect(chaosState.size).toBe(refState.size);
    for (const [k, v] of refState) expect([k, chaosState.get(k)]).toEqual([k, v]);
    for (const [buyer, n] of input.timeouts)
      expect([buyer, await timeoutWindowSize(redis, chaos, buyer)]).toEqual([buyer, n]);

    // 3. Cases: a case worker per world; the same cases with the same evidence.
    const [dbRef, dbChaos] = [await createTestDatabase(), await createTestDatabase()];
    dbs.push(dbRef, dbChaos);
    const cw = [
      await startCaseWorker(ref, dbRef.url, {}, 'cases-ref'),
      await startCaseWorker(chaos, dbChaos.url, {}, 'cases-kill'),
    ];
    procs.push(...cw);
    await waitCasesApplied(dbRef.pool, refJobs.length);
    await waitCasesApplied(dbChaos.pool, chaosJobs.length);
    const [refCases, chaosCases] = [await casesOf(dbRef.pool), await casesOf(dbChaos.pool)];
    expect(chaosCases).toEqual(refCases);
    const flagged = new Set([...input.nonPayers, ...input.labelled]);
    expect(new Set(refCases.map((c) => c.buyerId))).toEqual(flagged);
    await Promise.all(cw.map((c) => c.service.stop()));

    report({
      scenario: `kill-9 x${KILLS}`,
      eventsIn: input.events.length,
      eventsAccounted: await committedTotal(chaos),
      duplicates: metric(finalText, 'vigil_detector_duplicate_events_total'),
      processedByKilledProcesses: processedByKilled,
      processedByFinalProcess: metric(finalText, 'vigil_detector_events_total'),
      kills,
      suspicions: chaosJobs.length,
      cases: chaosCases.length,
      recoveryMs,
    });
  });
});
