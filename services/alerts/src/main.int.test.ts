import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SELLER_ALERT_JOB_OPTIONS, type SellerAlert } from '@vigil/events';
import { createTestDatabase, type TestDatabase, testRedisUrl, uniqueName, waitFor } from '@vigil/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createWebhookStore } from './store';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// The composition root as operators run it: a child process, real config from the environment.
describe('alerts main (process)', () => {
  let db: TestDatabase;
  let child: ChildProcess | undefined;
  let queue: Queue;
  let redis: Redis;
  const held: ServerResponse[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => held.push(res));
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const res of held) res.destroy();
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    await queue?.obliterate({ force: true });
    await queue?.close();
    await redis?.quit();
    await db.drop();
  });

  it('serves ops endpoints and, on SIGTERM, finishes the delivery in flight before exiting', async () => {
    const queueName = uniqueName('alerts');
    const prefix = uniqueName('vigil_test');
    const port = await freePort();
    const seller = uniqueName('s');
    await createWebhookStore({ pool: db.pool }).set({
      sellerId: seller,
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      secret: 'whsec_main_0123456789',
    });
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'main.ts')], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL: testRedisUrl(),
        SELLER_ALERTS_QUEUE: queueName,
        BULLMQ_PREFIX: prefix,
        HTTP_PORT: String(port),
        ALERT_TIMEOUT_MS: '60000',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));

    const ready = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200 ? ((await res.json()) as { checks: Record<string, string> }) : undefined;
      },
      { timeoutMs: 60_000, description: 'alerts /readyz' },
    );
    expect(ready.checks).toEqual({ redis: 'ok', postgres: 'ok' });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const name of [
      'vigil_alerts_delivered_total',
      'vigil_alerts_failed_total',
      'vigil_alert_attempts_total{outcome="no_webhook"}',
      'vigil_alert_delivery_duration_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(metrics).toContain(name);
    }

    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
    queue = new Queue(queueName, { connection: redis, prefix });
    const alert: SellerAlert = {
      alertId: uniqueName('alert'),
      sellerId: seller,
      buyerId: 'b-1',
      orderIds: ['o-1'],
      ruleId: 'complaint-extortion',
      severity: 'high',
      caseId: 'c-1',
      recommendedActions: [],
      createdAt: new Date().toISOString(),
    };
    await queue.add('alert', { alert }, { ...SELLER_ALERT_JOB_OPTIONS, jobId: alert.alertId });
    await waitFor(() => held.length === 1, { description: 'delivery in flight' });

    child.kill('SIGTERM');
    await waitFor(() => output.includes('shutting down'), { description: 'shutdown started' });
    // Only now does the receiver answer: a worker that did not wait would be gone already.
    held[0]?.writeHead(200).end();
    expect(await exited).toBe(0);
    expect(await queue.getJobState(alert.alertId)).toBe('completed');
    const rows = await db.pool.query('SELECT outcome FROM alert_deliveries WHERE alert_id = $1', [
      alert.alertId,
    ]);
    expect(rows.rows).toEqual([{ outcome: 'delivered' }]);
  });
});
