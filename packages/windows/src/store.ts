import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/common';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { z } from 'zod';
import type { SubjectKeys } from './keys';
import { counter, histogram } from './metrics';

/** One operation of a window update; see `lua/window-apply-2.lua` for the exact semantics. */
export type WindowOp =
  | {
      op: 'zadd';
      key: string;
      member: string;
      /** Event time, ms. */
      score: number;
      /** Entries scored below watermark − retention are trimmed (window length + lateness). */
      retentionMs: number;
      /** At most this many entries are kept (the oldest go first). */
      cap: number;
      ttlMs: number;
      /** Keep the greater score of an existing member (last-seen sets). */
      keepGreater?: boolean;
      /** Skip the add when this hash field is a number ≤ le (e.g. paid before the grace ended). */
      skipIfHashLe?: { key: string; field: string; le: number };
      /** Add only when every condition on a hash field holds (missing field = false). */
      onlyIf?: Array<{ key: string; field: string; op: 'eq' | 'ge' | 'le'; value: string | number }>;
    }
  | {
      op: 'zrem';
      key: string;
      /** The member, or (when `memberFromHash` is given) ignored. */
      member: string;
      /** Take the member from this hash field instead (e.g. the order's open-set entry). */
      memberFromHash?: { key: string; field: string };
      /** Remove only when the member's score is ≥ this. */
      minScore?: number;
    }
  | {
      op: 'zrange';
      key: string;
      from: number;
      to: number;
      limit: number;
      /** Name of the read in `ApplyResult.reads`. Default: the op's index. */
      name?: string;
    }
  | { op: 'hset'; key: string; fields: Record<string, string>; onlyNew?: boolean; ttlMs: number }
  | { op: 'hgetall'; key: string; name?: string };

/** One event applied to one subject: a single script call. */
export interface ApplyCall {
  subject: SubjectKeys;
  eventId: string;
  /** Hash of the event's content: a redelivery with another hash is a conflict. */
  contentHash: string;
  /** Event time, ms. */
  eventTime: number;
  /** An event older than the subject's watermark − lateness is late; −1 disables the check. */
  latenessMs: number;
  dedupeTtlMs: number;
  metaTtlMs: number;
  /** The watermark never advances past this (ms); default: no cap. */
  maxWatermark?: number;
  ops: WindowOp[];
}

export interface ZRead {
  kind: 'z';
  /** Entries in [from, to]. */
  count: number;
  /** The first `limit` entries in [from, to], by event time ascending. */
  items: Array<{ member: string; score: number }>;
}
export interface HRead {
  kind: 'h';
  fields: Record<string, string>;
}
export type ApplyStatus = 'new' | 'dup' | 'conflict' | 'late';
export interface ApplyResult {
  status: ApplyStatus;
  /** The subject's watermark before this event (as of its first delivery). */
  prevWatermark: number | null;
  /** The reads (zrange, hgetall) by name (default name: the op's index); empty when late. */
  reads: Record<string, ZRead | HRead>;
}

const LUA_DIR = join(__dirname, 'lua');
const SCRIPT = readFileSync(join(LUA_DIR, 'window-apply-2.lua'), 'utf8');

// cjson encodes an empty Lua table as {} rather than [], hence the unions with records.
const ZReadWire = z.object({
  n: z.number(),
  m: z.union([z.array(z.tuple([z.string(), z.number()])), z.object({}).strict()]),
});
const HReadWire = z.record(z.string(), z.union([z.string(), z.number()]));
const ResultWire = z.object({
  st: z.enum(['new', 'dup', 'conflict', 'late']),
  pw: z.union([z.number(), z.literal(false)]),
  r: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
});

type ApplyCommand = (numKeys: number, ...args: string[]) => Promise<string>;
interface WithApply {
  vigilWindowApply: ApplyCommand;
}

/** Options of {@link WindowStore}. */
export interface WindowStoreOptions {
  /** Metrics registry. Default: a private registry (metrics not exported). */
  registry?: Registry;
}

/**
 * The Redis window store: applies batches of per-subject window updates, one Lua script call per
 * (event, subject), all calls of a phase in ONE pipeline (one round trip).
 */
export class WindowStore {
  readonly #redis: Redis;
  readonly #duration;
  readonly #roundTrips;
  /** Pipelines executed so far (each is one network round trip). */
  roundTrips = 0;

  constructor(redis: Redis, options: WindowStoreOptions = {}) {
    this.#redis = redis;
    const registry = options.registry ?? new Registry();
    if (!('vigilWindowApply' in redis)) {
      redis.defineCommand('vigilWindowApply', { lua: SCRIPT });
    }
    this.#duration = histogram(
      registry,
      'vigil_detector_redis_script_duration_seconds',
      'Duration of one pipelined batch of window scripts (one round trip), by phase',
      ['phase'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.#roundTrips = counter(
      registry,
      'vigil_detector_redis_round_trips_total',
      'Pipelined round trips to Redis by the detector, by phase',
      ['phase'],
    );
  }

