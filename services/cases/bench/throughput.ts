// Measures the case worker end to end on the local stack: N suspicion jobs over B buyers (so
// cases merge), worker concurrency C, relay running. Run from the worktree root:
//   node --import tsx services/cases/bench/throughput.ts [N] [B] [C]
// Prints jobs/s, job duration quantiles from the histogram, and the outbox size.

import { performance } from 'node:perf_hooks';
import { createCaseMetrics, DEFAULT_AUTO_CONFIRM_POLICY } from '@vigil/cases';
import { createLogger } from '@vigil/common';
import { createTestDatabase, testRedisUrl, uniqueName, waitFor } from '@vigil/testkit';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createCaseWorker } from '../src/worker';

async function main(): Promise<void> {
  const [n = 2000, buyers = 200, concurrency = 4] = process.argv.slice(2).map(Number);
  const db = await createTestDatabase();
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  const prefix = uniqueName('bench');
  const queue = new Queue(uniqueName('susp'), { connection: redis as unknown as ConnectionOptions, prefix });
  const registry = new Registry();
  // Many open cases and alerts, few confirmations: the policy is off to measure merge cost alone.
  const worker = createCaseWorker({
    pool: db.pool,
    connection: redis,
    queueName: queue.name,
    prefix,
    concurrency,
    policy: { ...DEFAULT_AUTO_CONFIRM_POLICY, enabled: false },
    caseMetrics: createCaseMetrics(registry),
    registry,
    logger: createLogger({ name: 'bench', level: 'silent' }),
    autorun: false,
  });
  const rules = ['bulk-non-payment', 'refund-frequency', 'invalid-address', 'complaint-spree'] as const;
  await queue.addBulk(
    Array.from({ length: n }, (_, i) => ({
      name: 'suspicion',
      opts: { jobId: `j${i}` },
      data: {
        ruleId: rules[i % rules.length],
        subject: { kind: 'buyer', id: `b${i % buyers}` },
        buyerIds: [`b${i % buyers}`],
        sellerIds: [`s${i % 7}`],
        orderIds: [`o${i}`],
        severity: 'medium',
        evidence: { windows: { w: i }, eventIds: [`e${i}`], crossed: [] },
        eventTime: new Date(1_700_000_000_000 + i * 1000).toISOString(),
        detectedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      },
    })),
  );
  const t0 = performance.now();
  void worker.worker.run();
  await waitFor(async () => (await queue.getCompletedCount()) === n, { timeoutMs: 600_000, intervalMs: 100 });
  const seconds = (performance.now() - t0) / 1000;
  const h = (await registry.getMetricsAsJSON()).find((m) => m.name === 'vigil_case_job_duration_seconds');
  const buckets = (
    (h?.values ?? []) as { metricName?: string; labels: Record<string, string | number>; value: number }[]
  ).filter((v) => v.metricName?.endsWith('_bucket'));
  const q = (p: number) => buckets.find((b) => b.value >= p * n)?.labels['le'];
  const outbox = await db.pool.query('SELECT count(*)::int AS n FROM outbox');
  console.log(
    JSON.stringify({
      jobs: n,
      buyers,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      jobsPerSecond: Math.round(n / seconds),
      p50le: q(0.5),
      p99le: q(0.99),
      outboxRows: outbox.rows[0].n,
    }),
  );
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
  await db.drop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
