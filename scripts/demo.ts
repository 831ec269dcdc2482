// `npm run demo`: the whole pipeline on simulated traffic, then a summary a person can read.
// scripts/demo.sh brings the stack up (Kafka, Redis, PostgreSQL) and runs this file.
//
// Isolation: everything lives in the `vigil-demo` namespace (packages/devstack startPipeline):
// fresh per-run topics `vigil-demo-<run>.market.*` and consumer group, the database `vigil_demo`
// dropped and recreated, Redis keys under `vigil-demo:` and BullMQ prefix `vigil-demo-bull`
// cleared. A second run therefore starts clean and the summary describes this run only.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  DEMO_USAGE,
  DemoUsageError,
  metricByLabel,
  metricValue,
  type Pipeline,
  parseDemoArgs,
  startPipeline,
} from '@vigil/devstack';
import { SellerAlert, TOPICS } from '@vigil/events';
import { createKafkaSink, generate, progressPrinter, pump } from '@vigil/simulator';
import { verifySignature } from '@vigil/webhooks';
import { Kafka, logLevel } from 'kafkajs';

const root = join(__dirname, '..');
const out = (line = '') => process.stdout.write(`${line}\n`);
const step = (line: string) => process.stderr.write(`[demo] ${line}\n`);

// ─────────────────────────── seller webhook receiver ───────────────────────────

interface Received {
  alert: unknown;
  verified: boolean;
  headers: Record<string, string | undefined>;
}

