import { createDetectorCore, defaultRulesConfig } from '@vigil/rules';
import { ev, HOUR } from '@vigil/rules/src/test-events';
import { testRedisUrl, uniqueName } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { RulesWindowReader } from './rules-windows';

// The risk endpoint's reader against windows written by the real rule engine: if the engine's
// key layout or window names drift, this fails.

let redis: Redis;
beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(() => {
  redis.disconnect();
});

it('reads the buyer windows the detector wrote, each over its configured length', async () => {
  const prefix = uniqueName('apiwin');
  const config = defaultRulesConfig();
  const core = createDetectorCore({ redis, config, keyPrefix: prefix });
  const timeout = (at: number, orderId: string) =>
    ev('order.cancelled', { buyerId: 'b-risk', sellerId: 's-1', orderId, at }, { reason: 'payment_timeout' });
  await core.process([
    timeout(0, 'o-0'),
    timeout(20 * HOUR, 'o-1'),
    timeout(30 * HOUR, 'o-2'),
    ev(
      'order.delivery_failed',
      { buyerId: 'b-risk', orderId: 'o-3', at: 35 * HOUR },
      { reason: 'address_invalid' },
    ),
    timeout(40 * HOUR, 'o-4'),
  ]);
  const reader = new RulesWindowReader(redis, { config, prefix });
  // The buyer's latest event is at 40h: the 24h window holds 20h, 30h and 40h, not the one at 0h.
  expect(await reader.read('b-risk')).toEqual({ payment_timeouts_24h: 3, delivery_failures_30d: 1 });
  expect(await reader.read('b-never-seen')).toEqual({});
  // The prefix is respected: another deployment's keys are not read.
  expect(await new RulesWindowReader(redis, { config, prefix: uniqueName('other') }).read('b-risk')).toEqual(
    {},
  );
});
