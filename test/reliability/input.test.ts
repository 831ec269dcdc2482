// Guarantees (DESIGN.md): "window updates are idempotent per event id" — a redelivered event is
// not counted twice, and an id reused with OTHER content is not a new event either: the first
// content wins and the conflict is counted; "bad input never stops a partition: it is
// dead-lettered with its reason and counted". The input mixes valid events, exact duplicates,
// conflicting duplicates and malformed messages on the same partitions; the expected windows,
// suspicions, metric values and dead letters are computed from it. Some buyers also get an event
// stamped far in the future, which must not make their real events "late".
import { DeadLetter, type MarketEvent, TOPICS } from '@vigil/events';
import { waitFor } from '@vigil/testkit';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  buyersOf,
  committedTotal,
  createWorld,
  generateInput,
  metric,
  type Proc,
  prng,
  produce,
  publishedTotal,
  report,
  startDetector,
  suspicionJobs,
  timeoutWindowSize,
  waitDrained,
} from './support';

const SEED = Number(process.env['VIGIL_SEED'] ?? 7);

describe('duplicates, conflicting duplicates and bad input', () => {
  const procs: Proc[] = [];
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    redis.disconnect();
  });

  it('first content wins, duplicates and conflicts are counted, bad input is dead-lettered', async () => {
    const input = generateInput(SEED, 1500, `d${SEED}`);
    const rand = prng(SEED);
    const w = await createWorld('dup');
    // Conflicts: payment-timeout cancellations of non-payers re-sent under the same id as an
    // ordinary buyer_request cancellation. If the second content won, the non-payer's timeout
    // window would shrink and bulk-non-payment would not fire.
    const timeouts = input.events.filter(
      (e): e is Extract<MarketEvent, { type: 'order.cancelled' }> =>
        e.type === 'order.cancelled' && e.data.reason === 'payment_timeout' && input.nonPayers.has(e.buyerId),
    );
    const conflicting = timeouts
      .filter(() => rand() < 0.5)
      .map((e) => ({ ...e, data: { reason: 'buyer_request' as const } }));
    // Exact duplicates of other events (any type).
    const exact = input.events.filter(() => rand() < 0.05).map((e) => structuredClone(e));
    // Malformed messages, each on a market topic, keyed like real traffic.
    const bad = [
      'not json',
      '{"type":"order.paid"}',
      `{"type":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      JSON.stringify({ ...input.events[0], id: 'x\\ud800' }).replace('x\\\\ud800', 'x\\ud800'),
      JSON.stringify({ ...input.events[0], type: 'order.teleported' }),
      `{"__proto__":{"polluted":true},${JSON.stringify({ ...input.events[0], occurredAt: 'yesterday' }).slice(1)}`,
    ].map((value, i) => ({
      topic: `${w.topicPrefix}${TOPICS.orders}`,
      key: `bad-${i}`,
      value: Buffer.from(value),
    }));
    expect(conflicting.length).toBeGreaterThan(10);

    // Far-future event times (a producer's broken clock): before their first real event, some
    // non-payers get an event stamped in year 9999 on the same partition. It must not make their
    // real (earlier) events late, or they would escape detection.
    const blinded = new Set([...input.nonPayers].slice(0, 10));
    const future: MarketEvent[] = [...blinded].map((buyerId, i) => ({
      id: `future-${i}`,
      type: 'order.cancelled',
      version: 1,
      occurredAt: '9999-12-31T23:59:59.000Z',
      buyerId,
      sellerId: 'far-future-seller',
      orderId: `future-order-${i}`,
      data: { reason: 'buyer_request' },
    }));
    const originals: MarketEvent[] = [];
    for (const e of input.events) {
      if (blinded.delete(e.buyerId)) originals.push(future.find((f) => f.buyerId === e.buyerId)!);
      originals.push(e);
    }
    expect(originals.length).toBe(input.events.length + future.length);

    // Originals first, then the copies (same key, so same partition, later offsets), then garbage.
    await produce(w, [...originals, ...conflicting, ...exact], bad);
    const published = await publishedTotal(w);
    expect(published).toBe(originals.length + conflicting.length + exact.length + bad.length);

    const d = await startDetector(w);
    procs.push(d);
    await waitDrained(w);
    const text = await d.metrics();
    await d.service.stop();

    const conflicts = metric(text, 'vigil_detector_conflicting_events_total');
    const duplicates = metric(text, 'vigil_detector_duplicate_events_total');
    const valid = metric(text, 'vigil_detector_events_total');
    const invalid = metric(text, 'vigil_detector_invalid_events_total');
    const late = metric(text, 'vigil_detector_late_events_total');
    expect({ valid, invalid, conflicts, duplicates, late }).toEqual({
      valid: originals.length + conflicting.length + exact.length,
      late: 0,
      invalid: bad.length,
      conflicts: conflicting.length,
      // A conflict is a duplicate whose content differed.
      duplicates: conflicting.length + exact.length,
    });

    // First wins: windows and suspicions are those the original input implies.
    for (const [buyer, n] of input.timeouts)
      expect([buyer, await timeoutWindowSize(redis, w, buyer)]).toEqual([buyer, n]);
    const jobs = await suspicionJobs(w);
    expect([...buyersOf(jobs, 'bulk-non-payment')].sort()).toEqual([...input.nonPayers].sort());
    expect([...buyersOf(jobs, 'seller-label-accumulation')].sort()).toEqual([...input.labelled].sort());

    // Every bad message is in the DLQ with its reason and source offset.
    const kafka = new Kafka({ clientId: `${w.name}-dlq`, brokers: w.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${w.name}-dlq-reader` });
    const letters: DeadLetter[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: `${w.topicPrefix}${TOPICS.dlq}`, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const parsed = DeadLetter.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
          if (!parsed.success) throw new Error(`DLQ record does not parse: ${parsed.error.message}`);
          letters.push(parsed.data);
        },
      });
      await waitFor(() => letters.length >= bad.length, { description: 'dead letters' });
    } finally {
      await consumer.disconnect();
    }
    expect(letters.map((l) => Buffer.from(l.value, 'base64').toString()).sort()).toEqual(
      bad.map((b) => b.value.toString()).sort(),
    );
    for (const l of letters) expect(l.reason.length).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    report({
      scenario: 'duplicates, conflicts and bad input',
      eventsIn: published,
      eventsAccounted: valid + invalid,
      duplicates,
      conflicts,
      deadLetters: letters.length,
      committed: await committedTotal(w),
    });
  });
});
