// Measures Redis memory per buyer (MEMORY USAGE over every key of the buyer's slot) for a typical
// buyer: 20 orders over 90 days, each placed, paid, shipped and delivered; 2 return refunds; 3
// reviews. Run: npx tsx packages/rules/scripts/measure-memory.ts (needs the local Redis).
import { uniqueName } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { createDetectorCore, defaultRulesConfig } from '../src';
import { DAY, ev, HOUR, MIN } from '../src/test-events';

async function main() {
  const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  const prefix = uniqueName('vigil_mem');
  const core = createDetectorCore({ redis, config: defaultRulesConfig(), keyPrefix: prefix });
  const buyerId = 'b-typical';
  const events = [];
  for (let i = 0; i < 20; i++) {
    const at = i * 4 * DAY;
    const f = { buyerId, sellerId: `s-${i % 6}`, orderId: `o-${i}` };
    events.push(ev('order.placed', { ...f, at }));
    events.push(ev('order.paid', { ...f, at: at + MIN }));
    events.push(ev('order.shipped', { ...f, at: at + 20 * HOUR }, { trackingNo: `T${i}`, carrier: 'SF' }));
    events.push(ev('order.delivered', { ...f, at: at + 2 * DAY }));
    if (i % 10 === 3) {
      events.push(
        ev(
          'refund.requested',
          { ...f, at: at + 3 * DAY },
          { refundId: `r-${i}`, kind: 'return_and_refund', reason: 'damaged' },
        ),
      );
      events.push(
        ev(
          'return.shipped',
          { ...f, at: at + 3 * DAY + HOUR },
          { refundId: `r-${i}`, trackingNo: `RT${i}`, carrier: 'SF' },
        ),
      );
    }
    if (i % 7 === 0)
      events.push(
        ev('review.posted', { ...f, at: at + 3 * DAY }, { reviewId: `rv-${i}`, rating: 5, text: 'good' }),
      );
  }
  await core.process(events);
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const byKind: Record<string, { keys: number; bytes: number }> = {};
  let total = 0;
  for (const key of keys) {
    const bytes = (await redis.memory('USAGE', key)) ?? 0;
    const kind = key.includes(':e:')
      ? 'dedupe records'
      : key.includes(':o:')
        ? 'order states'
        : key.includes(':w:')
          ? `window ${key.split(':w:')[1]}`
          : key.includes('{t:')
            ? 'tracking meta'
            : 'buyer meta';
    byKind[kind] ??= { keys: 0, bytes: 0 };
    byKind[kind].keys++;
    byKind[kind].bytes += Number(bytes);
    total += Number(bytes);
  }
  console.log(
    JSON.stringify({ events: events.length, keys: keys.length, totalBytes: total, byKind }, null, 2),
  );
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}
void main();
