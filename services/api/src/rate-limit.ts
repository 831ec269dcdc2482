import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '@vigil/common';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { rateBucketKey } from './keys';

const SCRIPT = readFileSync(join(__dirname, 'lua', 'token-bucket-1.lua'), 'utf8');
const Reply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int(), z.number().int()]);

type WithBucket = Redis & {
  vigilApiTokenBucket(
    key: string,
    capacity: number,
    rate: number,
    cost: number,
    ttl: number,
  ): Promise<unknown>;
};

/** Options for {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Requests per minute per API key; also the burst. */
  perMinute: number;
  /** Redis key prefix. Default `vigil`. */
  prefix?: string;
}

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** Whole seconds until the next request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** Per-API-key token bucket in Redis, shared by every API instance. */
export class RateLimiter {
  private readonly redis: WithBucket;
  private readonly rate: number;
  private readonly ttlMs: number;
  private readonly prefix: string;

  constructor(
    redis: Redis,
    private readonly options: RateLimiterOptions,
  ) {
    if (!('vigilApiTokenBucket' in redis)) {
      redis.defineCommand('vigilApiTokenBucket', { numberOfKeys: 1, lua: SCRIPT });
    }
    this.redis = redis as WithBucket;
    this.rate = options.perMinute / 60_000;
    // A full refill takes one minute; keep the key a little longer, then let it expire.
    this.ttlMs = 120_000;
    this.prefix = options.prefix ?? 'vigil';
  }

  async take(apiKeyId: string): Promise<RateDecision> {
    let raw: unknown;
    try {
      raw = await this.redis.vigilApiTokenBucket(
        rateBucketKey(this.prefix, apiKeyId),
        this.options.perMinute,
        this.rate,
        1,
        this.ttlMs,
      );
    } catch (err) {
      throw new VigilError('REDIS_UNAVAILABLE', 'rate limiter could not reach Redis', {
        retriable: true,
        cause: err,
      });
    }
    const parsed = Reply.safeParse(raw);
    if (!parsed.success) throw new VigilError('RATE_LIMIT_REPLY', `unexpected token bucket reply`);
    const [allowed, remaining, waitMs] = parsed.data;
    return { allowed: allowed === 1, remaining, retryAfterSeconds: Math.ceil(waitMs / 1000) };
  }
}
