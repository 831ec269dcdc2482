import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@vigil/common';
import { SELLER_ALERT_JOB_OPTIONS, type SellerAlert } from '@vigil/events';
import { createTestDatabase, type TestDatabase, testRedisUrl, uniqueName, waitFor } from '@vigil/testkit';
import { verifySignature } from '@vigil/webhooks';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createAlertMetrics } from './metrics';
import { createWebhookStore, type WebhookStore } from './store';
import { type AlertWorkerOptions, createAlertWorker } from './worker';

// A local seller receiver: one server, one path per seller, a scripted answer per request.
interface Received {
  sellerPath: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** Status sent back, or undefined while the request is held open. */
  status?: number;
}
type Answer = number | 'hang';

class Receiver {
  readonly requests: Received[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly held = new Set<ServerResponse>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const entry: Received = { sellerPath: path, headers: req.headers, body: Buffer.concat(chunks) };
        this.requests.push(entry);
        const script = this.scripts.get(path) ?? [];
        // The last scripted answer repeats.
        const answer = script.length > 1 ? (script.shift() as Answer) : (script[0] ?? 200);
        if (answer === 'hang') {
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        }
        entry.status = answer;
        res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  script(path: string, answers: Answer[]): string {
    this.scripts.set(path, answers);
    return `${this.url}${path}`;
  }

  to(path: string): Received[] {
    return this.requests.filter((r) => r.sellerPath === path);
  }

  /** Drops every held request (the client sees a reset connection). */
  releaseHeld(): void {
    for (const res of this.held) res.destroy();
    this.held.clear();
  }

  heldCount(): number {
    return this.held.size;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const SECRET = 'whsec_integration_0123456789';
const logger = createLogger({ name: 'alerts-test', level: 'silent' });

function alertFor(sellerId: string, overrides: Partial<SellerAlert> = {}): SellerAlert {
  return {
    alertId: uniqueName('alert'),
    sellerId,
    buyerId: 'b-1',
    orderIds: ['o-1', 'o-2'],
    ruleId: 'bulk-non-payment',
    severity: 'high',
    caseId: 'case-1',
    recommendedActions: ['reduce_stock_on_payment', 'per_account_purchase_limit'],
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

describe('seller alert worker (real Redis, PostgreSQL and HTTP receiver)', () => {
  let db: TestDatabase;
  let store: WebhookStore;
  const receiver = new Receiver();

  beforeAll(async () => {
    db = await createTestDatabase();
    store = createWebhookStore({ pool: db.pool, cacheMs: 0 });
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await db.drop();
  });

  // One queue, prefix, worker and registry per test.
  let queue: Queue;
  let worker: Worker | undefined;
  let registry: Registry;
  let workerRedis: Redis;
  let queueRedis: Redis;
  let queueName: string;
  let prefix: string;

  beforeEach(() => {
    queueName = uniqueName('alerts');
    prefix = uniqueName('vigil_test');
    registry = new Registry();
    workerRedis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queueRedis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queue = new Queue(queueName, { connection: queueRedis, prefix });
  });
  afterEach(async () => {
    // Free any request still held so close() does not wait for its timeout.
    receiver.releaseHeld();
    await worker?.close();
    worker = undefined;
    await queue.obliterate({ force: true });
    await queue.close();
    await workerRedis.quit();
    await queueRedis.quit();
  });

  function startWorker(overrides: Partial<AlertWorkerOptions> = {}): Worker {
    worker = createAlertWorker({
      connection: workerRedis,
      queueName,
      prefix,
      concurrency: 16,
      timeoutMs: 10_000,
      backoff: { baseMs: 20, maxMs: 100 },
      giveUpAfterMs: 24 * 3_600_000,
      store,
      metrics: createAlertMetrics(registry),
      logger,
      ...overrides,
    });
    return worker;
  }

  async function enqueue(alert: SellerAlert | Record<string, unknown>, jobId: string): Promise<void> {
    await queue.add('alert', { alert }, { ...SELLER_ALERT_JOB_OPTIONS, jobId });
  }

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const m = await registry.getSingleMetric(name)?.get();
    const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
    return v?.value ?? 0;
  }

  async function deliveries(alertId: string) {
    const r = await db.pool.query(
      'SELECT attempt, outcome, status_code, error, delivered FROM alert_deliveries WHERE alert_id = $1 ORDER BY attempt',
      [alertId],
    );
    return r.rows as {
      attempt: number;
      outcome: string;
      status_code: number | null;
      error: string | null;
      delivered: boolean;
    }[];
  }

  const finished = (id: string, state: 'completed' | 'failed') =>
    waitFor(async () => (await queue.getJobState(id)) === state, { description: `job ${id} ${state}` });

  it('delivers a signed alert whose signature verifies, and a tampered body does not', async () => {
    const seller = uniqueName('s');
    const url = receiver.script(`/${seller}`, [200]);
    await store.set({ sellerId: seller, url, secret: SECRET });
    const alert = alertFor(seller);
    startWorker();
    await enqueue(alert, alert.alertId);
    await finished(alert.alertId, 'completed');

    const [req] = receiver.to(`/${seller}`);
    expect(req).toBeDefined();
    const { headers, body } = req as Received;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-vigil-alert-id']).toBe(alert.alertId);
    expect(JSON.parse(body.toString('utf8'))).toEqual(alert);
    const ts = headers['x-vigil-timestamp'] as string;
    const sig = headers['x-vigil-signature'] as string;
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, ts, body, sig)).toBe(true);
    const tampered = body.toString('utf8').replace('"high"', '"low"');
    expect(verifySignature(SECRET, ts, tampered, sig)).toBe(false);
    expect(verifySignature('whsec_someone_else_0123', ts, body, sig)).toBe(false);

    expect(await deliveries(alert.alertId)).toEqual([
      { attempt: 1, outcome: 'delivered', status_code: 200, error: null, delivered: true },
    ]);
    expect((await queue.getJob(alert.alertId))?.returnvalue).toEqual({
      outcome: 'delivered',
      attempt: 1,
      statusCode: 200,
    });
    expect(await metric('vigil_alerts_delivered_total')).toBe(1);
    expect(await metric('vigil_alert_attempts_total', { outcome: 'delivered' })).toBe(1);
  });

  it('retries a webhook answering 500 twice and delivers once, recording every attempt', async () => {
    const seller = uniqueName('s');
    const url = receiver.script(`/${seller}`, [500, 500, 200]);
    await store.set({ sellerId: seller, url, secret: SECRET });
    const alert = alertFor(seller);
    startWorker();
    await enqueue(alert, alert.alertId);
    await finished(alert.alertId, 'completed');

    const reqs = receiver.to(`/${seller}`);
    expect(reqs.map((r) => r.status)).toEqual([500, 500, 200]);
    // The same alert each time (receivers dedupe on alertId).
    expect(new Set(reqs.map((r) => r.headers['x-vigil-alert-id']))).toEqual(new Set([alert.alertId]));
    expect(new Set(reqs.map((r) => r.body.toString('utf8'))).size).toBe(1);
    expect(await deliveries(alert.alertId)).toEqual([
      { attempt: 1, outcome: 'http_error', status_code: 500, error: 'HTTP 500', delivered: false },
      { attempt: 2, outcome: 'http_error', status_code: 500, error: 'HTTP 500', delivered: false },
      { attempt: 3, outcome: 'delivered', status_code: 200, error: null, delivered: true },
    ]);
    expect(await metric('vigil_alert_attempts_total', { outcome: 'http_error' })).toBe(2);
    expect(await metric('vigil_alerts_delivered_total')).toBe(1);
    expect(await metric('vigil_alerts_failed_total')).toBe(0);
  });

  it("does not let a hanging receiver block another seller's alert", async () => {
    const slow = uniqueName('s');
    const fast = uniqueName('s');
    await store.set({ sellerId: slow, url: receiver.script(`/${slow}`, ['hang', 200]), secret: SECRET });
    await store.set({ sellerId: fast, url: receiver.script(`/${fast}`, [200]), secret: SECRET });
    // A timeout far longer than the test: the slow request stays open for all of it.
    startWorker({ timeoutMs: 120_000 });
    const a = alertFor(slow);
    const b = alertFor(fast);
    await enqueue(a, a.alertId);
    await waitFor(() => receiver.heldCount() === 1, { description: 'slow receiver holding the request' });
    await enqueue(b, b.alertId);
    await finished(b.alertId, 'completed');

    expect(receiver.to(`/${fast}`).map((r) => r.status)).toEqual([200]);
    // The slow seller's request is still open and its job still active.
    expect(receiver.heldCount()).toBe(1);
    expect(await queue.getJobState(a.alertId)).toBe('active');
    expect(await deliveries(a.alertId)).toEqual([]);
  });

  it('times a hanging receiver out and retries it', async () => {
    const seller = uniqueName('s');
    await store.set({ sellerId: seller, url: receiver.script(`/${seller}`, ['hang', 200]), secret: SECRET });
    startWorker({ timeoutMs: 300 });
    const alert = alertFor(seller);
    await enqueue(alert, alert.alertId);
    await finished(alert.alertId, 'completed');
    expect(await deliveries(alert.alertId)).toEqual([
      {
        attempt: 1,
        outcome: 'timeout',
        status_code: null,
        error: 'timed out after 300 ms',
        delivered: false,
      },
      { attempt: 2, outcome: 'delivered', status_code: 200, error: null, delivered: true },
    ]);
    expect(await metric('vigil_alert_attempts_total', { outcome: 'timeout' })).toBe(1);
  });

  it('gives up on an alert older than the give-up age, leaving it failed with the last error', async () => {
    const seller = uniqueName('s');
    await store.set({ sellerId: seller, url: receiver.script(`/${seller}`, [503]), secret: SECRET });
    startWorker();
    const alert = alertFor(seller, { createdAt: new Date(Date.now() - 25 * 3_600_000).toISOString() });
    await enqueue(alert, alert.alertId);
    await finished(alert.alertId, 'failed');

    const job = await queue.getJob(alert.alertId);
    expect(job?.failedReason).toMatch(/^gave up after 1 attempt\(s\).*last error: HTTP 503$/);
    expect(await deliveries(alert.alertId)).toEqual([
      { attempt: 1, outcome: 'http_error', status_code: 503, error: 'HTTP 503', delivered: false },
    ]);
    expect(await metric('vigil_alerts_failed_total')).toBe(1);
  });

  it('keeps retrying a failing receiver until the give-up age, then fails with the last error', async () => {
    const seller = uniqueName('s');
    // A port that was just free: every attempt is refused.
    await store.set({ sellerId: seller, url: `http://127.0.0.1:${await closedPort()}/hook`, secret: SECRET });
    startWorker({ giveUpAfterMs: 3_000, backoff: { baseMs: 50, maxMs: 400 } });
    const alert = alertFor(seller);
    await enqueue(alert, alert.alertId);
    await finished(alert.alertId, 'failed');

    const rows = await deliveries(alert.alertId);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.outcome === 'network_error' && !r.delivered)).toBe(true);
    expect(rows.map((r) => r.attempt)).toEqual(rows.map((_, i) => i + 1));
    const job = await queue.getJob(alert.alertId);
    expect(job?.failedReason).toContain(`gave up after ${rows.length} attempt(s)`);
    expect(job?.failedReason).toContain(`last error: ${rows.at(-1)?.error}`);
    expect(await metric('vigil_alerts_failed_total')).toBe(1);
  });

  it('completes without retry when the seller has no webhook or an inactive one', async () => {
    const none = uniqueName('s');
    const inactive = uniqueName('s');
    await store.set({
      sellerId: inactive,
      url: receiver.script(`/${inactive}`, [200]),
      secret: SECRET,
      active: false,
    });
    startWorker();
    const a = alertFor(none);
    const b = alertFor(inactive);
    await enqueue(a, a.alertId);
    await enqueue(b, b.alertId);
    await finished(a.alertId, 'completed');
    await finished(b.alertId, 'completed');

    for (const alert of [a, b]) {
      expect((await queue.getJob(alert.alertId))?.returnvalue).toEqual({ outcome: 'no_webhook', attempt: 1 });
      expect(await deliveries(alert.alertId)).toEqual([
        { attempt: 1, outcome: 'no_webhook', status_code: null, error: null, delivered: false },
      ]);
    }
    expect(receiver.to(`/${inactive}`)).toEqual([]);
    expect(await metric('vigil_alert_attempts_total', { outcome: 'no_webhook' })).toBe(2);
  });

  it('fails invalid job data at once, without retry, and counts it', async () => {
    startWorker();
    await enqueue({ alertId: 'x', sellerId: 's' }, 'bad-job-1');
    await finished('bad-job-1', 'failed');
    const job = await queue.getJob('bad-job-1');
    expect(job?.failedReason).toMatch(/^invalid SellerAlertJob/);
    expect(job?.attemptsMade).toBe(1);
    expect(await metric('vigil_alert_jobs_invalid_total')).toBe(1);
  });
});
