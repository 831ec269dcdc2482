import { testRedisUrl, uniqueName } from '@vigil/testkit';
import Redis from 'ioredis';

describe('Redis (real server)', () => {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true });
  const prefix = uniqueName('test:redis');

  beforeAll(() => redis.connect());
  afterAll(async () => {
    await redis.quit();
  });

  it('round-trips values and expires keys', async () => {
    await redis.set(`${prefix}:k`, 'v', 'PX', 200);
    expect(await redis.get(`${prefix}:k`)).toBe('v');
    const ttl = await redis.pttl(`${prefix}:k`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);
    await redis.del(`${prefix}:k`);
    expect(await redis.get(`${prefix}:k`)).toBeNull();
  });

  it('runs a Lua script atomically', async () => {
    const n = await redis.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, `${prefix}:n`, 5);
    expect(n).toBe(5);
    await redis.del(`${prefix}:n`);
  });
});
