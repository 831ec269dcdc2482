import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { applySuspicion, decideCase } from '@vigil/cases';
import { createLogger, loadConfig } from '@vigil/common';
import { type OrderPlaced, SellerLabelled, type Suspicion } from '@vigil/events';
import { EXAMPLES } from '@vigil/events/src/examples';
import { createDetectorCore, defaultRulesConfig } from '@vigil/rules';
import { ev, HOUR } from '@vigil/rules/src/test-events';
import {
  createTestDatabase,
  createTopics,
  type TestDatabase,
  testBrokers,
  testRedisUrl,
  uniqueName,
  waitFor,
} from '@vigil/testkit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { createApp } from './app';
import { ApiKeyStore } from './auth';
import { ApiConfig } from './config';
import { OrderStore, startOrderConsumer } from './orders';
import { PgCaseRepository } from './pg-cases';
import { RulesWindowReader } from './rules-windows';
import type { BuyerWindowReader } from './windows';

// The case API against the real stack: PostgreSQL (a fresh migrated database with the case
// worker's tables), Redis (rate limiter, under a unique prefix) and Kafka (unique topics; the
// API's own order consumer learns who sold what from order.placed events).

const SELLER_A = 'seller-a';
const SELLER_B = 'seller-b';
const logger = createLogger({ name: 'api-test', level: 'silent' });

let db: TestDatabase;
let redis: Redis;
let kafka: Kafka;
let producer: Producer;
let admin: Admin;
let orderConsumer: Consumer;
let app: FastifyInstance;
let registry: Registry;
let labelsTopic: string;
const key = { ops: '', a: '', b: '', revoked: '' };
const cases = { shared: '', onlyB: '', onlyA: '' };

/** Requests and responses worth showing in docs/api.md; written when API_EXAMPLES_OUT is set. */
const examples: Record<string, unknown> = {};

