// Detection quality of the real pipeline (detector + case worker) against the simulator's ground
// truth: `npm run bench:quality [-- --seed 42 --buyers 5000 --rate max --timeout 1800]`. See bench/README.md.
//
// Same orchestration as the demo (packages/devstack startPipeline) in its own namespace
// `vigil-bench-quality` (per-run topics and group, database vigil_bench_quality recreated, Redis
// keys cleared). Writes bench/results/quality-<timestamp>.json and bench/results/quality-latest.md
// and prints the Markdown table.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type CaseHit,
  metricByLabel,
  metricValue,
  qualityMarkdown,
  SendLog,
  scoreQuality,
  startPipeline,
} from '@vigil/devstack';
import type { MarketEvent } from '@vigil/events';
import { createKafkaSink, generate, pump } from '@vigil/simulator';
import { z } from 'zod';

const root = join(__dirname, '..', '..');
const say = (line: string) => process.stderr.write(`[quality] ${line}\n`);

const Flags = z.object({
  seed: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1–64 letters, digits, ".", "_" or "-"')
    .default('42'),
  buyers: z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().min(100, 'must be at least 100').max(1_000_000, 'must be at most 1000000'))
    .default(5000),
  /**
   * Events per second, or `max` (as fast as Kafka takes them: a backlog the detector catches up
   * on). A paced run keeps the topics close together in event time.
   */
  rate: z
    .string()
    .refine(
      (x) => x === 'max' || (/^\d+$/.test(x) && Number(x) > 0),
      "expected a positive whole number or 'max'",
    )
    .transform((x): number | 'max' => (x === 'max' ? 'max' : Number(x)))
    .default('max'),
  /** Seconds to wait for the pipeline to drain after producing. */
  timeout: z
    .string()
    .regex(/^\d+$/, 'expected a whole number of seconds')
    .transform(Number)
    .pipe(z.number().min(10, 'must be at least 10'))
    .default(1800),
});

function flags() {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: process.argv.slice(2),
      options: {
        seed: { type: 'string' },
        buyers: { type: 'string' },
        rate: { type: 'string' },
        timeout: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const r = Flags.safeParse(values);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsageError(`--${String(i.path[0])}: ${i.message}`);
  }
  return r.data;
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const opts = flags();
  // The span ends now (rounded to the minute): window keys expire on the wall clock, so month-old
  // traffic could age out mid-run. The seed alone fixes every draw; only timestamps shift.
  const end = new Date(Math.floor(Date.now() / 60000) * 60000);
  const sim = generate({ seed: opts.seed, buyers: opts.buyers, end });
  const abusive = sim.truth.filter((t) => t.abusive).length;
  say(`seed ${opts.seed}: ${sim.events.length} events, ${opts.buyers} buyers (${abusive} abusive)`);

  const pipeline = await startPipeline({
    root,
    namespace: 'vigil-bench-quality',
    services: ['detector', 'cases'],
    log: say,
    // Auto-confirmation changes nothing about which cases exist; it stays at its default.
    env: { detector: { LOG_LEVEL: 'warn' }, cases: { LOG_LEVEL: 'warn' } },
  });
  const stopOnSignal = () => void pipeline.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const watch = new Set(sim.truth.flatMap((t) => t.triggers.map((x) => x.eventId)));
    const sendLog = new SendLog(watch);
    const kafka = await createKafkaSink({ brokers: pipeline.brokers, topicPrefix: pipeline.topicPrefix });
    const timed = {
      name: kafka.name,
      async write(events: readonly MarketEvent[]) {
        await kafka.write(events);
        sendLog.record(events, Date.now());
      },
      close: () => kafka.close(),
    };
    const t0 = Date.now();
    let produced: Awaited<ReturnType<typeof pump>>;
    try {
      produced = await pump(sim.events, [timed], { rate: opts.rate, batchSize: 500 });
    } finally {
      await timed.close();
    }
    say(`produced ${produced.sent} events in ${(produced.elapsedMs / 1000).toFixed(1)} s; waiting to drain…`);
    let last = 0;
    await pipeline.waitDrained(opts.timeout * 1000, (s) => {
      if (Date.now() - last < 10000) return;
      last = Date.now();
      say(`  lag ${s.lag}, suspicions ${s.suspicions}, outbox ${s.outbox}`);
    });
    const drainedAt = Date.now();
    say(`drained ${((drainedAt - t0) / 1000).toFixed(1)} s after the first send`);

    // Every buyer an evidence row implicates: the case's buyer, or on a seller-victim case the
    // suspicion's buyers.
    const rows = (
      await pipeline.pool.query<{
        buyer_id: string | null;
        rule_id: string;
        buyer_ids: string[];
        created_ms: string;
      }>(
        `SELECT c.buyer_id, e.rule_id, e.buyer_ids, (extract(epoch FROM e.created_at) * 1000)::bigint AS created_ms
           FROM case_evidence e JOIN cases c ON c.id = e.case_id`,
      )
    ).rows;
    const hits: CaseHit[] = rows.flatMap((r) =>
      (r.buyer_id ? [r.buyer_id] : r.buyer_ids).map((buyerId) => ({
        buyerId,
        ruleId: r.rule_id,
        createdAtMs: Number(r.created_ms),
      })),
    );
    const score = scoreQuality(sim.truth, hits, sendLog.readyAt);
    const detector = await pipeline.metrics('detector');
    const cases = await pipeline.pool.query<{ n: string }>('SELECT count(*) AS n FROM cases');

    const at = new Date();
    const pace = opts.rate === 'max' ? 'produced at full speed' : `produced at ${opts.rate} events/s`;
    const heading = `seed ${opts.seed}, ${opts.buyers} buyers, ${pace}, ${at.toISOString().slice(0, 10)}`;
    const md =
      qualityMarkdown(score, heading) +
      `\n${sim.events.length} events (${metricValue(detector, 'vigil_detector_events_total')} processed, ` +
      `${metricValue(detector, 'vigil_detector_invalid_events_total')} invalid), ` +
      `${Number(cases.rows[0]?.n ?? 0)} cases; produced in ${(produced.elapsedMs / 1000).toFixed(1)} s, ` +
      `drained ${((drainedAt - t0) / 1000).toFixed(1)} s after the first send.\n`;
    const dir = join(root, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `quality-${at.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          at: at.toISOString(),
          seed: opts.seed,
          buyers: opts.buyers,
          rate: opts.rate,
          abusive,
          simulatedEnd: end.toISOString(),
          events: sim.events.length,
          producedMs: produced.elapsedMs,
          drainedMs: drainedAt - t0,
          detector: {
            processed: metricValue(detector, 'vigil_detector_events_total'),
            invalid: metricValue(detector, 'vigil_detector_invalid_events_total'),
            late: metricValue(detector, 'vigil_detector_late_events_total'),
            suspicionsByRule: metricByLabel(detector, 'vigil_detector_suspicions_emitted_total', 'rule'),
          },
          cases: Number(cases.rows[0]?.n ?? 0),
          score,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(dir, 'quality-latest.md'), md);
    process.stdout.write(md);
    say(`wrote ${file} and bench/results/quality-latest.md`);
  } finally {
    await pipeline.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(
        `error: ${err.message}\nusage: npm run bench:quality -- [--seed S] [--buyers N] [--rate N|max] [--timeout SECONDS]\n`,
      );
      process.exit(2);
    }
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
