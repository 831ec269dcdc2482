// Shared helpers of the throughput and latency benchmarks: machine description, a private
// redis-server per run, topic setup, CPU-profile parsing, tables and result files.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MARKET_TOPICS, TOPICS } from '@vigil/events';
import { Redis } from 'ioredis';
import { type Admin, Kafka, logLevel } from 'kafkajs';

export const root = join(__dirname, '..');
export const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');

/** A short id unique to this run, used in every topic, group, queue and key name. */
export function runId(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of our own on a free port, without persistence: memory figures and command
 * counts are then ours alone (the shared Redis is used by other test runs at the same time).
 */
export interface PrivateRedis {
  url: string;
  version: string;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = join(tmpdir(), `vigil-bench-redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    process.env['REDIS_SERVER'] ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused connections are expected while the server starts; connect() rejects with them too.
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const info = await probe.info('server');
      probe.disconnect();
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
      return {
        url,
        version,
        stop: async () => {
          if (child.exitCode !== null) return;
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await gone;
        },
      };
    } catch {
      probe.disconnect();
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Kafka version: BENCH_KAFKA_VERSION, else the version infra/kafka runs (its pom.xml). */
function kafkaVersion(): string {
  if (process.env['BENCH_KAFKA_VERSION']) return process.env['BENCH_KAFKA_VERSION'];
  try {
    const pom = readFileSync(join(root, 'infra', 'kafka', 'pom.xml'), 'utf8');
    return /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function machine(redisVersion: string): Record<string, unknown> {
  let load = '';
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    load = 'unknown';
  }
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-sr']).toString().trim();
  } catch {
    kernel = 'unknown';
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverageAtStart: load,
    kernel,
    node: process.version,
    kafka: kafkaVersion(),
    redis: redisVersion,
  };
}

/** The six market topics (and the DLQ) under `prefix`, created fresh. */
export async function createBenchTopics(
  prefix: string,
  partitions: number,
): Promise<{ admin: Admin; market: string[]; all: string[] }> {
  const admin = new Kafka({ clientId: 'vigil-bench', brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const market = MARKET_TOPICS.map((t) => `${prefix}${t}`);
  const all = [...market, `${prefix}${TOPICS.dlq}`];
  await admin.createTopics({
    waitForLeaders: true,
    topics: all.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
  });
  return { admin, market, all };
}

export function writeResult(name: string, run: string, result: unknown): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${run}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** Prints rows as a Markdown table (so the output can be pasted into bench/README.md). */
export function printTable(rows: Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown) =>
    typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(v ?? '');
  console.log(`| ${cols.join(' | ')} |`);
  console.log(`|${cols.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c) => cell(r[c])).join(' | ')} |`);
}

/** One function of a CPU profile, with its self time. */
export interface ProfileEntry {
  functionName: string;
  location: string;
  selfMs: number;
  selfPercent: number;
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * Top functions by self time of a V8 .cpuprofile: each sample's time delta is charged to the node
 * it hit, nodes are merged by function + location. `(idle)` is dropped (waiting on I/O is not CPU);
 * `(garbage collector)` and `(program)` are kept, they are CPU.
 */
export function topSelfTime(
  file: string,
  top = 10,
  /** Only samples inside [from, to], in µs of the monotonic clock (process.hrtime), when given. */
  window?: { from: number; to: number },
): { totalCpuMs: number; wallMs: number; windowed: boolean; top: ProfileEntry[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  // V8 stamps samples with the same monotonic clock as process.hrtime on Linux; if the window
  // misses the profile entirely (another platform), fall back to the whole process life.
  const inWindow = window !== undefined && window.from >= profile.startTime && window.from <= profile.endTime;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, { functionName: string; location: string; us: number }>();
  let total = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (inWindow && (at < window.from || at > window.to)) continue;
    const frame = byId.get(profile.samples[i]!);
    // A sample's delta is the time until the next sample; the first delta is the gap from start.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!frame || frame.functionName === '(idle)') continue;
    const url = frame.url.replace(/^file:\/\//, '').replace(`${root}/`, '');
    // Line:column of the code tsx compiled (V8 profiles ignore source maps).
    const location = url ? `${url}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : '';
    const name = frame.functionName || '(anonymous)';
    const k = `${name}@${location}`;
    const e = self.get(k) ?? { functionName: name, location, us: 0 };
    e.us += us;
    self.set(k, e);
    total += us;
  }
  const sorted = [...self.values()].sort((a, b) => b.us - a.us).slice(0, top);
  return {
    totalCpuMs: Math.round(total / 1000),
    wallMs: Math.round((inWindow ? window.to - window.from : profile.endTime - profile.startTime) / 1000),
    windowed: inWindow,
    top: sorted.map((e) => ({
      functionName: e.functionName,
      location: e.location,
      selfMs: Math.round(e.us / 1000),
      selfPercent: Math.round((1000 * e.us) / total) / 10,
    })),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