async function call(
  method: 'GET' | 'POST',
  url: string,
  apiKey?: string,
  body?: unknown,
  example?: string,
  target: FastifyInstance = app,
) {
  // Real HTTP over a listening socket (fastify's inject needs an ESM-only dependency jest cannot load).
  const address = target.server.address();
  if (address === null || typeof address === 'string') throw new Error('app is not listening');
  const res = await fetch(`http://127.0.0.1:${address.port}${url}`, {
    method,
    headers: {
      ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const headers = Object.fromEntries(res.headers.entries());
  const text = await res.text();
  const json = headers['content-type']?.includes('json') ? JSON.parse(text) : text;
  if (example) {
    examples[example] = {
      request: {
        method,
        url,
        ...(apiKey ? { authorization: 'Bearer vgl_…' } : {}),
        ...(body === undefined ? {} : { body }),
      },
      response: { status: res.status, body: json },
    };
  }
  return { status: res.status, body: json, headers };
}

function placed(orderId: string, buyerId: string, sellerId: string): OrderPlaced {
  return { ...EXAMPLES['order.placed'], id: `placed-${orderId}`, orderId, buyerId, sellerId };
}

function suspicion(
  over: Partial<Suspicion> & Pick<Suspicion, 'ruleId' | 'sellerIds' | 'orderIds'>,
): Suspicion {
  const buyerId = over.buyerIds?.[0] ?? 'buyer-1';
  return {
    subject: { kind: 'buyer', id: buyerId },
    buyerIds: [buyerId],
    severity: 'medium',
    evidence: { windows: { payment_timeouts_24h: 3 }, eventIds: [], crossed: [] },
    eventTime: '2026-11-26T10:00:00.000Z',
    detectedAt: new Date().toISOString(),
    ...over,
  };
}

async function openCase(jobId: string, s: Suspicion): Promise<string> {
  const result = await applySuspicion(db.pool, jobId, s);
  const id = result.changes[0]?.caseId;
  if (!id) throw new Error(`suspicion ${jobId} opened no case`);
  return id;
}

// The risk endpoint reads the windows the real rule engine wrote (under a unique key prefix).
const windowsPrefix = uniqueName('apiwin');
let windows: BuyerWindowReader;

function buildApp(overrides: Record<string, string> = {}, metrics: Registry = new Registry()) {
  const config = loadConfig(ApiConfig, {
    LABELS_TOPIC: labelsTopic,
    LABEL_DAILY_QUOTA: '4',
    RATE_LIMIT_PER_MINUTE: '10000',
    REDIS_PREFIX: uniqueName('apitest'),
    ...overrides,
  });
  return createApp({
    db: db.pool,
    redis,
    kafkaProducer: producer,
    kafkaAdmin: admin,
    registry: metrics,
    logger,
    config,
    cases: new PgCaseRepository(db.pool, decideCase),
    windows,
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(testRedisUrl());
  labelsTopic = uniqueName('labels');
  const ordersTopic = uniqueName('orders');
  await createTopics([labelsTopic, ordersTopic], 2);
  kafka = new Kafka({ clientId: 'api-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  producer = kafka.producer({ allowAutoTopicCreation: false });
  admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);

  // The API learns (order, buyer, seller) from order.placed on its own consumer group.
  const orders = [
    placed('o-a1', 'buyer-1', SELLER_A),
    placed('o-b1', 'buyer-1', SELLER_B),
    placed('o-b2', 'buyer-2', SELLER_B),
    placed('o-a3', 'buyer-3', SELLER_A),
    ...['o-a4', 'o-a5', 'o-a6', 'o-a7', 'o-a8'].map((o) => placed(o, 'buyer-4', SELLER_A)),
  ];
  await producer.send({
    topic: ordersTopic,
    messages: [
      ...orders.map((e) => ({ key: e.buyerId, value: JSON.stringify(e) })),
      { key: 'x', value: '{not json' },
    ],
  });
  orderConsumer = await startOrderConsumer({
    kafka,
    store: new OrderStore(db.pool),
    registry: new Registry(),
    logger,
    topic: ordersTopic,
    groupId: uniqueName('api-orders'),
  });
  await waitFor(
    async () =>
      (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_orders')).rows[0]!.n ===
      orders.length,
    { description: 'orders learnt from Kafka' },
  );

  const store = new ApiKeyStore(db.pool);
  key.ops = (await store.create({ role: 'ops', label: 'ops team' })).key;
  key.a = (await store.create({ role: 'seller', sellerId: SELLER_A, label: 'shop A' })).key;
  key.b = (await store.create({ role: 'seller', sellerId: SELLER_B })).key;
  const revoked = await store.create({ role: 'ops' });
  key.revoked = revoked.key;
  await store.revoke(revoked.row.id);

  const parties = (ids: string[]) =>
    ids.map((orderId) => ({
      orderId,
      buyerId: orderId === 'o-b2' ? 'buyer-2' : orderId === 'o-a3' ? 'buyer-3' : 'buyer-1',
      sellerId: orderId.startsWith('o-a') ? SELLER_A : SELLER_B,
    }));
  cases.shared = await openCase(
    'job-shared-1',
    suspicion({
      ruleId: 'bulk-non-payment',
      sellerIds: [SELLER_A, SELLER_B],
      orderIds: ['o-a1', 'o-b1'],
      orderParties: parties(['o-a1', 'o-b1']),
      evidence: {
        windows: { payment_timeouts_24h: 3 },
        eventIds: ['ev-cancel-a1', 'ev-cancel-b1'],
        crossed: [],
      },
    }),
  );
  await openCase(
    'job-shared-2',
    suspicion({
      ruleId: 'refund-frequency',
      sellerIds: [SELLER_B],
      orderIds: ['o-b1'],
      orderParties: parties(['o-b1']),
      evidence: { windows: { refunds_7d: 5 }, eventIds: ['ev-refund-b1'], crossed: [] },
    }),
  );
  cases.onlyB = await openCase(
    'job-b2',
    suspicion({
      ruleId: 'invalid-address',
      buyerIds: ['buyer-2'],
      sellerIds: [SELLER_B],
      orderIds: ['o-b2'],
      orderParties: parties(['o-b2']),
      evidence: { windows: { delivery_failures_30d: 3 }, eventIds: ['ev-fail-b2'], crossed: [] },
    }),
  );
  cases.onlyA = await openCase(
    'job-a3',
    suspicion({
      ruleId: 'invalid-address',
      buyerIds: ['buyer-3'],
      sellerIds: [SELLER_A],
      orderIds: ['o-a3'],
      orderParties: parties(['o-a3']),
      evidence: { windows: { delivery_failures_30d: 3 }, eventIds: ['ev-fail-a3'], crossed: [] },
    }),
  );
  registry = new Registry();
  const rules = defaultRulesConfig();
  windows = new RulesWindowReader(redis, { config: rules, prefix: windowsPrefix });
  await createDetectorCore({ redis, config: rules, keyPrefix: windowsPrefix }).process(
    [0, 2, 5].map((h) =>
      ev(
        'order.cancelled',
        { buyerId: 'buyer-1', sellerId: SELLER_A, orderId: `o-t${h}`, at: h * HOUR },
        { reason: 'payment_timeout' },
      ),
    ),
  );
  app = buildApp({}, registry);
  await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  if (process.env['API_EXAMPLES_OUT'])
    writeFileSync(process.env['API_EXAMPLES_OUT'], JSON.stringify(examples, null, 2));
  await app?.close();
  await orderConsumer?.disconnect();
  await producer?.disconnect();
  await admin?.disconnect();
  redis?.disconnect();
  await db?.drop();
});

describe('authentication and roles', () => {
  it('401 without a key, with an unknown key and with a revoked key', async () => {
    const missing = await call('GET', '/v1/cases', undefined, undefined, 'missingKey');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    expect((await call('GET', '/v1/cases', 'vgl_not-a-real-key')).status).toBe(401);
    expect((await call('GET', '/v1/cases', key.revoked)).status).toBe(401);
    expect((await call('GET', '/v1/cases', key.ops)).status).toBe(200);
  });

  it('403 when the role may not call', async () => {
    const decide = await call(
      'POST',
      `/v1/cases/${cases.onlyA}/decision`,
      key.a,
      { decision: 'dismiss', note: 'mine' },
      'sellerDecides',
    );
    expect(decide.status).toBe(403);
    expect((await call('GET', '/v1/buyers/buyer-1/risk', key.a)).status).toBe(403);
    expect((await call('GET', `/v1/sellers/${SELLER_A}/labels/stats`, key.a)).status).toBe(403);
    expect(
      (
        await call('POST', '/v1/labels', key.ops, {
          orderId: 'o-a1',
          buyerId: 'buyer-1',
          label: 'bulk_non_payment',
        })
      ).status,
    ).toBe(403);
    // The case is still open: the forbidden decision did nothing.
    expect((await call('GET', `/v1/cases/${cases.onlyA}`, key.ops)).body.status).toBe('open');
  });
});

describe('seller isolation', () => {
  it('a seller asking for another seller’s case by id gets 404, like a missing case', async () => {
    const res = await call('GET', `/v1/cases/${cases.onlyB}`, key.a, undefined, 'otherSellersCase');
    expect(res.status).toBe(404);
    expect(await call('GET', `/v1/cases/${randomUUID()}`, key.a)).toMatchObject({ status: 404 });
    expect((await call('GET', `/v1/cases/${cases.onlyB}`, key.b)).status).toBe(200);
  });

  it('filtering by another seller returns nothing of theirs', async () => {
    const res = await call('GET', `/v1/cases?sellerId=${SELLER_B}`, key.a);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([]);
    expect(JSON.stringify(res.body)).not.toContain(SELLER_B);
  });

  it('by buyer, a seller sees only cases involving its orders, with the other seller stripped', async () => {
    const res = await call('GET', '/v1/cases?buyerId=buyer-1', key.a, undefined, 'sellerListByBuyer');
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([cases.shared]);
    const [c] = res.body.items;
    expect(c.sellerIds).toEqual([SELLER_A]);
    expect(c.orderIds).toEqual(['o-a1']);
    // The refund-frequency evidence concerns only seller B's order: dropped; event ids stripped.
    expect(c.evidence.map((e: { ruleId: string }) => e.ruleId)).toEqual(['bulk-non-payment']);
    expect(c.evidence[0].eventIds).toEqual([]);
    const json = JSON.stringify(res.body);
    for (const leaked of [SELLER_B, 'o-b1', 'ev-cancel-b1', 'ev-refund-b1'])
      expect(json).not.toContain(leaked);
  });

  it('the same case by id is redacted the same way; ops see everything', async () => {
    const seller = await call('GET', `/v1/cases/${cases.shared}`, key.a, undefined, 'sellerGetCase');
    expect(seller.status).toBe(200);
    expect(JSON.stringify(seller.body)).not.toContain(SELLER_B);
    const ops = await call('GET', `/v1/cases/${cases.shared}`, key.ops, undefined, 'opsGetCase');
    expect(ops.body.sellerIds.sort()).toEqual([SELLER_A, SELLER_B]);
    expect(ops.body.orderIds.sort()).toEqual(['o-a1', 'o-b1']);
    expect(ops.body.evidence.map((e: { ruleId: string }) => e.ruleId)).toEqual([
      'bulk-non-payment',
      'refund-frequency',
    ]);
    expect(ops.body.evidence[0].eventIds).toEqual(['ev-cancel-a1', 'ev-cancel-b1']);
  });

  it('an unfiltered seller list holds only that seller’s cases', async () => {
    const res = await call('GET', '/v1/cases?limit=200', key.a);
    const ids = res.body.items.map((c: { id: string }) => c.id);
    expect(ids).toContain(cases.shared);
    expect(ids).toContain(cases.onlyA);
    expect(ids).not.toContain(cases.onlyB);
  });
});

describe('bad input', () => {
  it('400 names each bad field', async () => {
    const res = await call(
      'POST',
      `/v1/cases/${cases.onlyA}/decision`,
      key.ops,
      { decision: 'maybe' },
      'badDecision',
    );
    expect(res.status).toBe(400);
    const paths = res.body.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['body.decision', 'body.note']));
    const list = await call('GET', '/v1/cases?limit=500&status=closed', key.ops);
    expect(list.status).toBe(400);
    expect(list.body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'query.limit',
      'query.status',
    ]);
    const label = await call('POST', '/v1/labels', key.a, {
      orderId: 'o-a1',
      buyerId: 'buyer-1',
      label: 'rude',
    });
    expect(label.body.error.issues).toEqual([expect.objectContaining({ path: 'body.label' })]);
  });

  it('malformed JSON is a 400 for a known key and a 401 without one (no body is read first)', async () => {
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${address.port}/v1/labels`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"orderId": ',
      });
    const anonymous = await post({});
    expect(anonymous.status).toBe(401);
    const known = await post({ authorization: `Bearer ${key.a}` });
    expect(known.status).toBe(400);
    expect(((await known.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
  });

  it('a body over the limit is refused with 413', async () => {
    const res = await call('POST', '/v1/labels', key.a, {
      orderId: 'o-a1',
      buyerId: 'buyer-1',
      label: 'bulk_non_payment',
      note: 'x'.repeat(20 * 1024),
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('BODY_TOO_LARGE');
  });

  it('a cursor replayed with other filters is refused', async () => {
    const first = await call('GET', '/v1/cases?limit=1', key.ops);
    const res = await call('GET', `/v1/cases?limit=1&status=open&cursor=${first.body.nextCursor}`, key.ops);
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('query.cursor');
  });
});

describe('labels', () => {
  it('refuses a label for an order the seller did not sell, or does not exist', async () => {
    const other = await call(
      'POST',
      '/v1/labels',
      key.a,
      { orderId: 'o-b1', buyerId: 'buyer-1', label: 'bulk_non_payment' },
      'labelNotYours',
    );
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('ORDER_NOT_YOURS');
    const wrongBuyer = await call('POST', '/v1/labels', key.a, {
      orderId: 'o-a1',
      buyerId: 'buyer-2',
      label: 'bulk_non_payment',
    });
    expect(wrongBuyer.body.error.code).toBe('ORDER_NOT_YOURS');
    const unknown = await call('POST', '/v1/labels', key.a, {
      orderId: 'o-zz',
      buyerId: 'buyer-1',
      label: 'bulk_non_payment',
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.code).toBe('ORDER_UNKNOWN');
  });

  it('publishes a label for its own order as a valid seller.label event keyed by buyer', async () => {
    const seen: { key: string | undefined; value: unknown }[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('label-reader') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: labelsTopic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ key: message.key?.toString(), value: JSON.parse(message.value!.toString()) });
        },
      });
      const res = await call(
        'POST',
        '/v1/labels',
        key.a,
        {
          orderId: 'o-a1',
          buyerId: 'buyer-1',
          label: 'bulk_non_payment',
          note: 'three unpaid orders in an hour',
        },
        'label',
      );
      expect(res.status).toBe(202);
      const msg = await waitFor(
        () => seen.find((m) => (m.value as { id?: string }).id === res.body.eventId),
        {
          description: 'the label on Kafka',
        },
      );
      const event = SellerLabelled.safeParse(msg.value);
      expect(event.success).toBe(true);
      expect(msg.key).toBe('buyer-1');
      expect(event.data).toMatchObject({
        type: 'seller.label',
        sellerId: SELLER_A,
        buyerId: 'buyer-1',
        orderId: 'o-a1',
        data: { label: 'bulk_non_payment', note: 'three unpaid orders in an hour' },
      });
      expect(event.data!.id).toMatch(/^[0-9a-f-]{36}$/);
      const again = await call('POST', '/v1/labels', key.a, {
        orderId: 'o-a1',
        buyerId: 'buyer-1',
        label: 'bulk_non_payment',
      });
      expect(again.status).toBe(409);
    } finally {
      await consumer.disconnect();
    }
  });

  it('enforces the daily quota with 429 and a clear message, even under concurrent requests', async () => {
    // Quota is 4 in this app; one label was accepted above, so three of these four may pass.
    const results = await Promise.all(
      ['o-a4', 'o-a5', 'o-a6', 'o-a7'].map((orderId) =>
        call('POST', '/v1/labels', key.a, { orderId, buyerId: 'buyer-4', label: 'no_purchase_intent' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([202, 202, 202, 429]);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body.error.code).toBe('LABEL_QUOTA_EXCEEDED');
    expect(refused.body.error.message).toContain('daily label quota of 4');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const later = await call(
      'POST',
      '/v1/labels',
      key.a,
      { orderId: 'o-a8', buyerId: 'buyer-4', label: 'no_purchase_intent' },
      'labelQuota',
    );
    expect(later.status).toBe(429);
    // Another seller's quota is its own.
    const b = await call('POST', '/v1/labels', key.b, {
      orderId: 'o-b2',
      buyerId: 'buyer-2',
      label: 'invalid_address',
    });
    expect(b.status).toBe(202);
    const metrics = await registry.metrics();
    expect(metrics).toContain('vigil_api_labels_total{outcome="quota_exceeded"} 2');
    expect(metrics).toContain('vigil_api_labels_total{outcome="accepted"} 5');
  });

  it('precision follows ops decisions on the cases the labels fed', async () => {
    const labelIds = (
      await db.pool.query<{ event_id: string }>(
        "SELECT event_id FROM seller_labels WHERE buyer_id = 'buyer-4' AND seller_id = 'seller-a'",
      )
    ).rows.map((r) => r.event_id);
    const labelled = await openCase(
      'job-label-acc',
      suspicion({
        ruleId: 'seller-label-accumulation',
        buyerIds: ['buyer-4'],
        sellerIds: [SELLER_A],
        orderIds: ['o-a4', 'o-a5', 'o-a6', 'o-a7'],
        evidence: { windows: { label_sellers_90d: 1 }, eventIds: labelIds, crossed: [] },
      }),
    );
    const before = await call('GET', `/v1/sellers/${SELLER_A}/labels/stats`, key.ops);
    expect(before.body).toMatchObject({ labels: 4, casesContributed: 1, open: 1, precision: null });
    await call('POST', `/v1/cases/${labelled}/decision`, key.ops, {
      decision: 'dismiss',
      note: 'seller misread a slow payment',
    });
    const after = await call('GET', `/v1/sellers/${SELLER_A}/labels/stats`, key.ops, undefined, 'labelStats');
    expect(after.body).toMatchObject({
      sellerId: SELLER_A,
      casesContributed: 1,
      dismissed: 1,
      confirmed: 0,
      precision: 0,
    });
  });
});

describe('decisions and risk', () => {
  it('ops confirm a case once; a second decision is 409', async () => {
    const res = await call(
      'POST',
      `/v1/cases/${cases.onlyA}/decision`,
      key.ops,
      { decision: 'confirm', note: 'three failed deliveries, fake address' },
      'decision',
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cases.onlyA, status: 'confirmed', penaltyLevel: 1 });
    const again = await call(
      'POST',
      `/v1/cases/${cases.onlyA}/decision`,
      key.ops,
      { decision: 'dismiss', note: 'changed my mind' },
      'decisionConflict',
    );
    expect(again.status).toBe(409);
    expect(
      (await call('POST', `/v1/cases/${randomUUID()}/decision`, key.ops, { decision: 'dismiss', note: 'x' }))
        .status,
    ).toBe(404);
  });

  it('risk shows live windows, the open case and the penalty level', async () => {
    const res = await call('GET', '/v1/buyers/buyer-1/risk', key.ops, undefined, 'risk');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      buyerId: 'buyer-1',
      windows: { payment_timeouts_24h: 3 },
      openCase: { id: cases.shared },
      penaltyLevel: 0,
    });
    const punished = await call('GET', '/v1/buyers/buyer-3/risk', key.ops);
    expect(punished.body).toMatchObject({ openCase: null, penaltyLevel: 1, confirmedCases: 1 });
  });
});

describe('pagination', () => {
  it('walks every case exactly once while new cases are inserted between pages', async () => {
    for (let i = 0; i < 23; i++) {
      await openCase(
        `job-page-${i}`,
        suspicion({
          ruleId: 'refund-frequency',
          buyerIds: [`page-buyer-${i}`],
          sellerIds: [SELLER_B],
          orderIds: [],
        }),
      );
    }
    const existing = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM cases')).rows.map(
      (r) => r.id,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    do {
      const url: string = `/v1/cases?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await call('GET', url, key.ops, undefined, cursor ? undefined : 'listFirstPage');
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
      // New cases arrive, and existing ones get new evidence (which reorders a last_detected_at list).
      await openCase(
        `job-new-${inserted++}`,
        suspicion({
          ruleId: 'complaint-spree',
          buyerIds: [`new-buyer-${inserted}`],
          sellerIds: [SELLER_B],
          orderIds: [],
        }),
      );
      await applySuspicion(
        db.pool,
        `job-more-${inserted}`,
        suspicion({
          ruleId: 'complaint-spree',
          buyerIds: [`page-buyer-${inserted}`],
          sellerIds: [SELLER_B],
          orderIds: [],
        }),
      );
    } while (cursor !== null);
    expect(inserted).toBeGreaterThan(4);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => existing.includes(id)).sort()).toEqual([...existing].sort());
  });
});

