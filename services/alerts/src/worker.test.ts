import { createLogger } from '@vigil/common';
import type { SellerAlert } from '@vigil/events';
import { verifySignature } from '@vigil/webhooks';
import type { Job } from 'bullmq';
import { Registry } from 'prom-client';
import { createAlertMetrics } from './metrics';
import type { DeliveryRecord, WebhookStore } from './store';
import { alertBackoffStrategy, createAlertProcessor } from './worker';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const SECRET = 'whsec_unit_0123456789';
const alert: SellerAlert = {
  alertId: 'al-1',
  sellerId: 's-1',
  buyerId: 'b-1',
  orderIds: ['o-1'],
  ruleId: 'review-extortion',
  severity: 'high',
  caseId: 'c-1',
  recommendedActions: ['report_chat'],
  createdAt: '2026-11-26T11:00:00Z',
};

function fakeJob(data: unknown, attemptsMade = 0, attempts = 60): Job {
  return { id: 'j-1', data, attemptsMade, opts: { attempts } } as unknown as Job;
}

function setup(answer: (req: Request) => Promise<Response>, storeOverrides: Partial<WebhookStore> = {}) {
  const records: DeliveryRecord[] = [];
  const store: WebhookStore = {
    lookup: async () => ({
      sellerId: 's-1',
      url: 'https://seller.example/hook',
      secret: SECRET,
      active: true,
    }),
    set: async () => undefined,
    remove: async () => true,
    record: async (r) => void records.push(r),
    ...storeOverrides,
  };
  const registry = new Registry();
  const metrics = createAlertMetrics(registry);
  const process = createAlertProcessor({
    connection: undefined as never,
    queueName: 'q',
    prefix: 'p',
    concurrency: 1,
    timeoutMs: 1000,
    backoff: { baseMs: 5000, maxMs: 3_600_000 },
    giveUpAfterMs: 24 * 3_600_000,
    store,
    metrics,
    logger: createLogger({ name: 't', level: 'silent' }),
    now: () => NOW,
    fetchImpl: (async (url: string, init: RequestInit) => answer(new Request(url, init))) as typeof fetch,
  });
  return { process, records, metrics };
}

describe('alert processor', () => {
  it('sends exactly the alert fields, signed with the seller secret and the current time', async () => {
    let seen: { headers: Headers; body: string } | undefined;
    const { process } = setup(async (req) => {
      seen = { headers: req.headers, body: await req.text() };
      return new Response(null, { status: 204 });
    });
    const result = await process(fakeJob({ alert: { ...alert, internalNote: 'must not leak' } }));
    expect(result).toEqual({ outcome: 'delivered', attempt: 1, statusCode: 204 });
    expect(seen?.body).toBe(JSON.stringify(alert));
    expect(seen?.headers.get('x-vigil-timestamp')).toBe(String(NOW / 1000));
    const ok = verifySignature(
      SECRET,
      NOW / 1000,
      seen?.body ?? '',
      seen?.headers.get('x-vigil-signature') ?? '',
      {
        nowSeconds: NOW / 1000,
      },
    );
    expect(ok).toBe(true);
  });

  it('throws a retryable error on a failed attempt while the alert is young and attempts remain', async () => {
    const { process, records } = setup(async () => new Response('x', { status: 502 }));
    await expect(process(fakeJob({ alert }, 3))).rejects.toMatchObject({
      name: 'VigilError',
      message: 'HTTP 502',
      retriable: true,
    });
    expect(records).toMatchObject([{ attempt: 4, outcome: 'http_error', statusCode: 502 }]);
  });

  it('gives up (UnrecoverableError) on the last allowed attempt even before the give-up age', async () => {
    const { process, metrics } = setup(async () => new Response('x', { status: 500 }));
    await expect(process(fakeJob({ alert }, 59, 60))).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: expect.stringContaining('gave up after 60 attempt(s)'),
    });
    expect((await metrics.failed.get()).values[0]?.value).toBe(1);
  });

  it('still reports a delivery when recording it fails (no re-send because the audit table is down)', async () => {
    const { process, metrics } = setup(async () => new Response(null, { status: 200 }), {
      record: async () => {
        throw new Error('db down');
      },
    });
    await expect(process(fakeJob({ alert }))).resolves.toMatchObject({ outcome: 'delivered' });
    expect((await metrics.recordErrors.get()).values[0]?.value).toBe(1);
  });

  it('retries when the webhook lookup fails', async () => {
    const { process } = setup(async () => new Response(null, { status: 200 }), {
      lookup: async () => {
        throw new Error('connection refused');
      },
    });
    await expect(process(fakeJob({ alert }))).rejects.toMatchObject({
      name: 'VigilError',
      retriable: true,
      message: expect.stringContaining('webhook lookup failed'),
    });
  });
});

describe('vigil-alert backoff strategy', () => {
  const strategy = alertBackoffStrategy({
    backoff: { baseMs: 5000, maxMs: 3_600_000, jitter: 0 },
    giveUpAfterMs: 24 * 3_600_000,
    now: () => NOW,
  });

  it('follows the schedule and stops at the give-up deadline', () => {
    expect(strategy(1, 'vigil-alert', undefined, fakeJob({ alert }))).toBe(5000);
    expect(strategy(30, 'vigil-alert', undefined, fakeJob({ alert }))).toBe(3_600_000);
    const old = { ...alert, createdAt: new Date(NOW - 24 * 3_600_000 + 60_000).toISOString() };
    expect(strategy(30, 'vigil-alert', undefined, fakeJob({ alert: old }))).toBe(60_000);
  });

  it('falls back to the plain schedule when the job data has no usable createdAt', () => {
    expect(strategy(2, 'vigil-alert', undefined, fakeJob({ nope: true }))).toBe(10_000);
  });
});