  /** Applies all calls in one pipeline; results in call order. Throws a retriable VigilError. */
  async apply(calls: ApplyCall[], phase = 'buyer'): Promise<ApplyResult[]> {
    if (calls.length === 0) return [];
    const pipeline = this.#redis.pipeline() as unknown as WithApply & {
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    for (const call of calls) {
      const { keys, ops } = encodeOps(call);
      pipeline.vigilWindowApply(
        keys.length,
        ...keys,
        call.contentHash,
        String(Math.trunc(call.eventTime)),
        String(Math.trunc(call.latenessMs)),
        String(Math.trunc(call.dedupeTtlMs)),
        String(Math.trunc(call.metaTtlMs)),
        ops,
        String(call.maxWatermark === undefined ? -1 : Math.max(0, Math.trunc(call.maxWatermark))),
      );
    }
    const end = this.#duration.startTimer({ phase });
    let replies: Array<[Error | null, unknown]> | null;
    try {
      this.roundTrips++;
      this.#roundTrips.inc({ phase });
      replies = await pipeline.exec();
    } catch (cause) {
      throw new VigilError('REDIS_UNAVAILABLE', `redis pipeline (${phase}) failed`, {
        retriable: true,
        cause,
      });
    } finally {
      end();
    }
    if (!replies) {
      throw new VigilError('REDIS_UNAVAILABLE', `redis pipeline (${phase}) was discarded`, {
        retriable: true,
      });
    }
    return replies.map(([err, reply], i) => {
      if (err) {
        // A reply from the server (script error, OOM, ...) vs. a connection that never answered.
        const fromServer = err.name === 'ReplyError';
        throw new VigilError(
          fromServer ? 'REDIS_SCRIPT_FAILED' : 'REDIS_UNAVAILABLE',
          `window script failed for event ${calls[i]!.eventId}: ${err.message}`,
          { retriable: true, cause: err },
        );
      }
      return decodeResult(reply, calls[i]!);
    });
  }
}

function encodeOps(call: ApplyCall): { keys: string[]; ops: string } {
  const keys = [call.subject.event(call.eventId), call.subject.meta];
  const index = new Map<string, number>();
  const k = (key: string): number => {
    if (!key.startsWith(`${call.subject.meta.slice(0, -2)}:`)) {
      // A key outside the subject would break atomicity (and Redis Cluster slots).
      throw new VigilError('WINDOW_KEY_OUTSIDE_SUBJECT', `key ${key} is not under ${call.subject.tag}`);
    }
    let i = index.get(key);
    if (i === undefined) {
      keys.push(key);
      i = keys.length; // Lua KEYS are 1-based.
      index.set(key, i);
    }
    return i;
  };
  const ops = call.ops.map((op, i): Record<string, unknown> => {
    switch (op.op) {
      case 'zadd':
        return {
          o: 'za',
          k: k(op.key),
          m: op.member,
          s: Math.trunc(op.score),
          r: Math.trunc(op.retentionMs),
          c: op.cap,
          t: Math.trunc(op.ttlMs),
          ...(op.keepGreater ? { g: true } : {}),
          ...(op.skipIfHashLe
            ? { x: { k: k(op.skipIfHashLe.key), f: op.skipIfHashLe.field, le: op.skipIfHashLe.le } }
            : {}),
          ...(op.onlyIf
            ? { y: op.onlyIf.map((c) => ({ k: k(c.key), f: c.field, op: c.op, v: String(c.value) })) }
            : {}),
        };
      case 'zrem':
        return {
          o: 'zr',
          k: k(op.key),
          m: op.member,
          ...(op.memberFromHash ? { mh: { k: k(op.memberFromHash.key), f: op.memberFromHash.field } } : {}),
          ...(op.minScore === undefined ? {} : { min: Math.trunc(op.minScore) }),
        };
      case 'zrange':
        return {
          o: 'zq',
          k: k(op.key),
          a: Math.trunc(op.from),
          b: Math.trunc(op.to),
          l: op.limit,
          n: op.name ?? String(i),
        };
      case 'hset':
        return {
          o: 'hs',
          k: k(op.key),
          f: op.fields,
          ...(op.onlyNew ? { nx: true } : {}),
          t: Math.trunc(op.ttlMs),
        };
      default:
        return { o: 'hg', k: k(op.key), n: op.name ?? String(i) };
    }
  });
  return { keys, ops: JSON.stringify(ops) };
}

function decodeResult(reply: unknown, call: ApplyCall): ApplyResult {
  let json: unknown;
  try {
    json = JSON.parse(String(reply));
  } catch (cause) {
    throw new VigilError('REDIS_BAD_REPLY', `window script returned non-JSON for ${call.eventId}`, { cause });
  }
  const parsed = ResultWire.safeParse(json);
  if (!parsed.success) {
    throw new VigilError('REDIS_BAD_REPLY', `window script reply invalid: ${parsed.error.message}`);
  }
  const wire = parsed.data;
  const raw: Record<string, unknown> = Array.isArray(wire.r) ? {} : wire.r;
  const reads: Record<string, ZRead | HRead> = {};
  if (wire.st !== 'late') {
    call.ops.forEach((op, i) => {
      if (op.op !== 'zrange' && op.op !== 'hgetall') return;
      const name = op.name ?? String(i);
      const value = raw[name];
      if (value === undefined) return; // a read this event's first delivery did not plan
      if (op.op === 'zrange') {
        const zr = ZReadWire.safeParse(value);
        if (!zr.success)
          throw new VigilError('REDIS_BAD_REPLY', `bad zrange read ${name} for ${call.eventId}`);
        const items = Array.isArray(zr.data.m) ? zr.data.m.map(([member, score]) => ({ member, score })) : [];
        reads[name] = { kind: 'z', count: zr.data.n, items };
      } else {
        const hr = HReadWire.safeParse(value);
        if (!hr.success) throw new VigilError('REDIS_BAD_REPLY', `bad hash read ${name} for ${call.eventId}`);
        const fields: Record<string, string> = {};
        for (const [f, v] of Object.entries(hr.data)) if (f !== '_') fields[f] = String(v);
        reads[name] = { kind: 'h', fields };
      }
    });
  }
  return { status: wire.st, prevWatermark: wire.pw === false ? null : wire.pw, reads };
}
