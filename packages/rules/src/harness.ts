import type { MarketEvent, SuspicionJob } from '@vigil/events';
import { testRedisUrl, uniqueName } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { attributionProblems } from './attribution-check';
import { defaultRulesConfig, type RulesConfig } from './config';
import { createDetectorCore, type DetectorCore } from './core';

// Integration-test harness: a detector core on the real Redis under a unique key prefix.

/** "Now" in tests: after every test event (they start 2026-11-20), so no event is "in the future". */
export const DETECTED_AT = Date.parse('2027-06-01T12:00:00.000Z');

export interface Harness {
  redis: Redis;
  prefix: string;
  registry: Registry;
  core: DetectorCore;
  /** Processes events in batches of `batchSize`; returns all suspicions in order. */
  run(events: MarketEvent[], batchSize?: number): Promise<SuspicionJob[]>;
  /** Every key under the prefix with its full content, for before/after comparisons. */
  snapshot(): Promise<Record<string, unknown>>;
  /** Every suspicion job the core emitted through this harness (run or core.process). */
  readonly emitted: SuspicionJob[];
  /**
   * Deletes the keys and closes Redis, then fails if any emitted suspicion's `orderParties` is
   * wrong for the events it was given (see attributionProblems): every test using the harness
   * checks order attribution of everything the engine raised in it.
   */
  close(): Promise<void>;
}

export async function createHarness(config: RulesConfig = defaultRulesConfig()): Promise<Harness> {
  const redis = new Redis(testRedisUrl());
  const prefix = uniqueName('vigil_rules');
  const registry = new Registry();
  const core = createDetectorCore({ redis, config, keyPrefix: prefix, registry, now: () => DETECTED_AT });
  // Record what goes in and out of the core (first content of an id wins, as in the engine).
  const given = new Map<string, MarketEvent>();
  const emitted: SuspicionJob[] = [];
  const process = core.process;
  core.process = async (events) => {
    for (const e of events) if (!given.has(e.id)) given.set(e.id, e);
    const outcome = await process(events);
    emitted.push(...outcome.suspicions);
    return outcome;
  };
  const allKeys = async () => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys.sort();
  };
  return {
    redis,
    prefix,
    registry,
    core,
    emitted,
    async run(events, batchSize = 50) {
      const out: SuspicionJob[] = [];
      for (let i = 0; i < events.length; i += batchSize) {
        const r = await core.process(events.slice(i, i + batchSize));
        out.push(...r.suspicions);
      }
      return out;
    },
    async snapshot() {
      const snap: Record<string, unknown> = {};
      for (const key of await allKeys()) {
        const type = await redis.type(key);
        if (type === 'zset') snap[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'hash') snap[key] = await redis.hgetall(key);
        else snap[key] = await redis.get(key);
      }
      return snap;
    },
    async close() {
      const keys = await allKeys();
      if (keys.length) await redis.del(...keys);
      await redis.quit();
      const problems = emitted.flatMap((job) => attributionProblems(job, given));
      if (problems.length) throw new Error(`order attribution:\n${problems.join('\n')}`);
    },
  };
}
