// The real pipeline (detector, case worker, alert worker, API) started as child processes in an
// isolated namespace, for the demo and the benchmarks. One run = fresh topics (a per-run prefix),
// a fresh consumer group, a recreated database and cleared Redis keys, so its figures are about
// that run alone and a second run starts clean.

import { createServer } from 'node:net';
import { join } from 'node:path';
import { dropDatabase, ensureDatabase, migrate } from '@vigil/db';
import { MARKET_TOPICS, SELLER_ALERTS_QUEUE, SUSPICIONS_QUEUE, TOPICS } from '@vigil/events';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { type RunningService, startService, waitHttpOk } from './processes';
import { consumerGroupLag, queuePending } from './progress';

export type ServiceName = 'detector' | 'cases' | 'alerts' | 'api';

/** Default ops/HTTP port of each service; taken when free, else any free port. */
const DEFAULT_PORTS: Record<ServiceName, number> = { detector: 9464, cases: 9465, alerts: 9466, api: 8080 };
/** Path answering 200 once the service is ready. */
const READY_PATH: Record<ServiceName, string> = {
  detector: '/readyz',
  cases: '/readyz',
  alerts: '/readyz',
  api: '/readyz',
};

/** Options of {@link startPipeline}. */
export interface PipelineOptions {
  /** Repository root. */
  root: string;
  /**
   * Namespace of this kind of run, e.g. `vigil-demo`: the Redis key prefix and BullMQ prefix,
   * the database name (with `_` for `-`), and the stem of the per-run topic prefix and group.
   * Everything under it is deleted at start.
   */
  namespace: string;
  /** Default `KAFKA_BROKERS` or 127.0.0.1:9092. */
  brokers?: string[];
  /** Default `REDIS_URL` or redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** Server of the run's database (its path is replaced); default `DATABASE_URL` or the local one. */
  databaseUrl?: string;
  /** Services to start, in this order. */
  services: ServiceName[];
  /** Partitions of each market topic. Default 3. */
  partitions?: number;
  /** Extra environment per service. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Progress lines. Default: none. */
  log?: (line: string) => void;
  /** Wait for readiness this long per service. Default 90 s. */
  readyTimeoutMs?: number;
}

export interface PipelineService {
  running: RunningService;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
}

/** What is pending in the pipeline; drained when everything is 0. */
export interface DrainState {
  lag: number;
  suspicions: number;
  alerts: number;
  outbox: number;
}