describe('rate limiting', () => {
  it('429 with Retry-After once a key has spent its bucket', async () => {
    const limited = buildApp({ RATE_LIMIT_PER_MINUTE: '3' });
    await limited.listen({ port: 0, host: '127.0.0.1' });
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await call(
          'GET',
          '/v1/cases?limit=1',
          key.b,
          undefined,
          i === 3 ? 'rateLimited' : undefined,
          limited,
        );
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.close();
    }
  });
});

describe('rate limiter outage', () => {
  it('lets requests through (counted) when Redis is unreachable, and readyz reports it', async () => {
    const deadRedis = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    deadRedis.on('error', () => undefined); // connection refusals are the point of this test
    const metrics = new Registry();
    const degraded = createApp({
      db: db.pool,
      redis: deadRedis,
      kafkaProducer: producer,
      kafkaAdmin: admin,
      registry: metrics,
      logger,
      config: loadConfig(ApiConfig, { REDIS_PREFIX: uniqueName('apitest') }),
      cases: new PgCaseRepository(db.pool, decideCase),
      windows,
    });
    await degraded.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect(
        (await call('GET', `/v1/cases/${cases.shared}`, key.ops, undefined, undefined, degraded)).status,
      ).toBe(200);
      expect(await metrics.metrics()).toContain('vigil_api_rate_limiter_errors_total 1');
      const ready = await call('GET', '/readyz', undefined, undefined, undefined, degraded);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.redis).not.toBe('ok');
    } finally {
      await degraded.close();
      deadRedis.disconnect();
    }
  });
});

