// Shared machinery of the reliability scenarios (docs/guarantees.md): a seeded input whose expected
// outcome is computed from the input itself, isolated "worlds" (topic prefix, consumer group,
// Redis key prefix, BullMQ queue and prefix), detectors and case workers as real child processes
// (so they can be killed with SIGKILL), and probes that read what the pipeline produced.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { metricValue, type RunningService, startService, waitHttpOk } from '@vigil/devstack';
import { MARKET_TOPICS, type MarketEvent, Suspicion, TOPIC_BY_TYPE, TOPICS } from '@vigil/events';
import { createTopics, uniqueName, waitFor } from '@vigil/testkit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';

export const ROOT = join(__dirname, '..', '..');
export const LOG_DIR = join(ROOT, '.vigil', 'logs', 'reliability');

// ---------------------------------------------------------------------------------------------
// Input with an oracle

/** Deterministic PRNG (mulberry32), so a failing seed can be replayed exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Input {
  events: MarketEvent[];
  /** Buyers given ≥3 payment_timeout cancellations within 24 h: bulk-non-payment must flag them. */
  nonPayers: Set<string>;
  /** payment_timeout cancellations per buyer (all within one day): the `ptimeout` window size. */
  timeouts: Map<string, number>;
  /** Buyers labelled by ≥2 sellers: seller-label-accumulation must flag them. */
  labelled: Set<string>;
  /** Every buyer, for sampling. */
  buyers: string[];
}

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/**
 * About `n` events from honest buyers (orders paid within minutes, at most one payment timeout),
 * non-payers (3–5 orders over 1–4 sellers, all cancelled on payment timeout within hours) and
 * buyers labelled by two sellers. Each buyer's events are in event-time order and span < 20 h;
 * buyers are interleaved. No device ids and one address per buyer, so every subject a rule keys
 * on (buyer, seller label set) lives on one partition and the outcome does not depend on how the
 * topics interleave — which makes an uninterrupted run a valid reference for an interrupted one.
 */