export interface Pipeline {
  runId: string;
  topicPrefix: string;
  /** Market topics (prefixed), in `MARKET_TOPICS` order. */
  marketTopics: string[];
  topic: (canonical: string) => string;
  groupId: string;
  keyPrefix: string;
  bullPrefix: string;
  brokers: string[];
  redisUrl: string;
  databaseUrl: string;
  /** A pool on the run's database (closed by `stop`). */
  pool: Pool;
  services: Partial<Record<ServiceName, PipelineService>>;
  /** The Prometheus text of a service's /metrics. */
  metrics(name: ServiceName): Promise<string>;
  drainState(): Promise<DrainState>;
  /**
   * Polls until lag, queues and outbox are all 0 on two polls in a row, or throws after
   * `timeoutMs` with what is still pending.
   */
  waitDrained(timeoutMs: number, onPoll?: (s: DrainState) => void): Promise<DrainState>;
  /** SIGTERM every service (reverse order), close the pool. Idempotent. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1: `preferred` when it is free, else one the OS picks. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address();
        const got = typeof addr === 'object' && addr ? addr.port : undefined;
        srv.close(() => resolve(got));
      });
    });
  if (preferred > 0) {
    const p = await tryPort(preferred);
    if (p !== undefined) return p;
  }
  const p = await tryPort(0);
  if (p === undefined) throw new Error('no free TCP port on 127.0.0.1');
  return p;
}

/** Deletes every Redis key matching `pattern` (SCAN + UNLINK; never KEYS). Returns the count. */
export async function deleteKeys(redisUrl: string, pattern: string): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

/** `postgres://…/vigil` → the same server with database `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const stamp = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;

/**
 * Sets up the namespace (old topics, groups, keys and database of earlier runs removed) and starts
 * the services. On failure, whatever was started is stopped again before the error is thrown.
 */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const ns = options.namespace;
  if (!/^[a-z][a-z0-9-]{1,40}$/.test(ns))
    throw new Error(`namespace must be [a-z][a-z0-9-]{1,40}, got "${ns}"`);
  const say = options.log ?? (() => {});
  const brokers = options.brokers ?? (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  const redisUrl = options.redisUrl ?? process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const server =
    options.databaseUrl ?? process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/vigil';
  const databaseUrl = withDatabase(server, ns.replace(/-/g, '_'));
  const runId = `${ns}-${stamp()}`;
  const topicPrefix = `${runId}.`;
  const topic = (canonical: string) => `${topicPrefix}${canonical}`;
  const marketTopics = MARKET_TOPICS.map((t) => topic(t));
  const groupId = `${runId}-detector`;
  const keyPrefix = ns;
  const bullPrefix = `${ns}-bull`;

  // Kafka: drop the topics and groups of earlier runs of this namespace, create this run's topics.
  const admin = new Kafka({ clientId: `${ns}-admin`, brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // Only this namespace's run topics (`<ns>-<stamp>.`), not another namespace sharing the stem.
    const ourTopic = new RegExp(`^${ns}-[a-z0-9]+\\.`);
    const ourGroup = new RegExp(`^${ns}-[a-z0-9]+-(detector|api-orders)$`);
    const stale = (await admin.listTopics()).filter((t) => ourTopic.test(t));
    if (stale.length) {
      say(`removing ${stale.length} topics of earlier ${ns} runs`);
      await admin.deleteTopics({ topics: stale, timeout: 30000 });
    }
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => ourGroup.test(g));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const all = [...marketTopics, topic(TOPICS.dlq), topic(TOPICS.enforcement), topic(TOPICS.sellerRelief)];
    await admin.createTopics({
      waitForLeaders: true,
      topics: all.map((t) => ({ topic: t, numPartitions: options.partitions ?? 3, replicationFactor: 1 })),
    });
    say(`topics ${topicPrefix}* created (${all.length})`);
  } finally {
    await admin.disconnect();
  }

  // Redis: window keys and BullMQ queues of earlier runs.
  const cleared =
    (await deleteKeys(redisUrl, `${keyPrefix}:*`)) + (await deleteKeys(redisUrl, `${bullPrefix}:*`));
  say(`redis: cleared ${cleared} keys under ${keyPrefix}: and ${bullPrefix}:`);

  // PostgreSQL: a database of its own, recreated.
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 4 });
  await migrate(pool);
  say(`database ${new URL(databaseUrl).pathname.slice(1)} recreated and migrated`);

  const common = { KAFKA_BROKERS: brokers.join(','), REDIS_URL: redisUrl, DATABASE_URL: databaseUrl };
  const envOf: Record<ServiceName, Record<string, string>> = {
    detector: {
      KAFKA_GROUP_ID: groupId,
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_FROM_BEGINNING: 'true',
      VIGIL_KEY_PREFIX: keyPrefix,
      BULLMQ_PREFIX: bullPrefix,
      SUSPICIONS_QUEUE,
      HTTP_HOST: '127.0.0.1',
    },
    cases: {
      BULLMQ_PREFIX: bullPrefix,
      SUSPICIONS_QUEUE,
      SELLER_ALERTS_QUEUE,
      ENFORCEMENT_TOPIC: topic(TOPICS.enforcement),
      SELLER_RELIEF_TOPIC: topic(TOPICS.sellerRelief),
      MIGRATE_ON_START: 'false',
    },
    alerts: { BULLMQ_PREFIX: bullPrefix, SELLER_ALERTS_QUEUE },
    api: {
      HTTP_HOST: '127.0.0.1',
      LABELS_TOPIC: topic(TOPICS.sellerLabels),
      ORDERS_TOPIC: topic(TOPICS.orders),
      ORDERS_GROUP_ID: `${runId}-api-orders`,
      REDIS_PREFIX: keyPrefix,
      WINDOWS_PREFIX: keyPrefix,
    },
  };

  const services: Partial<Record<ServiceName, PipelineService>> = {};
  const order: ServiceName[] = [];
  let stopping: Promise<void> | undefined;
  // Detached children survive their parent: if it exits without stop(), still send them SIGTERM.
  const orphanGuard = () => {
    for (const name of order) {
      const c = services[name]?.running.child;
      if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    }
  };
  process.once('exit', orphanGuard);
  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', orphanGuard);
      for (const name of [...order].reverse()) await services[name]?.running.stop();
      await pool.end();
    })();
    return stopping;
  };

  try {
    for (const name of options.services) {
      const port = await freePort(DEFAULT_PORTS[name]);
      const running = startService({
        name,
        root: options.root,
        logDir: join(options.root, '.vigil', 'logs', ns),
        detached: true,
        env: {
          ...common,
          ...envOf[name],
          HTTP_PORT: String(port),
          LOG_LEVEL: 'info',
          ...options.env?.[name],
        },
      });
      order.push(name);
      const url = `http://127.0.0.1:${port}`;
      services[name] = { running, port, url };
      say(`starting ${name} on ${url} (log ${running.logFile})`);
    }
    // Readiness in parallel: the detector is ready once it joined its group.
    await Promise.all(
      order.map((name) => {
        const s = services[name]!;
        return waitHttpOk(`${s.url}${READY_PATH[name]}`, options.readyTimeoutMs ?? 90000, s.running);
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const metrics = async (name: ServiceName) => {
    const s = services[name];
    if (!s) throw new Error(`${name} is not running in this pipeline`);
    const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`${s.url}/metrics answered ${res.status}`);
    return res.text();
  };

  const drainState = async (): Promise<DrainState> => {
    const [lag, suspicions, alerts, outbox] = await Promise.all([
      services.detector ? consumerGroupLag(brokers, groupId, marketTopics) : 0,
      queuePending(redisUrl, SUSPICIONS_QUEUE, bullPrefix),
      services.alerts ? queuePending(redisUrl, SELLER_ALERTS_QUEUE, bullPrefix) : 0,
      pool
        .query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')
        .then((r) => Number(r.rows[0]?.n ?? 0)),
    ]);
    return { lag, suspicions, alerts, outbox };
  };

  const waitDrained = async (timeoutMs: number, onPoll?: (s: DrainState) => void) => {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    let last: DrainState = { lag: -1, suspicions: -1, alerts: -1, outbox: -1 };
    while (Date.now() < deadline) {
      for (const name of order) {
        const r = services[name]!.running;
        if (r.child.exitCode !== null)
          throw new Error(`${name} exited with code ${r.child.exitCode}; see ${r.logFile}`);
      }
      last = await drainState();
      onPoll?.(last);
      const idle = last.lag === 0 && last.suspicions === 0 && last.alerts === 0 && last.outbox === 0;
      // Two quiet polls in a row: a suspicion enqueued between the lag and queue reads is not missed.
      quiet = idle ? quiet + 1 : 0;
      if (quiet >= 2) return last;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(
      `pipeline did not drain within ${Math.round(timeoutMs / 1000)} s: consumer lag ${last.lag}, ` +
        `suspicions pending ${last.suspicions}, seller alerts pending ${last.alerts}, outbox ${last.outbox}` +
        ` (logs: ${order.map((n) => services[n]!.running.logFile).join(', ')})`,
    );
  };

  return {
    runId,
    topicPrefix,
    marketTopics,
    topic,
    groupId,
    keyPrefix,
    bullPrefix,
    brokers,
    redisUrl,
    databaseUrl,
    pool,
    services,
    metrics,
    drainState,
    waitDrained,
    stop,
  };
}
