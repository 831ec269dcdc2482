import { type MarketEvent, type RuleId, Suspicion, toKafkaMessage } from '@vigil/events';
import { createDetectorCore, defaultRulesConfig } from '@vigil/rules';
import { DAY, ev, HOUR } from '@vigil/rules/src/test-events';
import { uniqueName, waitFor } from '@vigil/testkit';
import { Registry } from 'prom-client';
import { silentLogger, TestWorld } from './support';

// Kafka orders a buyer's events only within one topic. Here every small topic (refunds, chats,
// complaints, reviews) is fully produced BEFORE the orders topic, so an unaligned consumer sees
// refunds before their deliveries and long-time buyers' reviews before their paid orders. The
// detector must still judge every buyer as if the events had arrived in event-time order.
describe('event-time alignment across market topics (real Kafka, Redis, rule engine)', () => {
  const world = new TestWorld();
  const keyPrefix = uniqueName('vigil_align');

  const home = {
    country: 'CN',
    region: 'Zhejiang',
    city: 'Hangzhou',
    line: '8 Family Lane',
    postcode: '310000',
  };
  const placed = (b: string, o: string, at: number) =>
    ev('order.placed', { buyerId: b, sellerId: 's-1', orderId: o, at }, { shippingAddress: home } as never);
  const threat = 'Give me a full refund or I will leave a bad review and complain to the platform';

  // refund-only-after-delivery: two "not received" refund-only requests on delivered orders.
  const refundAbuse: MarketEvent[] = [0, 1].flatMap((i) => [
    placed('al-refund', `o-al-refund-${i}`, i * 5 * DAY),
    ev('order.delivered', { buyerId: 'al-refund', orderId: `o-al-refund-${i}`, at: i * 5 * DAY + 2 * DAY }),
    ev(
      'refund.requested',
      { buyerId: 'al-refund', orderId: `o-al-refund-${i}`, at: i * 5 * DAY + 3 * DAY },
      { refundId: `r-al-${i}`, kind: 'refund_only', reason: 'not_received' },
    ),
  ]);
  // competitor-review-burst, honest: three long-time buyers (4 paid orders each) and two fresh
  // accounts post bad reviews the same day: only 2 new accounts, below the burst threshold of 5.
  const review = (b: string, rating: number, at: number) =>
    ev(
      'review.posted',
      { buyerId: b, sellerId: 'shop-al', orderId: `o-${b}`, at },
      { reviewId: `rv-${b}`, rating, text: 'x' },
    );
  const loyalReviews: MarketEvent[] = [];
  for (const b of ['al-loyal-1', 'al-loyal-2', 'al-loyal-3']) {
    for (let i = 0; i < 4; i++)
      loyalReviews.push(
        ev('order.paid', { buyerId: b, sellerId: 'shop-al', orderId: `o-${b}-${i}`, at: i * 10 * DAY }),
      );
    loyalReviews.push(review(b, 2, 50 * DAY));
  }
  loyalReviews.push(review('al-fresh-1', 1, 50 * DAY + HOUR), review('al-fresh-2', 1, 50 * DAY + 2 * HOUR));
  // complaint-extortion: the threat chat precedes the complaint in event time.
  const extortion: MarketEvent[] = [
    ev(
      'chat.message',
      { buyerId: 'al-threat', sellerId: 's-1', at: 20 * DAY },
      { from: 'buyer', text: threat },
    ),
    ev(
      'complaint.filed',
      { buyerId: 'al-threat', sellerId: 's-1', at: 20 * DAY + 5 * HOUR },
      { complaintId: 'c-al-1', category: 'false_advertising' },
    ),
  ];
  const all = [...refundAbuse, ...loyalReviews, ...extortion];

  afterAll(() => world.close(), 60000);

  it('fires the cross-topic rules exactly as in event-time order though the orders topic comes last', async () => {
    await world.setup(3);
    // Runs after the detector stopped (closers run in reverse), before the Redis client quits.
    world.onClose(async () => {
      let cursor = '0';
      do {
        const [next, keys] = await world.redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await world.redis.del(...keys);
      } while (cursor !== '0');
    });
    // Produce every non-order topic first (complaints before chats, too), the orders topic last.
    const messages = all.map(toKafkaMessage).map((m) => ({ ...m, topic: `${world.prefix}${m.topic}` }));
    const ordersTopic = world.topic('market.orders.v1');
    const order = (t: string) => (t === ordersTopic ? 2 : t.includes('complaints') ? 0 : 1);
    const topics = [...new Set(messages.map((m) => m.topic))].sort((a, b) => order(a) - order(b));
    for (const topic of topics) {
      await world.producer.send({
        topic,
        acks: -1,
        messages: messages.filter((m) => m.topic === topic).map(({ key, value }) => ({ key, value })),
      });
    }

    const registry = new Registry();
    const processor = createDetectorCore({
      redis: world.redis,
      config: defaultRulesConfig(),
      keyPrefix,
      registry,
      logger: silentLogger,
    });
    const { detector } = await world.detector({ processor, registry, alignment: { pollIntervalMs: 200 } });
    expect(detector.assignment()).toBeDefined();

    const perTopic = new Map<string, number>();
    for (const m of messages) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);
    await waitFor(
      async () => {
        for (const [topic, n] of perTopic) {
          if ((await world.committed(topic.slice(world.prefix.length))) < n) return false;
        }
        return true;
      },
      { timeoutMs: 60000 },
    );

    const jobs = (
      await world.queue.getJobs(['waiting', 'delayed', 'prioritized', 'completed', 'failed', 'active'])
    ).map((j) => Suspicion.parse(j.data));
    const fired = (rule: RuleId) => jobs.filter((j) => j.ruleId === rule);
    expect(fired('refund-only-after-delivery').map((j) => j.subject)).toEqual([
      { kind: 'buyer', id: 'al-refund' },
    ]);
    expect(fired('complaint-extortion').map((j) => j.subject)).toEqual([{ kind: 'buyer', id: 'al-threat' }]);
    // The loyal buyers' paid orders were known before their reviews: no burst of "new accounts".
    expect(fired('competitor-review-burst')).toEqual([]);
    expect(
      jobs.flatMap((j) => j.buyerIds).filter((b) => b.startsWith('al-loyal') || b.startsWith('al-fresh')),
    ).toEqual([]);
  });
});