/** A seller-side webhook endpoint on 127.0.0.1: verifies each request with the seller's secret. */
async function startReceiver(secrets: Map<string, string>) {
  const received: Received[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const server: Server = createServer((req, res) => {
    readBody(req).then(
      (raw) => {
        const sellerId = decodeURIComponent((req.url ?? '').replace(/^\/hooks\//, ''));
        const secret = secrets.get(sellerId);
        const ts = req.headers['x-vigil-timestamp'];
        const sig = req.headers['x-vigil-signature'];
        // Verify on the raw bytes, as a seller must (re-serialised JSON would not verify).
        const verified =
          secret !== undefined &&
          verifySignature(secret, Array.isArray(ts) ? ts[0] : ts, raw, Array.isArray(sig) ? sig[0] : sig);
        let parsed: unknown;
        try {
          const r = SellerAlert.safeParse(JSON.parse(raw.toString('utf8')));
          parsed = r.success ? r.data : { invalid: r.error.issues[0]?.message };
        } catch {
          parsed = { invalid: 'not JSON' };
        }
        const alertId = (parsed as { alertId?: string }).alertId;
        if (verified && alertId && seen.has(alertId)) duplicates++;
        if (verified && alertId) seen.add(alertId);
        received.push({
          alert: parsed,
          verified,
          headers: {
            'x-vigil-timestamp': Array.isArray(ts) ? ts[0] : ts,
            'x-vigil-signature': Array.isArray(sig) ? sig[0] : sig,
          },
        });
        // A real receiver refuses what it cannot verify (the worker then retries and gives up).
        res.writeHead(verified ? 204 : 401).end();
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    duplicates: () => duplicates,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// ─────────────────────────── setup helpers ───────────────────────────

/** Creates an ops API key with the API's own CLI (prints the key once; only its hash is stored). */
function createOpsKey(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'services/api/src/cli.ts', 'create', '--role', 'ops', '--label', 'vigil-demo'],
      { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      text += c.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const key = /^key=(\S+)$/m.exec(text)?.[1];
      if (code === 0 && key) resolve(key);
      else reject(new Error(`creating the API key failed (exit ${code}): ${text.trim().slice(0, 500)}`));
    });
  });
}

/** Registers one webhook per seller, pointing at the local receiver (seller_webhooks, migration 020). */
async function registerWebhooks(p: Pipeline, receiverUrl: string, sellers: string[]) {
  const secrets = new Map<string, string>();
  for (const s of sellers) secrets.set(s, randomBytes(24).toString('hex'));
  const ids = [...secrets.keys()];
  await p.pool.query(
    `INSERT INTO seller_webhooks (seller_id, url, secret, active)
     SELECT s, $2 || '/hooks/' || s, sec, true FROM unnest($1::text[], $3::text[]) AS t(s, sec)
     ON CONFLICT (seller_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, active = true, updated_at = now()`,
    [ids, receiverUrl, ids.map((s) => secrets.get(s)!)],
  );
  return secrets;
}

/** A few malformed messages, so the summary shows dead-lettering working next to valid traffic. */
async function sendInvalid(p: Pipeline): Promise<number> {
  const producer = new Kafka({
    clientId: 'vigil-demo-bad',
    brokers: p.brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  try {
    const messages = [
      { key: 'b-demo-bad', value: 'this is not JSON' },
      { key: 'b-demo-bad', value: JSON.stringify({ id: 'bad-1', type: 'order.paid', version: 1 }) },
      {
        key: 'b-demo-bad',
        value: JSON.stringify({
          id: 'bad-2',
          type: 'review.posted',
          version: 1,
          occurredAt: new Date().toISOString(),
          buyerId: 'b-demo-bad',
          sellerId: 's-demo',
          orderId: 'o-demo',
          data: { reviewId: 'r', rating: 5, text: 'wrong topic for this type' },
        }),
      },
    ];
    await producer.send({ topic: p.topic(TOPICS.orders), messages, acks: -1 });
    return messages.length;
  } finally {
    await producer.disconnect();
  }
}

// ─────────────────────────── summary ───────────────────────────

const SEVERITY_ORDER = "CASE severity WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END";
const OPS: Record<string, string> = { '>=': '≥', '<=': '≤', '>': '>', '<': '<', '==': '=' };

function table(rows: [string, string | number][], indent = '  '): string[] {
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(w)}  ${v}`);
}

async function summary(
  p: Pipeline,
  ctx: {
    produced: number;
    invalidSent: number;
    seconds: number;
    buyers: number;
    abusive: number;
    sellers: number;
    receiver: Awaited<ReturnType<typeof startReceiver>>;
    apiKey: string;
  },
) {
  const detector = await p.metrics('detector');
  const cases = await p.metrics('cases');
  const q = async <T extends object>(sql: string, args: unknown[] = []) =>
    (await p.pool.query<T>(sql, args)).rows;

  out();
  out('══════════════════════════════ Vigil demo: summary ══════════════════════════════');
  out(`run ${p.runId}: ${ctx.buyers} simulated buyers (${ctx.abusive} abusive), ${ctx.sellers} sellers`);
  out();
  out('Events');
  out(
    table([
      [
        'produced',
        `${ctx.produced} valid + ${ctx.invalidSent} malformed (sent on purpose), in ${ctx.seconds.toFixed(0)} s`,
      ],
      ['processed by the detector', metricValue(detector, 'vigil_detector_events_total')],
      ['invalid → vigil.dlq.v1', metricValue(detector, 'vigil_detector_invalid_events_total')],
      [
        'duplicates / late',
        `${metricValue(detector, 'vigil_detector_duplicate_events_total')} / ${metricValue(detector, 'vigil_detector_late_events_total')}`,
      ],
    ]).join('\n'),
  );

  out();
  out('Suspicions by rule (detector /metrics)');
  const byRule = Object.entries(
    metricByLabel(detector, 'vigil_detector_suspicions_emitted_total', 'rule'),
  ).sort((a, b) => b[1] - a[1]);
  out(byRule.length ? table(byRule).join('\n') : '  none');

  out();
  const status = await q<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM cases GROUP BY status ORDER BY status',
  );
  const total = status.reduce((s, r) => s + Number(r.n), 0);
  out(`Cases: ${total} (${status.map((r) => `${r.n} ${r.status}`).join(', ') || 'none'}); by rule:`);
  const caseRules = await q<{ rule: string; n: string; confirmed: string }>(
    `SELECT r AS rule, count(*) AS n, count(*) FILTER (WHERE status = 'confirmed') AS confirmed
       FROM cases, unnest(rule_ids) AS r GROUP BY r ORDER BY count(*) DESC, r`,
  );
  out(table(caseRules.map((r) => [r.rule, `${r.n} cases (${r.confirmed} confirmed)`])).join('\n'));

  out();
  out('Top 5 cases (severity, rules, suspicions)');
  const top = await q<{
    id: string;
    subject_kind: string;
    subject_id: string;
    status: string;
    severity: string;
    rule_ids: string[];
    suspicion_count: number;
    penalty_level: number;
    seller_ids: string[];
  }>(
    `SELECT id, subject_kind, subject_id, status, severity, rule_ids, suspicion_count, penalty_level, seller_ids
       FROM cases ORDER BY ${SEVERITY_ORDER} DESC, cardinality(rule_ids) DESC, suspicion_count DESC, created_at LIMIT 5`,
  );
  for (const [i, c] of top.entries()) {
    out(
      `  ${i + 1}. ${c.subject_kind} ${c.subject_id}  ${c.severity.toUpperCase()} ${c.status}` +
        `${c.penalty_level ? ` (penalty level ${c.penalty_level})` : ''}, ${c.suspicion_count} suspicions, ` +
        `${c.seller_ids.length} sellers  case ${c.id}`,
    );
    // The first evidence row of each rule on the case: which windows crossed which thresholds.
    const ev = await q<{
      rule_id: string;
      severity: string;
      windows: Record<string, number>;
      crossed: unknown;
      snippets: string[] | null;
    }>(
      `SELECT DISTINCT ON (rule_id) rule_id, severity, windows, crossed, snippets
         FROM case_evidence WHERE case_id = $1 ORDER BY rule_id, detected_at`,
      [c.id],
    );
    for (const e of ev) {
      const crossed = Array.isArray(e.crossed)
        ? (e.crossed as { window: string; value: number; op: string; threshold: number }[])
            .map((x) => `${x.window} = ${x.value} ${OPS[x.op] ?? x.op} ${x.threshold}`)
            .join(', ')
        : '';
      const windows =
        crossed ||
        Object.entries(e.windows ?? {})
          .map(([k, v]) => `${k} = ${v}`)
          .join(', ');
      const snip = e.snippets?.length ? `; matched "${e.snippets.slice(0, 2).join('", "')}"` : '';
      out(`       - ${e.rule_id} (${e.severity}): ${windows || 'no window values'}${snip}`);
    }
  }
  if (top.length === 0) out('  none');

  out();
  const pen = await q<{ level: number; action: string; n: string }>(
    'SELECT level, action, count(*) AS n FROM enforcements GROUP BY level, action ORDER BY level',
  );
  out(`Penalties (enforcement.applied on ${p.topic(TOPICS.enforcement)})`);
  out(pen.length ? table(pen.map((r) => [`level ${r.level} ${r.action}`, r.n])).join('\n') : '  none');
  const relief = await q<{ n: string; sellers: string; reviews: string }>(
    `SELECT count(*) AS n, count(DISTINCT seller_id) AS sellers,
            count(*) FILTER (WHERE 'remove_review' = ANY(actions)) AS reviews FROM seller_reliefs`,
  );
  const r0 = relief[0];
  out(
    `Seller relief (relief.granted on ${p.topic(TOPICS.sellerRelief)}): ${r0?.n ?? 0} orders of ${r0?.sellers ?? 0} sellers ` +
      `excluded from after-sales metrics, ${r0?.reviews ?? 0} with the review removed`,
  );
  const published = metricByLabel(cases, 'vigil_outbox_published_total', 'destination');
  if (Object.keys(published).length)
    out(
      `Outbox published: ${Object.entries(published)
        .map(([d, n]) => `${d} ${n}`)
        .join(', ')}`,
    );

  out();
  const rec = ctx.receiver.received;
  const ok = rec.filter((r) => r.verified).length;
  out(
    `Seller alerts received by the demo webhook: ${rec.length} (${ok} signature verified, ${rec.length - ok} rejected, ` +
      `${ctx.receiver.duplicates()} redeliveries)`,
  );
  // Prefer an alert naming orders: it shows what a seller can act on.
  const named = (r: Received) => ((r.alert as { orderIds?: unknown[] }).orderIds?.length ?? 0) > 0;
  const sample = rec.find((r) => r.verified && named(r)) ?? rec.find((r) => r.verified) ?? rec[0];
  if (sample) {
    out(`Sample alert as received (signature verified: ${sample.verified ? 'yes' : 'NO'}):`);
    out(`  X-Vigil-Timestamp: ${sample.headers['x-vigil-timestamp']}`);
    out(`  X-Vigil-Signature: ${sample.headers['x-vigil-signature']}`);
    for (const line of JSON.stringify(sample.alert, null, 2).split('\n')) out(`  ${line}`);
  }

  const api = p.services.api!;
  let apiCheck = '';
  try {
    const res = await fetch(`${api.url}/v1/cases?limit=1`, {
      headers: { authorization: `Bearer ${ctx.apiKey}` },
      signal: AbortSignal.timeout(5000),
    });
    apiCheck = `GET /v1/cases with the key answered ${res.status}`;
  } catch (err) {
    apiCheck = `GET /v1/cases failed: ${(err as Error).message}`;
  }
  out();
  out('Where to look next');
  const auth = `-H 'Authorization: Bearer ${ctx.apiKey}'`;
  const where: [string, string][] = [
    ['Case API', `${api.url}   (${apiCheck})`],
    ['ops API key', ctx.apiKey],
    ['example', `curl -s ${auth} '${api.url}/v1/cases?status=open&limit=5'`],
  ];
  if (top[0]) where.push(['one case', `curl -s ${auth} '${api.url}/v1/cases/${top[0].id}'`]);
  where.push(['OpenAPI', `${api.url}/openapi.json   docs: ${api.url}/docs`]);
  for (const [name, s] of Object.entries(p.services)) where.push([`${name} metrics`, `${s.url}/metrics`]);
  where.push(['logs', join(root, '.vigil', 'logs', 'vigil-demo')], ['database', p.databaseUrl]);
  out(table(where).join('\n'));
}

// ─────────────────────────── main ───────────────────────────

async function main(): Promise<number> {
  let opts: ReturnType<typeof parseDemoArgs>;
  try {
    opts = parseDemoArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof DemoUsageError) {
      process.stderr.write(`error: ${err.message}\n${DEMO_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (opts.help) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  const stayUp = !opts.exit && process.stdin.isTTY === true;

  const sim = generate({ seed: opts.seed, buyers: opts.buyers, end: new Date() });
  const sellers = [...new Set(sim.events.map((e) => e.sellerId))].sort();
  const abusive = sim.truth.filter((t) => t.abusive).length;
  step(
    `simulated ${sim.events.length} events: ${opts.buyers} buyers (${abusive} abusive), ${sellers.length} sellers, seed ${opts.seed}`,
  );

  let pipeline: Pipeline | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    step('stopping services (SIGTERM)…');
    await pipeline?.stop();
    await receiver?.close();
    step('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // The terminal closed: the services must not outlive the demo.
  process.on('SIGHUP', () => void shutdown(0));

  try {
    const secrets = new Map<string, string>();
    receiver = await startReceiver(secrets);
    pipeline = await startPipeline({
      root,
      namespace: 'vigil-demo',
      services: ['detector', 'cases', 'alerts', 'api'],
      log: step,
      // Alerts to the local receiver: retry soon if something is off, so the demo's drain is quick.
      env: { alerts: { ALERT_BACKOFF_BASE_MS: '1000', ALERT_BACKOFF_MAX_MS: '5000', WEBHOOK_CACHE_MS: '0' } },
    });
    for (const [s, secret] of await registerWebhooks(pipeline, receiver.url, sellers)) secrets.set(s, secret);
    step(`registered ${sellers.length} seller webhooks → ${receiver.url}/hooks/<sellerId>`);
    const apiKey = await createOpsKey(pipeline.databaseUrl);
    step(`ops API key: ${apiKey}`);

    const invalidSent = await sendInvalid(pipeline);
    const rate = Math.max(1, Math.ceil(sim.events.length / opts.seconds));
    step(`producing ${sim.events.length} events at ${rate}/s (about ${opts.seconds} s)…`);
    const sink = await createKafkaSink({ brokers: pipeline.brokers, topicPrefix: pipeline.topicPrefix });
    let result: Awaited<ReturnType<typeof pump>>;
    try {
      result = await pump(sim.events, [sink], {
        rate,
        total: sim.events.length,
        onProgress: progressPrinter(process.stderr),
        progressEveryMs: process.stderr.isTTY ? 200 : 5000,
      });
    } finally {
      await sink.close();
    }

    const drainMs = Math.max(120_000, opts.seconds * 3000);
    step(`waiting for the pipeline to drain (at most ${drainMs / 1000} s)…`);
    let lastLine = 0;
    await pipeline.waitDrained(drainMs, (s) => {
      if (Date.now() - lastLine < 5000) return;
      lastLine = Date.now();
      step(`  lag ${s.lag}, suspicions ${s.suspicions}, alerts ${s.alerts}, outbox ${s.outbox}`);
    });

    await summary(pipeline, {
      produced: result.sent,
      invalidSent,
      seconds: result.elapsedMs / 1000,
      buyers: opts.buyers,
      abusive,
      sellers: sellers.length,
      receiver,
      apiKey,
    });
  } catch (err) {
    step(`failed: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
    return 1;
  }

  if (!stayUp) {
    await shutdown(0);
    return 0;
  }
  out();
  out('Services keep running; press Ctrl-C to stop them.');
  await new Promise(() => {});
  return 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