export function generateInput(seed: number, n: number, tag = 'r'): Input {
  const rand = prng(seed);
  // Event times lie between 5 days and ~4 hours before today's midnight-anchored clock: recent
  // enough for the rule engine's lateness (7 d behind a watermark that may sit at wall clock +
  // futureSkew), never in the future. Anchored to the day so a seed reproduces within a day.
  const BASE = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const sellers = Array.from({ length: 25 }, (_, i) => `${tag}-s${i}`);
  const perBuyer: MarketEvent[][] = [];
  const nonPayers = new Set<string>();
  const labelled = new Set<string>();
  const timeouts = new Map<string, number>();
  let count = 0;
  let seq = 0;
  const id = () => `${tag}-e${seq++}`;
  for (let b = 0; count < n; b++) {
    const buyerId = `${tag}-b${b}`;
    const start = BASE + Math.floor(rand() * 4 * 24 * 60) * MIN;
    const evs: MarketEvent[] = [];
    const at = (offsetMin: number) => new Date(start + offsetMin * MIN).toISOString();
    const placed = (orderId: string, sellerId: string, t: number): MarketEvent => ({
      id: id(),
      type: 'order.placed',
      version: 1,
      occurredAt: at(t),
      buyerId,
      sellerId,
      orderId,
      data: {
        items: [{ skuId: `sku-${Math.floor(rand() * 50)}`, qty: 1 + Math.floor(rand() * 3), unitPrice: 10 }],
        total: 30,
        currency: 'CNY',
        shippingAddress: { country: 'CN', region: 'Zhejiang', city: 'Hangzhou', line: `${b} Lake Rd` },
        shippingInsurance: rand() < 0.3,
        paymentMethod: 'online',
      },
    });
    const cancel = (
      orderId: string,
      sellerId: string,
      t: number,
      reason: 'payment_timeout' | 'buyer_request',
    ): MarketEvent => ({
      id: id(),
      type: 'order.cancelled',
      version: 1,
      occurredAt: at(t),
      buyerId,
      sellerId,
      orderId,
      data: { reason },
    });
    const r = rand();
    let t = 0;
    if (r < 0.12) {
      // Non-payer: every order cancelled on payment timeout, all within a few hours.
      const k = 3 + Math.floor(rand() * 3);
      for (let i = 0; i < k; i++) {
        const s = pick(sellers);
        const o = `${buyerId}-o${i}`;
        evs.push(placed(o, s, t));
        evs.push(cancel(o, s, t + 30, 'payment_timeout'));
        t += 40 + Math.floor(rand() * 20);
      }
      nonPayers.add(buyerId);
      timeouts.set(buyerId, k);
    } else if (r < 0.17) {
      // Labelled by two sellers after ordinary paid orders.
      const [s1, s2] = [sellers[b % sellers.length]!, sellers[(b + 7) % sellers.length]!];
      for (const [i, s] of [s1, s2].entries()) {
        const o = `${buyerId}-o${i}`;
        evs.push(placed(o, s, t));
        evs.push({
          id: id(),
          type: 'order.paid',
          version: 1,
          occurredAt: at(t + 3),
          buyerId,
          sellerId: s,
          orderId: o,
          data: { amount: 30 },
        });
        evs.push({
          id: id(),
          type: 'seller.label',
          version: 1,
          occurredAt: at(t + 600),
          buyerId,
          sellerId: s,
          orderId: o,
          data: { label: 'no_purchase_intent' },
        });
        t += 20;
      }
      labelled.add(buyerId);
    } else {
      // Honest: orders paid within minutes; maybe one order left to time out; chats.
      const k = 1 + Math.floor(rand() * 4);
      let timedOut = 0;
      for (let i = 0; i < k; i++) {
        const s = pick(sellers);
        const o = `${buyerId}-o${i}`;
        evs.push(placed(o, s, t));
        if (timedOut === 0 && rand() < 0.1) {
          evs.push(cancel(o, s, t + 30, 'payment_timeout'));
          timedOut++;
        } else {
          evs.push({
            id: id(),
            type: 'order.paid',
            version: 1,
            occurredAt: at(t + 2),
            buyerId,
            sellerId: s,
            orderId: o,
            data: { amount: 30 },
          });
          if (rand() < 0.3) {
            evs.push({
              id: id(),
              type: 'chat.message',
              version: 1,
              occurredAt: at(t + 5),
              buyerId,
              sellerId: s,
              orderId: o,
              data: { from: 'buyer', text: 'when will it ship?' },
            });
          }
        }
        t += 60 + Math.floor(rand() * 120);
      }
      if (timedOut) timeouts.set(buyerId, timedOut);
    }
    perBuyer.push(evs);
    count += evs.length;
  }
  // Interleave buyers (round robin), keeping each buyer's own order.
  const events: MarketEvent[] = [];
  for (let i = 0; events.length < count; i++) {
    for (const evs of perBuyer) if (evs[i]) events.push(evs[i]!);
  }
  return { events, nonPayers, timeouts, labelled, buyers: perBuyer.map((e) => e[0]!.buyerId) };
}

// ---------------------------------------------------------------------------------------------
// Worlds: isolated names on the shared (or a private) stack

export interface World {
  name: string;
  brokers: string[];
  redisUrl: string;
  topicPrefix: string;
  group: string;
  keyPrefix: string;
  queue: string;
  alertsQueue: string;
  bullPrefix: string;
  enforcementTopic: string;
  reliefTopic: string;
}

/** Partitions per market topic: orders are split by buyer key; others are single-partition. */
export const PARTITIONS: Record<string, number> = { [TOPICS.orders]: 2 };

