import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningService, startService, waitHttpOk } from '@vigil/devstack';
import { MARKET_TOPICS, RULE_IDS, TOPICS, toKafkaMessage } from '@vigil/events';
import {
  createTestDatabase,
  createTopics,
  type TestDatabase,
  testBrokers,
  testRedisUrl,
  uniqueName,
  waitFor,
} from '@vigil/testkit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { bulkNonPaymentAbuse, fiveSellerCartPaid } from '../detector/scenarios';

// A real Prometheus (Debian's package) scraping the four real services, each a child process on
// its own free port with unique topics, queues, key prefixes and database: the targets are up, a
// burst of events moves the detector's counters as PromQL sees them, the case worker's counter
// follows, and every vigil_* metric the services expose is in the catalogue (docs/metrics.md)
// with bounded labels.
const root = join(__dirname, '..', '..');
const catalogue = readFileSync(join(root, 'docs', 'metrics.md'), 'utf8');

/** Label names a vigil_* metric may carry: each has a small, fixed set of values. */
const ALLOWED_LABELS = new Set([
  'topic',
  'partition',
  'type',
  'reason',
  'rule',
  'severity',
  'retriable',
  'phase',
  'outcome',
  'level',
  'destination',
  'route',
  'method',
  'status',
  'le',
]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Installs Prometheus when missing (infra/prometheus/install.sh), or fails saying how to. */
function ensurePrometheus(): void {
  try {
    execFileSync('bash', [join(root, 'infra', 'prometheus', 'install.sh')], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 300_000,
    });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(
      `Prometheus is not installed and could not be installed (apt-get install prometheus): ${stderr || (err as Error).message}`,
    );
  }
}

const QueryResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(
      z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }),
    ),
  }),
});
const TargetsResponse = z.object({
  status: z.literal('success'),
  data: z.object({
    activeTargets: z.array(
      z.object({ labels: z.record(z.string(), z.string()), health: z.string(), lastError: z.string() }),
    ),
  }),
});

