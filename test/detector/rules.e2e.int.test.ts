import { join } from 'node:path';
import {
  consumerGroupLag,
  metricValue,
  type RunningService,
  startService,
  waitHttpOk,
} from '@vigil/devstack';
import { MARKET_TOPICS, type MarketEvent, Suspicion, toKafkaMessage } from '@vigil/events';
import { testBrokers, testRedisUrl, uniqueName, waitFor } from '@vigil/testkit';
import {
  bulkNonPaymentAbuse,
  duplicateReturnTrackingAbuse,
  fiveSellerCartPaid,
  labelsFromTwoSellers,
  singleLabel,
  twelvePaidOrders,
} from './scenarios';
import { TestWorld } from './support';

// End to end through the real detector process (services/detector/src/main.ts with the real rule
// engine), the real broker, Redis and BullMQ: each rule fires on an abusive sequence and stays
// silent on an honest look-alike; SIGTERM stops it cleanly; re-consuming everything makes no new job.
describe('detector process with the rule engine (end to end)', () => {
  const root = join(__dirname, '..', '..');
  const world = new TestWorld();
  const keyPrefix = uniqueName('vigil_e2e');
  const port = 20000 + Math.floor(Math.random() * 5000);
  const scenarios = {
    bulkAbuse: bulkNonPaymentAbuse('e2e-bnp'),
    cartHonest: fiveSellerCartPaid('e2e-cart'),
    trackingAbuse: duplicateReturnTrackingAbuse('e2e-drt'),
    loyalHonest: twelvePaidOrders('e2e-loyal'),
    labelsAbuse: labelsFromTwoSellers('e2e-lab'),
    labelHonest: singleLabel('e2e-one'),
  };
  let detector: RunningService;
  let jobs: { id: string; data: Suspicion }[] = [];

  function start(): RunningService {
    return startService({
      name: 'detector',
      root,
      env: {
        KAFKA_BROKERS: testBrokers().join(','),
        REDIS_URL: testRedisUrl(),
        KAFKA_TOPIC_PREFIX: world.prefix,
        KAFKA_GROUP_ID: world.groupId,
        SUSPICIONS_QUEUE: world.queueName,
        BULLMQ_PREFIX: world.bullPrefix,
        VIGIL_KEY_PREFIX: keyPrefix,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        LOG_LEVEL: 'info',
      },
    });
  }

  const topics = MARKET_TOPICS.map((t) => world.topic(t));
  const drained = async () => {
    if (detector.child.exitCode !== null) throw new Error(`detector exited; see ${detector.logFile}`);
    return (await consumerGroupLag(testBrokers(), world.groupId, topics)) === 0;
  };

  async function readJobs() {
    const all = await world.queue.getJobs([
      'waiting',
      'delayed',
      'prioritized',
      'completed',
      'failed',
      'active',
    ]);
    return all.map((j) => ({ id: String(j.id), data: Suspicion.parse(j.data) }));
  }

  beforeAll(async () => {
    await world.setup();
    detector = start();
    await waitHttpOk(`http://127.0.0.1:${port}/readyz`, 60000, detector);
    const events: MarketEvent[] = Object.values(scenarios).flatMap((s) => s.events);
    // One send per event keeps each buyer's events in order on its partition.
    for (const e of events) {
      const m = toKafkaMessage(e);
      await world.producer.send({
        topic: world.topic(m.topic),
        acks: -1,
        messages: [{ key: m.key, value: m.value }],
      });
    }
    await waitFor(drained, { description: 'every event processed and committed', timeoutMs: 90000 });
    jobs = await readJobs();
  });

  afterAll(async () => {
    await detector?.stop();
    await world.close();
    // Window keys have TTLs; remove them anyway so the shared Redis stays tidy.
    const { Redis } = await import('ioredis');
    const redis = new Redis(testRedisUrl());
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    await redis.quit();
  });

  const about = (buyerId: string) => jobs.filter((j) => j.data.buyerIds.includes(buyerId));

  it('bulk-non-payment: three sellers left unpaid fires (high); a 5-seller cart paid in two minutes does not', () => {
    const fired = about(scenarios.bulkAbuse.buyerId).filter((j) => j.data.ruleId === 'bulk-non-payment');
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0]!.data.severity).toBe('high');
    expect(fired[0]!.data.subject).toEqual({ kind: 'buyer', id: scenarios.bulkAbuse.buyerId });
    expect(about(scenarios.cartHonest.buyerId)).toEqual([]);
  });

  it('duplicate-return-tracking: a reused return tracking number fires; twelve paid orders with own returns do not', () => {
    const fired = about(scenarios.trackingAbuse.buyerId).filter(
      (j) => j.data.ruleId === 'duplicate-return-tracking',
    );
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0]!.data.severity).toBe('high');
    expect(about(scenarios.loyalHonest.buyerId)).toEqual([]);
  });

  it('seller-label-accumulation: labels from two sellers fire (high); one seller label does not', () => {
    const fired = about(scenarios.labelsAbuse.buyerId).filter(
      (j) => j.data.ruleId === 'seller-label-accumulation',
    );
    expect(fired.length).toBeGreaterThanOrEqual(1);
    expect(fired[0]!.data.severity).toBe('high');
    expect(about(scenarios.labelHonest.buyerId)).toEqual([]);
  });

  it('exposes its metrics, stops with code 0 on SIGTERM, and a full re-consumption makes no new job', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/vigil_detector_events_total\{[^}]*type="order.placed"[^}]*\} \d+/);
    expect(metrics).toMatch(
      /vigil_detector_suspicions_emitted_total\{rule="bulk-non-payment",severity="high"\} [1-9]/,
    );
    expect(metrics).toContain('process_cpu_seconds_total');

    expect(await detector.stop()).toBe(0);
    const before = jobs.map((j) => j.id).sort();

    const admin = world.kafka.admin();
    await admin.connect();
    for (const topic of topics) await admin.resetOffsets({ groupId: world.groupId, topic, earliest: true });
    await admin.disconnect();
    expect(await consumerGroupLag(testBrokers(), world.groupId, topics)).toBeGreaterThan(0);

    detector = start();
    await waitHttpOk(`http://127.0.0.1:${port}/readyz`, 60000, detector);
    await waitFor(drained, { description: 'everything re-consumed', timeoutMs: 90000 });
    const again = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // Every redelivered event was recognised by id, not applied again.
    expect(metricValue(again, 'vigil_detector_duplicate_events_total')).toBeGreaterThan(0);
    expect(metricValue(again, 'vigil_detector_suspicions_emitted_total')).toBeGreaterThan(0);
    expect((await readJobs()).map((j) => j.id).sort()).toEqual(before);
  });
});