export async function createWorld(
  tag: string,
  options: {
    brokers?: string[];
    redisUrl?: string;
    createTopicsWith?: (topics: string[], n: number) => Promise<void>;
  } = {},
): Promise<World> {
  const name = uniqueName(`rel_${tag}`).replace(/_/g, '-');
  const w: World = {
    name,
    brokers: options.brokers ?? (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
    redisUrl: options.redisUrl ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    topicPrefix: `${name}.`,
    group: `${name}-detector`,
    keyPrefix: name,
    queue: `${name}-suspicions`,
    alertsQueue: `${name}-alerts`,
    bullPrefix: `${name}-bull`,
    enforcementTopic: `${name}.${TOPICS.enforcement}`,
    reliefTopic: `${name}.${TOPICS.sellerRelief}`,
  };
  const make = options.createTopicsWith ?? createTopics;
  for (const t of MARKET_TOPICS) await make([`${w.topicPrefix}${t}`], PARTITIONS[t] ?? 1);
  await make([`${w.topicPrefix}${TOPICS.dlq}`, w.enforcementTopic, w.reliefTopic], 1);
  return w;
}

export const marketTopics = (w: World) => MARKET_TOPICS.map((t) => `${w.topicPrefix}${t}`);

/** Publishes events in order (key = buyerId), acks from all replicas, idempotent producer. */
export async function produce(
  w: World,
  events: MarketEvent[],
  raw: Array<{ topic: string; key: string; value: Buffer }> = [],
): Promise<void> {
  const kafka = new Kafka({ clientId: `${w.name}-producer`, brokers: w.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const messages = [
      ...events.map((e) => ({
        topic: `${w.topicPrefix}${TOPIC_BY_TYPE[e.type]}`,
        key: e.buyerId,
        value: Buffer.from(JSON.stringify(e)),
      })),
      ...raw,
    ];
    for (let i = 0; i < messages.length; i += 500) {
      const chunk = messages.slice(i, i + 500);
      const byTopic = new Map<string, Array<{ key: string; value: Buffer }>>();
      for (const m of chunk)
        byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
      await producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

let nextPort = 20000 + Math.floor(Math.random() * 20000);
/** A TCP port nobody listens on (probed by binding). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = nextPort++;
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

export interface Proc {
  service: RunningService;
  port: number;
  url: string;
  /** SIGKILL: no shutdown hook runs, no commit, no flush. */
  kill9(): Promise<void>;
  metrics(): Promise<string>;
}

function wrap(service: RunningService, port: number): Proc {
  return {
    service,
    port,
    url: `http://127.0.0.1:${port}`,
    kill9: async () => {
      if (service.child.exitCode !== null || service.child.signalCode !== null) return;
      const gone = new Promise((r) => service.child.once('exit', r));
      service.child.kill('SIGKILL');
      await gone;
    },
    metrics: async () =>
      (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) })).text(),
  };
}

/** Starts a detector of the world as a child process; resolves once it is live. */
export async function startDetector(
  w: World,
  env: Record<string, string> = {},
  tag = 'detector',
): Promise<Proc> {
  const port = await freePort();
  const service = startService({
    name: 'detector',
    root: ROOT,
    logDir: join(LOG_DIR, w.name, tag),
    env: {
      KAFKA_BROKERS: w.brokers.join(','),
      KAFKA_TOPIC_PREFIX: w.topicPrefix,
      KAFKA_GROUP_ID: w.group,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      REDIS_URL: w.redisUrl,
      VIGIL_KEY_PREFIX: w.keyPrefix,
      SUSPICIONS_QUEUE: w.queue,
      BULLMQ_PREFIX: w.bullPrefix,
      PROCESS_CHUNK_SIZE: '100',
      RETRY_INITIAL_MS: '100',
      RETRY_MAX_MS: '1000',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  await waitHttpOk(`http://127.0.0.1:${port}/healthz`, 60_000, service);
  return wrap(service, port);
}

/** Starts a case worker of the world on `databaseUrl`. */
export async function startCaseWorker(
  w: World,
  databaseUrl: string,
  env: Record<string, string> = {},
  tag = 'cases',
): Promise<Proc> {
  const port = await freePort();
  const service = startService({
    name: 'cases',
    root: ROOT,
    logDir: join(LOG_DIR, w.name, tag),
    env: {
      DATABASE_URL: databaseUrl,
      REDIS_URL: w.redisUrl,
      KAFKA_BROKERS: w.brokers.join(','),
      SUSPICIONS_QUEUE: w.queue,
      SELLER_ALERTS_QUEUE: w.alertsQueue,
      BULLMQ_PREFIX: w.bullPrefix,
      ENFORCEMENT_TOPIC: w.enforcementTopic,
      SELLER_RELIEF_TOPIC: w.reliefTopic,
      RETRY_DELAY_MS: '500',
      HTTP_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  await waitHttpOk(`http://127.0.0.1:${port}/healthz`, 60_000, service);
  return wrap(service, port);
}

/** Resident set size of a process, in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

// ---------------------------------------------------------------------------------------------
// Probes

/** Committed offsets of the world's group summed over market topics (−1 = none counts as 0). */
export async function committedTotal(w: World): Promise<number> {
  const kafka = new Kafka({ clientId: `${w.name}-probe`, brokers: w.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId: w.group, topics: marketTopics(w) });
    return offsets.flatMap((t) => t.partitions).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Messages published to the world's market topics (sum of high watermarks). */
export async function publishedTotal(w: World): Promise<number> {
  const kafka = new Kafka({ clientId: `${w.name}-probe`, brokers: w.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    let n = 0;
    for (const t of marketTopics(w)) for (const p of await admin.fetchTopicOffsets(t)) n += Number(p.high);
    return n;
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the group has committed every published market message. */
export async function waitDrained(w: World, timeoutMs = 120_000): Promise<void> {
  const total = await publishedTotal(w);
  await waitFor(async () => (await committedTotal(w)) >= total, {
    timeoutMs,
    intervalMs: 250,
    description: `${w.name}: all ${total} messages committed`,
  });
}

export interface JobView {
  id: string;
  /** The suspicion without its wall-clock `detectedAt`. */
  data: Omit<Suspicion, 'detectedAt'>;
}

/** Every suspicion job on the world's queue (any state), sorted by id, safeParsed. */
export async function suspicionJobs(w: World): Promise<JobView[]> {
  const connection = new Redis(w.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(w.queue, { connection, prefix: w.bullPrefix });
  try {
    const jobs = await queue.getJobs([
      'waiting',
      'active',
      'delayed',
      'prioritized',
      'completed',
      'failed',
      'paused',
    ]);
    const out = jobs.map((j) => {
      const parsed = Suspicion.safeParse(j.data);
      if (!parsed.success) throw new Error(`job ${j.id} is not a Suspicion: ${parsed.error.message}`);
      const { detectedAt: _wallClock, ...data } = parsed.data;
      return { id: String(j.id), data };
    });
    return out.sort((a, b) => a.id.localeCompare(b.id));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/**
 * Everything Redis holds for one buyer under the world's key prefix, prefix-stripped and
 * TTL-free, so two worlds can be compared key by key.
 */
export async function buyerState(redis: Redis, w: World, buyerId: string): Promise<Record<string, unknown>> {
  const base = `${w.keyPrefix}:{b:${buyerId}}:`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(
      cursor,
      'MATCH',
      `${base.replace(/[[\]*?]/g, '\\$&')}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    const suffix = key.slice(base.length);
    if (type === 'zset') out[suffix] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'hash') out[suffix] = await redis.hgetall(key);
    else if (type === 'string') out[suffix] = await redis.get(key);
    else if (type === 'set') out[suffix] = (await redis.smembers(key)).sort();
    else if (type === 'list') out[suffix] = await redis.lrange(key, 0, -1);
    else if (type !== 'none') out[suffix] = `<${type}>`;
  }
  return out;
}

/**
 * Everything Redis holds under the world's key prefix (one SCAN), keyed by the key without the
 * prefix, TTL-free. A dedupe record (`…:e:<eventId>`) is reduced to the content hash it stores:
 * the rest is the reads of the first application, which include the subject's watermark at that
 * moment, and a buyer's events on DIFFERENT topics (orders, labels, chats) interleave in an order
 * no run controls. Windows, order state and watermarks are compared in full.
 */
export async function worldState(redis: Redis, w: World): Promise<Map<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${w.keyPrefix}:*`, 'COUNT', 5000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const out = new Map<string, unknown>();
  for (const key of keys.sort()) {
    const suffix = key.slice(w.keyPrefix.length + 1);
    const type = await redis.type(key);
    if (/\}:e:/.test(suffix) && type === 'string') {
      const v = (await redis.get(key)) ?? '';
      out.set(suffix, v.slice(0, Math.max(0, v.indexOf('\n'))) || v);
      continue;
    }
    if (type === 'zset') out.set(suffix, await redis.zrange(key, 0, -1, 'WITHSCORES'));
    else if (type === 'hash') out.set(suffix, await redis.hgetall(key));
    else if (type === 'string') out.set(suffix, await redis.get(key));
    else if (type === 'set') out.set(suffix, (await redis.smembers(key)).sort());
    else if (type === 'list') out.set(suffix, await redis.lrange(key, 0, -1));
    else if (type !== 'none') out.set(suffix, `<${type}>`);
  }
  return out;
}

/** Size of the buyer's payment-timeout window. */
export async function timeoutWindowSize(redis: Redis, w: World, buyerId: string): Promise<number> {
  return redis.zcard(`${w.keyPrefix}:{b:${buyerId}}:w:ptimeout`);
}

/** Buyers named by suspicions of one rule. */
export function buyersOf(jobs: JobView[], ruleId: string): Set<string> {
  return new Set(jobs.filter((j) => j.data.ruleId === ruleId).flatMap((j) => j.data.buyerIds));
}

/** A detector metric from its /metrics text. */
export const metric = metricValue;

// ---------------------------------------------------------------------------------------------
// Breakable dependencies

/** A private redis-server (AOF fsync always: a kill -9 loses no acknowledged write). */
export interface PrivateRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  kill9(): Promise<void>;
  /** Kill and delete its data: Redis data loss. */
  wipe(): Promise<void>;
  close(): Promise<void>;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rel-redis-'));
  let child: ReturnType<typeof spawn> | undefined;
  const kill9 = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
        ],
        { stdio: 'ignore' },
      );
      await waitFor(
        async () => {
          const c = new Redis(r.url, {
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            retryStrategy: () => null,
          });
          try {
            await c.connect();
            return (await c.ping()) === 'PONG';
          } finally {
            c.disconnect();
          }
        },
        { timeoutMs: 20_000, description: `redis-server on ${port}` },
      );
    },
    kill9,
    wipe: async () => {
      await kill9();
      rmSync(dir, { recursive: true, force: true });
      // redis-server wants its directory back.
      mkdirSync(dir, { recursive: true });
    },
    close: async () => {
      await kill9();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await r.start();
  return r;
}

/** A TCP proxy that can be cut (every connection reset, new ones refused) and restored. */
export interface CuttableProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<CuttableProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = new Socket();
        sockets.add(client);
        sockets.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        upstream.connect(targetPort, targetHost, () => {
          client.pipe(upstream);
          upstream.pipe(client);
        });
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.resetAndDestroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

/** Sleeps; only between fault injections (never to wait for an outcome: that is waitFor). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Cases

export interface CaseView {
  subject: string;
  buyerId: string | null;
  status: string;
  severity: string;
  ruleIds: string[];
  sellerIds: string[];
  orderIds: string[];
  suspicionCount: number;
  jobIds: string[];
}

/** Every case with the job ids of its evidence, in a run-independent order. */
export async function casesOf(pool: import('pg').Pool): Promise<CaseView[]> {
  const { rows } = await pool.query<{
    subject: string;
    buyer_id: string | null;
    status: string;
    severity: string;
    rule_ids: string[];
    seller_ids: string[];
    order_ids: string[];
    suspicion_count: number;
    job_ids: string[] | null;
  }>(
    `SELECT c.subject_kind || ':' || c.subject_id AS subject, c.buyer_id, c.status, c.severity,
            c.rule_ids, c.seller_ids, c.order_ids, c.suspicion_count,
            (SELECT array_agg(e.job_id ORDER BY e.job_id) FROM case_evidence e WHERE e.case_id = c.id) AS job_ids
       FROM cases c ORDER BY 1`,
  );
  return rows.map((r) => ({
    subject: r.subject,
    buyerId: r.buyer_id,
    status: r.status,
    severity: r.severity,
    ruleIds: [...r.rule_ids].sort(),
    sellerIds: [...r.seller_ids].sort(),
    orderIds: [...r.order_ids].sort(),
    suspicionCount: r.suspicion_count,
    jobIds: r.job_ids ?? [],
  }));
}

/** Waits until the case worker has applied every suspicion job of the world. */
export async function waitCasesApplied(
  pool: import('pg').Pool,
  jobCount: number,
  timeoutMs = 120_000,
): Promise<void> {
  await waitFor(
    async () => {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM processed_jobs');
      return Number(rows[0]!.n) >= jobCount;
    },
    { timeoutMs, intervalMs: 250, description: `${jobCount} suspicion jobs applied` },
  );
}

/** Figures a scenario reports (printed and collected into docs/guarantees.md). */
export interface Figures {
  scenario: string;
  eventsIn: number;
  eventsAccounted: number;
  duplicates?: number;
  recoveryMs?: number;
  [k: string]: unknown;
}
export function report(f: Figures): void {
  // One JSON line per scenario, easy to grep from the test output.
  const line = JSON.stringify({ ...f, at: new Date().toISOString() });
  process.stdout.write(`RELIABILITY ${line}\n`);
  mkdirSync(join(ROOT, '.vigil'), { recursive: true });
  appendFileSync(join(ROOT, '.vigil', 'reliability-figures.jsonl'), `${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// Suspicions without a detector

/** What the rules raise on a generated input: bulk-non-payment per non-payer, labels per labelled. */
export function suspicionsFor(input: Input): Array<{ id: string; data: Suspicion }> {
  const out: Array<{ id: string; data: Suspicion }> = [];
  const byBuyer = new Map<string, typeof input.events>();
  for (const e of input.events) byBuyer.set(e.buyerId, [...(byBuyer.get(e.buyerId) ?? []), e]);
  const make = (ruleId: Suspicion['ruleId'], buyerId: string, types: string[]) => {
    const evs = (byBuyer.get(buyerId) ?? []).filter(
      (e) => types.includes(e.type) && (e.type !== 'order.cancelled' || e.data.reason === 'payment_timeout'),
    );
    const last = evs[evs.length - 1]!;
    const data: Suspicion = {
      ruleId,
      subject: { kind: 'buyer', id: buyerId },
      buyerIds: [buyerId],
      sellerIds: [...new Set(evs.map((e) => e.sellerId))].sort(),
      orderIds: [...new Set(evs.map((e) => e.orderId!))].sort(),
      severity: new Set(evs.map((e) => e.sellerId)).size >= 2 ? 'high' : 'medium',
      evidence: { windows: { count: evs.length }, eventIds: evs.map((e) => e.id), crossed: [] },
      eventTime: last.occurredAt,
      detectedAt: new Date().toISOString(),
    };
    out.push({ id: `${ruleId}-${buyerId}-${Date.parse(last.occurredAt)}`, data });
  };
  for (const b of input.nonPayers) make('bulk-non-payment', b, ['order.cancelled']);
  for (const b of input.labelled) make('seller-label-accumulation', b, ['seller.label']);
  return out;
}

/** Adds suspicions to the world's queue as the detector does (deterministic job id, its options). */
export async function enqueueSuspicions(
  w: World,
  suspicions: Array<{ id: string; data: Suspicion }>,
): Promise<void> {
  const connection = new Redis(w.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(w.queue, { connection, prefix: w.bullPrefix });
  try {
    await queue.addBulk(
      suspicions.map(({ id, data }) => ({
        name: data.ruleId,
        data,
        opts: { jobId: id, attempts: 15, backoff: { type: 'exponential', delay: 1000 }, removeOnFail: false },
      })),
    );
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Failed and completed job counts of the world's suspicion queue. */
export async function suspicionCounts(w: World): Promise<{ failed: number; completed: number }> {
  const connection = new Redis(w.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(w.queue, { connection, prefix: w.bullPrefix });
  try {
    const c = await queue.getJobCounts('failed', 'completed');
    return { failed: c['failed'] ?? 0, completed: c['completed'] ?? 0 };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Expected cases of a set of suspicion jobs: buyer → the sorted ids of the jobs naming it. */
export function expectedCaseJobs(jobs: JobView[]): Map<string, string[]> {
  const expected = new Map<string, string[]>();
  for (const j of jobs)
    for (const b of j.data.buyerIds) expected.set(b, [...(expected.get(b) ?? []), j.id].sort());
  return expected;
}