/** Metric families in a Prometheus text exposition: name → type (from the `# TYPE` lines). */
function families(exposition: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Catalogue rows of docs/metrics.md: name → { type, services }. */
function catalogueRows(): Map<string, { type: string; services: string[] }> {
  const rows = new Map<string, { type: string; services: string[] }>();
  for (const line of catalogue.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`(vigil_[a-z0-9_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!name) continue;
    const services = (cells[6] ?? '').split(',').map((s) => s.trim());
    rows.set(name, { type: cells[2] ?? '', services });
  }
  return rows;
}

describe('Prometheus scraping the Vigil services', () => {
  const prefix = `${uniqueName('mon')}.`;
  const tag = uniqueName('mon').replace(/_/g, '-');
  const bullPrefix = uniqueName('bull');
  const suspicionsQueue = uniqueName('suspicions');
  const alertsQueue = uniqueName('alerts');
  const keyPrefix = uniqueName('vigil_mon');
  const apiPrefix = uniqueName('vigil_mon_api');
  const abuse = bulkNonPaymentAbuse(`${tag}-bnp`);
  const honest = fiveSellerCartPaid(`${tag}-cart`);
  const ids = new Set(
    [...abuse.events, ...honest.events].flatMap((e) => [e.id, e.buyerId, e.sellerId, e.orderId ?? e.id]),
  );
  const services: RunningService[] = [];
  const ports: Record<'detector' | 'cases' | 'alerts' | 'api', number> = {
    detector: 0,
    cases: 0,
    alerts: 0,
    api: 0,
  };
  let promPort = 0;
  let prometheus: ChildProcess | undefined;
  let promExited: Promise<unknown> = Promise.resolve();
  let promDir = '';
  let db: TestDatabase | undefined;

  async function query(expr: string) {
    const url = `http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const parsed = QueryResponse.safeParse(await res.json());
    if (!parsed.success) throw new Error(`unexpected answer to ${expr}: ${parsed.error.message}`);
    return parsed.data.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }
  const scalar = async (expr: string) => (await query(expr))[0]?.value ?? 0;

  beforeAll(async () => {
    ensurePrometheus();
    for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
    promPort = await freePort();
    db = await createTestDatabase();
    await createTopics(
      [...MARKET_TOPICS, TOPICS.dlq, TOPICS.enforcement, TOPICS.sellerRelief].map((t) => `${prefix}${t}`),
    );
    const common = {
      KAFKA_BROKERS: testBrokers().join(','),
      REDIS_URL: testRedisUrl(),
      DATABASE_URL: db.url,
      BULLMQ_PREFIX: bullPrefix,
      SUSPICIONS_QUEUE: suspicionsQueue,
      SELLER_ALERTS_QUEUE: alertsQueue,
      LOG_LEVEL: 'warn',
    };
    const logDir = join(root, '.vigil', 'logs', 'monitoring-test');
    const env = {
      detector: {
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_GROUP_ID: uniqueName('mon-detector'),
        VIGIL_KEY_PREFIX: keyPrefix,
        HTTP_HOST: '127.0.0.1',
      },
      cases: {
        ENFORCEMENT_TOPIC: `${prefix}${TOPICS.enforcement}`,
        SELLER_RELIEF_TOPIC: `${prefix}${TOPICS.sellerRelief}`,
      },
      alerts: {},
      api: {
        HTTP_HOST: '127.0.0.1',
        LABELS_TOPIC: `${prefix}${TOPICS.sellerLabels}`,
        ORDERS_TOPIC: `${prefix}${TOPICS.orders}`,
        ORDERS_GROUP_ID: uniqueName('mon-api-orders'),
        REDIS_PREFIX: apiPrefix,
        VIGIL_KEY_PREFIX: keyPrefix,
      },
    };
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) {
      services.push(
        startService({
          name,
          root,
          logDir,
          env: { ...common, ...env[name], HTTP_PORT: String(ports[name]) },
        }),
      );
    }
    for (const s of services) {
      await waitHttpOk(`http://127.0.0.1:${ports[s.name as keyof typeof ports]}/readyz`, 60_000, s);
    }

    promDir = mkdtempSync(join(tmpdir(), 'vigil-prometheus-'));
    const job = (name: string, port: number) =>
      `  - job_name: vigil-${name}\n    static_configs:\n      - targets: ["127.0.0.1:${port}"]\n        labels: { service: ${name} }\n`;
    // A 1 s scrape so a counter's move shows within seconds; the real alert rules are loaded too,
    // so a rule file Prometheus itself rejects fails here and not only in promtool.
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n` +
        `rule_files:\n  - ${join(root, 'infra', 'prometheus', 'alerts.yml')}\n` +
        `scrape_configs:\n${Object.entries(ports)
          .map(([n, p]) => job(n, p))
          .join('')}`,
    );
    const proc = spawn(
      'prometheus',
      [
        `--config.file=${join(promDir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prometheus = proc;
    let promLog = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      promLog = (promLog + chunk.toString()).slice(-4000);
    });
    promExited = new Promise((resolve) => proc.once('exit', resolve));
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited: ${promLog}`);
        try {
          return (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok;
        } catch {
          return false;
        }
      },
      { description: 'Prometheus ready', timeoutMs: 30_000 },
    );
  });

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      const timer = setTimeout(() => prometheus?.kill('SIGKILL'), 10_000);
      await promExited;
      clearTimeout(timer);
    }
    await Promise.all(services.map((s) => s.stop()));
    await db?.drop();
    if (promDir) rmSync(promDir, { recursive: true, force: true });
    // Window keys, BullMQ keys and rate-limit keys have TTLs or are small; remove them anyway.
    const redis = new Redis(testRedisUrl());
    for (const pattern of [`${keyPrefix}*`, `${bullPrefix}:*`, `${apiPrefix}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    }
    await redis.quit();
  });

  it('scrapes every service: all four targets up', async () => {
    await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/targets?state=active`);
        const parsed = TargetsResponse.safeParse(await res.json());
        if (!parsed.success) throw new Error(parsed.error.message);
        const up = parsed.data.data.activeTargets.filter((t) => t.health === 'up');
        return up.length === 4;
      },
      { description: 'four targets up', timeoutMs: 30_000 },
    );
    const up = await query('up{job=~"vigil-.+"}');
    expect(up.map((r) => r.metric['job']).sort()).toEqual([
      'vigil-alerts',
      'vigil-api',
      'vigil-cases',
      'vigil-detector',
    ]);
    expect(up.every((r) => r.value === 1)).toBe(true);
  });

  it('events sent to Kafka move the detector counters as PromQL sees them', async () => {
    // A series seen at 0 first, so increase() has a baseline for the suspicion counter.
    await waitFor(
      async () =>
        (await query('vigil_detector_suspicions_emitted_total{rule="bulk-non-payment",severity="high"}'))
          .length === 1,
      { description: 'suspicion counter scraped at 0', timeoutMs: 30_000 },
    );
    const kafka = new Kafka({
      clientId: 'monitoring-test',
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const e of [...abuse.events, ...honest.events]) {
        const m = toKafkaMessage(e);
        await producer.send({
          topic: `${prefix}${m.topic}`,
          acks: -1,
          messages: [{ key: m.key, value: m.value }],
        });
      }
      // Not JSON: dead-lettered and counted by reason.
      await producer.send({
        topic: `${prefix}${TOPICS.orders}`,
        acks: -1,
        messages: [{ key: 'x', value: 'not json' }],
      });
    } finally {
      await producer.disconnect();
    }
    const sent = abuse.events.length + honest.events.length;

    await waitFor(async () => (await scalar('sum(vigil_detector_events_total)')) >= sent, {
      description: `Prometheus sees ${sent} events`,
      timeoutMs: 60_000,
    });
    const byType = await query('sum by (type) (vigil_detector_events_total)');
    const counts = Object.fromEntries(byType.map((r) => [r.metric['type'], r.value]));
    // Exactly the events sent, by type (each counted once; the invalid message is not an event).
    const expected: Record<string, number> = {};
    for (const e of [...abuse.events, ...honest.events]) expected[e.type] = (expected[e.type] ?? 0) + 1;
    expect(counts).toEqual(expected);
    expect(expected['order.cancelled']).toBe(3);

    await waitFor(
      async () =>
        (await scalar(
          'sum(increase(vigil_detector_suspicions_emitted_total{rule="bulk-non-payment"}[5m]))',
        )) > 0,
      { description: 'increase of bulk-non-payment suspicions', timeoutMs: 30_000 },
    );
    // The query docs/metrics.md ("Try it") shows: one series per rule (all exported at 0), and only
    // the abusive buyer's rule moved — the honest cart raised nothing.
    const expr = 'sum by (rule) (increase(vigil_detector_suspicions_emitted_total[5m]))';
    const byRule = await query(expr);
    expect(byRule).toHaveLength(RULE_IDS.length);
    expect(byRule.filter((r) => r.value > 0).map((r) => r.metric['rule'])).toEqual(['bulk-non-payment']);
    process.stdout.write(`${expr} → ${JSON.stringify(byRule.filter((r) => r.value > 0))}\n`);

    await waitFor(
      async () => (await scalar('sum(vigil_detector_invalid_events_total{reason="invalid_json"})')) === 1,
      { description: 'invalid message counted', timeoutMs: 30_000 },
    );
    expect(await scalar('sum(vigil_detector_dlq_messages_total)')).toBe(1);
  });

  it('the case worker opens a case for the suspicion: vigil_cases_opened_total moves', async () => {
    await waitFor(
      async () => (await scalar('sum(vigil_cases_opened_total{rule="bulk-non-payment"})')) === 1,
      { description: 'case opened, seen by Prometheus', timeoutMs: 60_000 },
    );
    expect(await scalar('sum(vigil_case_jobs_total{outcome="processed"})')).toBeGreaterThanOrEqual(1);
  });

  it('an operator dismissal through the API moves vigil_cases_dismissed_total (api target)', async () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'services/api/src/cli.ts', 'create', '--role', 'ops', '--label', 'monitoring test'],
      { cwd: root, env: { ...process.env, DATABASE_URL: db!.url, LOG_LEVEL: 'warn' }, encoding: 'utf8' },
    );
    const key = /vgl_[A-Za-z0-9_-]{43}/.exec(out)?.[0];
    if (!key) throw new Error(`no key in the CLI output: ${out}`);
    const api = `http://127.0.0.1:${ports.api}`;
    const auth = { authorization: `Bearer ${key}` };
    const list = z
      .object({ items: z.array(z.object({ id: z.string() })) })
      .safeParse(
        await (
          await fetch(`${api}/v1/cases?buyerId=${encodeURIComponent(abuse.buyerId)}`, { headers: auth })
        ).json(),
      );
    if (!list.success) throw new Error(list.error.message);
    expect(list.data.items).toHaveLength(1);
    const res = await fetch(`${api}/v1/cases/${list.data.items[0]!.id}/decision`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'dismiss', note: 'monitoring test: dismissal is counted' }),
    });
    expect(res.status).toBe(200);
    await waitFor(
      async () =>
        (await scalar(
          'sum(vigil_cases_dismissed_total{job="vigil-api",rule="bulk-non-payment",severity="high"})',
        )) === 1,
      { description: 'dismissal counted by the API, seen by Prometheus', timeoutMs: 30_000 },
    );
  });

  it('every vigil_* metric exposed is in the catalogue with its type and service; labels bounded', async () => {
    const rows = catalogueRows();
    const problems: string[] = [];
    for (const s of services) {
      const text = await (
        await fetch(`http://127.0.0.1:${ports[s.name as keyof typeof ports]}/metrics`)
      ).text();
      const fams = families(text);
      // prom-client's default metrics are on in every service.
      for (const d of [
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_heap_size_used_bytes',
      ]) {
        if (!fams.has(d)) problems.push(`${s.name}: default metric ${d} missing`);
      }
      for (const [name, type] of fams) {
        if (!name.startsWith('vigil_')) continue;
        const row = rows.get(name);
        if (!row) problems.push(`${s.name}: ${name} not in docs/metrics.md`);
        else if (row.type !== type)
          problems.push(`${s.name}: ${name} is a ${type}, catalogue says ${row.type}`);
        else if (!row.services.includes(s.name)) problems.push(`${s.name}: ${name} not listed for ${s.name}`);
      }
      for (const [name, row] of rows) {
        if (row.services.includes(s.name) && !fams.has(name)) {
          problems.push(`${s.name}: catalogue lists ${name}, service does not expose it`);
        }
      }
      for (const m of text.matchAll(/^(vigil_\w+)\{([^}]*)\}/gm)) {
        for (const pair of m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
          if (!ALLOWED_LABELS.has(pair[1]!)) problems.push(`${s.name}: ${m[1]} has label ${pair[1]}`);
          if (ids.has(pair[2]!) || pair[2]!.includes(tag)) {
            problems.push(`${s.name}: ${m[1]} has an id as label value (${pair[1]}=${pair[2]})`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