describe('ops endpoints and documentation', () => {
  it('healthz, readyz and metrics with route templates only', async () => {
    expect((await call('GET', '/healthz', undefined, undefined, 'healthz')).body).toEqual({ status: 'ok' });
    const ready = await call('GET', '/readyz', undefined, undefined, 'readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok', kafka: 'ok' });
    await call('GET', `/v1/cases/${cases.shared}`, key.ops);
    const metrics = (await call('GET', '/metrics')).body as string;
    expect(metrics).toContain('vigil_api_requests_total{route="/v1/cases/:id",method="GET",status="200"}');
    expect(metrics).toContain('vigil_api_request_duration_seconds_bucket');
    expect(metrics).not.toContain(cases.shared);
  });

  it('readyz is 503 naming the dependency it cannot reach', async () => {
    const noKafka = createApp({
      db: db.pool,
      redis,
      kafkaProducer: producer,
      registry: new Registry(),
      logger,
      config: loadConfig(ApiConfig, { REDIS_PREFIX: uniqueName('apitest') }),
      cases: new PgCaseRepository(db.pool, decideCase),
      windows,
    });
    await noKafka.listen({ port: 0, host: '127.0.0.1' });
    try {
      const res = await call('GET', '/readyz', undefined, undefined, undefined, noKafka);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'not_ready', checks: { postgres: 'ok', redis: 'ok' } });
      expect(res.body.checks.kafka).not.toBe('ok');
    } finally {
      await noKafka.close();
    }
  });

  it('/openapi.json is an OpenAPI 3 document with every route, and /docs renders it', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\.0\.\d$/);
    // The structural rules of OpenAPI 3.0 a validator would check first.
    expect(doc.info).toEqual(
      expect.objectContaining({ title: expect.any(String), version: expect.any(String) }),
    );
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(
      doc.paths as Record<
        string,
        Record<
          string,
          { operationId: string; parameters?: { name: string; in: string; required?: boolean }[] }
        >
      >,
    )) {
      expect(path.startsWith('/')).toBe(true);
      for (const op of Object.values(item)) {
        expect(operationIds.has(op.operationId)).toBe(false);
        operationIds.add(op.operationId);
        // Every {template} in the path is a declared, required path parameter.
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
          expect(op.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
        }
        for (const p of op.parameters ?? []) expect(['path', 'query', 'header', 'cookie']).toContain(p.in);
      }
    }
    const registered: string[] = [];
    for (const [path, ops] of Object.entries(
      doc.paths as Record<string, Record<string, { responses: object }>>,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        registered.push(`${method.toUpperCase()} ${path}`);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        // The documented operation is a route the app really serves.
        const url = path.replace(/\{([^}]+)\}/g, ':$1');
        expect(app.hasRoute({ method: method.toUpperCase() as 'GET' | 'POST', url })).toBe(true);
      }
    }
    expect(registered.sort()).toEqual(
      [
        'GET /v1/cases',
        'GET /v1/cases/{id}',
        'POST /v1/cases/{id}/decision',
        'POST /v1/labels',
        'GET /v1/buyers/{buyerId}/risk',
        'GET /v1/sellers/{sellerId}/labels/stats',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /docs',
      ].sort(),
    );
    // Every $ref resolves to a component.
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs).toContain('Case');
    for (const ref of refs) expect(Object.keys(doc.components.schemas)).toContain(ref);
    expect(doc.paths['/v1/cases'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['status', 'buyerId', 'sellerId', 'ruleId', 'limit', 'cursor']),
    );
    const html = await call('GET', '/docs');
    expect(html.status).toBe(200);
    expect(html.body).toContain('openapi.json');
    expect(html.body).not.toMatch(/https?:\/\/(?!json-schema)/);
  });
});
