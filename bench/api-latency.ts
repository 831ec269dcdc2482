// Latency of the case API on one machine: lists (ops and seller views), case by id, and label
// submissions (PostgreSQL transaction + Kafka send with acks=-1). Seeds a throwaway database with
// CASES cases over SELLERS sellers, then issues sequential requests over real HTTP.
// Run: node --import tsx bench/api-latency.ts   (env CASES, SELLERS, REQUESTS)

import { createApp } from '@vigil/api';
import { ApiKeyStore } from '@vigil/api/src/auth';
import { ApiConfig } from '@vigil/api/src/config';
import { PgCaseRepository } from '@vigil/api/src/pg-cases';
import { decideCase } from '@vigil/cases';
import { createLogger, loadConfig } from '@vigil/common';
import { createTestDatabase, createTopics, testBrokers, testRedisUrl, uniqueName } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';

const CASES = Number(process.env['CASES'] ?? 20000);
const SELLERS = Number(process.env['SELLERS'] ?? 50);
const REQUESTS = Number(process.env['REQUESTS'] ?? 300);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const redis = new Redis(testRedisUrl());
  const topic = uniqueName('bench_labels');
  await createTopics([topic], 3);
  const kafka = new Kafka({ clientId: 'api-bench', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const admin = kafka.admin();
  await Promise.all([producer.connect(), admin.connect()]);
  try {
    const t0 = Date.now();
    // Cases as the case worker writes them: each names 2 sellers and 2 orders, with 2 evidence rows.
    await db.pool.query(
      `INSERT INTO cases (id, subject_kind, subject_id, buyer_id, severity, rule_ids, seller_ids, order_ids,
                          buyer_ids, suspicion_count, first_detected_at, last_detected_at, created_at)
       SELECT gen_random_uuid(), 'buyer', 'b' || i, 'b' || i, 'medium', ARRAY['bulk-non-payment','refund-frequency'],
              ARRAY['s' || (i % $2), 's' || ((i + 1) % $2)], ARRAY['o' || i || 'a', 'o' || i || 'b'], ARRAY['b' || i], 2,
              now(), now(), now() - (i || ' seconds')::interval
       FROM generate_series(1, $1) i`,
      [CASES, SELLERS],
    );
    await db.pool.query(
      `INSERT INTO case_evidence (case_id, job_id, rule_id, severity, subject_kind, subject_id, buyer_ids, seller_ids,
                                  order_ids, detected_at, event_time, windows, event_ids)
       SELECT c.id, 'j' || r || c.id, rule, 'medium', 'buyer', c.buyer_id, c.buyer_ids, ARRAY[c.seller_ids[r]],
              ARRAY[c.order_ids[r]], now(), now(), '{"n": 3}', ARRAY['e1', 'e2', 'e3']
       FROM cases c, unnest(ARRAY['bulk-non-payment','refund-frequency']) WITH ORDINALITY AS t(rule, r)`,
    );
    await db.pool.query(
      `INSERT INTO api_orders (order_id, buyer_id, seller_id, placed_at, event_id)
       SELECT 'lo' || i, 'lb' || i, 's0', now(), 'pe' || i FROM generate_series(1, $1) i`,
      [REQUESTS],
    );
    await db.pool.query('ANALYZE');
    const seeded = Date.now() - t0;

    const store = new ApiKeyStore(db.pool);
    const ops = (await store.create({ role: 'ops' })).key;
    const seller = (await store.create({ role: 'seller', sellerId: 's0' })).key;
    const config = loadConfig(ApiConfig, {
      LABELS_TOPIC: topic,
      LABEL_DAILY_QUOTA: String(REQUESTS * 2),
      RATE_LIMIT_PER_MINUTE: '1000000',
      REDIS_PREFIX: uniqueName('apibench'),
    });
    const app = createApp({
      db: db.pool,
      redis,
      kafkaProducer: producer,
      kafkaAdmin: admin,
      registry: new Registry(),
      logger: createLogger({ name: 'api-bench', level: 'silent' }),
      config,
      cases: new PgCaseRepository(db.pool, decideCase),
      windows: { read: async () => ({}) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');
    const base = `http://127.0.0.1:${address.port}`;
    const time = async (path: string, key: string, body?: unknown): Promise<number> => {
      const t = performance.now();
      const res = await fetch(base + path, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status}`);
      return performance.now() - t;
    };
    const walk = async (key: string, query: string): Promise<number[]> => {
      const out: number[] = [];
      let cursor: string | null = null;
      while (out.length < REQUESTS) {
        const t = performance.now();
        const res: Response = await fetch(`${base}/v1/cases?${query}${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        const page = (await res.json()) as { nextCursor: string | null };
        out.push(performance.now() - t);
        cursor = page.nextCursor;
      }
      return out;
    };
    const ids = (await db.pool.query<{ id: string }>('SELECT id::text AS id FROM cases LIMIT $1', [REQUESTS]))
      .rows;
    const results: Record<string, { p50: number; p95: number; p99: number }> = {};
    const record = (name: string, xs: number[]) => {
      results[name] = { p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99) };
    };
    record('ops list limit=50 (ms)', await walk(ops, 'limit=50'));
    record('seller list limit=50 (ms)', await walk(seller, 'limit=50'));
    const byId: number[] = [];
    for (const { id } of ids) byId.push(await time(`/v1/cases/${id}`, ops));
    record('ops case by id (ms)', byId);
    const labels: number[] = [];
    for (let i = 1; i <= REQUESTS; i++) {
      labels.push(
        await time('/v1/labels', seller, { orderId: `lo${i}`, buyerId: `lb${i}`, label: 'bulk_non_payment' }),
      );
    }
    record('label submit (ms)', labels);
    console.log(
      JSON.stringify(
        { cases: CASES, sellers: SELLERS, requests: REQUESTS, seededMs: seeded, results },
        null,
        2,
      ),
    );
    await app.close();
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    redis.disconnect();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
