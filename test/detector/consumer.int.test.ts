import { createOpsServer, VigilError } from '@vigil/common';
import { DeadLetter, encodeEvent, type MarketEvent, TOPICS } from '@vigil/events';
import { EXAMPLES } from '@vigil/events/src/examples';
import { waitFor } from '@vigil/testkit';
import { Queue } from 'bullmq';
import {
  CancellationProcessor,
  cancellation,
  FlakyQueue,
  metricValue,
  silentLogger,
  TestWorld,
} from './support';

// The detector's consumer loop against the real broker, Redis and BullMQ, with a deterministic
// stand-in processor (one suspicion per cancellation) so these tests are about the loop alone.
describe('detector consumer (real Kafka, Redis, BullMQ)', () => {
  let world: TestWorld;

  beforeEach(async () => {
    world = new TestWorld();
    await world.setup();
  });

  afterEach(async () => {
    await world.close();
  });

  it('dead-letters a malformed message with its reason and source offset, and goes on', async () => {
    const processor = new CancellationProcessor();
    const { registry } = await world.detector({ processor });
    const key = 'b-dlq';
    const [meta] = await world.send(TOPICS.orders, [
      { key, value: encodeEvent(cancellation('e1', key)) },
      { key, value: 'not json {' },
      { key, value: encodeEvent(cancellation('e2', key)) },
    ]);
    const badOffset = String(Number(meta!.baseOffset) + 1);

    const dead: { key: string | null; record: DeadLetter }[] = [];
    const dlqConsumer = world.kafka.consumer({ groupId: `${world.groupId}-dlq-reader` });
    world.onClose(() => dlqConsumer.disconnect());
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({ topic: world.names.dlqTopic, fromBeginning: true });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        dead.push({
          key: message.key?.toString() ?? null,
          record: DeadLetter.parse(JSON.parse(message.value!.toString())),
        });
      },
    });

    await waitFor(() => dead.length === 1, { description: 'one dead letter' });
    const [letter] = dead;
    expect(letter!.key).toBe(key);
    expect(letter!.record).toMatchObject({
      code: 'invalid_json',
      source: { topic: world.topic(TOPICS.orders), partition: meta!.partition, offset: badOffset },
      key,
    });
    expect(letter!.record.reason).toMatch(/^not JSON/);
    expect(Buffer.from(letter!.record.value, 'base64').toString()).toBe('not json {');

    // The valid message after the bad one is processed and its suspicion queued.
    await waitFor(async () => (await world.jobIds()).length === 2, { description: 'two jobs' });
    expect(await world.jobIds()).toEqual(['test-e1', 'test-e2']);
    expect(processor.seen.map((e) => e.id)).toEqual(['e1', 'e2']);
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 3, {
      description: 'offsets committed',
    });
    expect(
      await metricValue(registry, 'vigil_detector_invalid_events_total', { reason: 'invalid_json' }),
    ).toBe(1);
    expect(await metricValue(registry, 'vigil_detector_dlq_messages_total')).toBe(1);
    expect(
      await metricValue(registry, 'vigil_detector_events_total', {
        topic: world.topic(TOPICS.orders),
        type: 'order.cancelled',
      }),
    ).toBe(2);
    expect(
      await metricValue(registry, 'vigil_detector_consumer_lag', { partition: String(meta!.partition) }),
    ).toBe(0);
  });

  it('rejects an event published on the wrong topic (it is checked against the contract topic)', async () => {
    const processor = new CancellationProcessor();
    const { registry } = await world.detector({ processor });
    await world.send(TOPICS.refunds, [{ key: 'b-x', value: encodeEvent(cancellation('e-wrong', 'b-x')) }]);
    await world.send(TOPICS.refunds, [{ key: 'b-x', value: encodeEvent(EXAMPLES['refund.requested']) }]);
    await waitFor(async () => (await world.committed(TOPICS.refunds)) === 2, {
      description: 'both committed',
    });
    expect(processor.seen.map((e) => e.id)).toEqual(['e-refreq']);
    expect(
      await metricValue(registry, 'vigil_detector_invalid_events_total', { reason: 'wrong_topic' }),
    ).toBe(1);
  });

  it('makes no second job for events delivered twice, nor after re-consuming from offset 0', async () => {
    const events = Array.from({ length: 8 }, (_, i) => cancellation(`dup-${i}`, `b-${i % 4}`));
    const messages = events.map((e) => ({ key: e.buyerId, value: encodeEvent(e) }));
    await world.send(TOPICS.orders, messages);
    await world.send(TOPICS.orders, messages); // the producer-side duplicates

    const processor = new CancellationProcessor();
    const first = await world.detector({ processor });
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 16, { description: '16 committed' });
    expect(processor.seen).toHaveLength(16);
    const expected = events.map((e) => `test-${e.id}`).sort();
    expect(await world.jobIds()).toEqual(expected);
    await first.detector.stop();

    // Same group, offsets reset to the beginning: everything is redelivered to a new consumer.
    const admin = world.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: world.groupId, topic: world.topic(TOPICS.orders), earliest: true });
    await admin.disconnect();
    expect(await world.committed(TOPICS.orders)).toBe(0);

    const again = new CancellationProcessor();
    const second = await world.detector({ processor: again });
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 16, {
      description: '16 committed again',
    });
    expect(again.seen).toHaveLength(16);
    // The processor emitted 16 suspicions again; BullMQ's job ids absorbed every one.
    expect(await metricValue(second.registry, 'vigil_detector_suspicions_emitted_total')).toBe(16);
    expect(await world.jobIds()).toEqual(expected);
  });

  it('commits nothing while the queue is down, reports not ready, then processes every event', async () => {
    const flaky = new FlakyQueue(world.queue);
    const processor = new CancellationProcessor();
    const { detector, registry } = await world.detector({ processor, queue: flaky });
    const ops = createOpsServer({
      registry,
      logger: silentLogger,
      checks: [],
      ready: () => detector.readiness(),
    });
    world.onClose(() => ops.close());
    // Over real HTTP (fastify's inject pulls an ESM-only module jest cannot load).
    const address = await ops.listen({ host: '127.0.0.1', port: 0 });
    const readyz = async () => {
      const res = await fetch(`${address}/readyz`);
      return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
    };

    const events = Array.from({ length: 12 }, (_, i) => cancellation(`q-${i}`, `b-${i % 5}`));
    await world.send(
      TOPICS.orders,
      events.map((e) => ({ key: e.buyerId, value: encodeEvent(e) })),
    );

    await waitFor(() => flaky.failures >= 3, { description: 'several failed queue writes' });
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.checks['service']).toMatch(/enqueue/);
    expect(await world.committed(TOPICS.orders)).toBe(0);
    expect(
      await metricValue(registry, 'vigil_detector_processing_errors_total', { retriable: 'true' }),
    ).toBeGreaterThan(0);

    flaky.down = false;
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 12, {
      description: 'all committed',
    });
    expect(await world.jobIds()).toEqual(events.map((e) => `test-${e.id}`).sort());
    // The processor ran each event once: a queue retry does not re-apply events to the windows.
    expect(processor.seen.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    await waitFor(async () => (await readyz()).status === 200, {
      description: 'ready again',
    });
  });

  it('retries a retriable processor failure without skipping events', async () => {
    const inner = new CancellationProcessor();
    let failuresLeft = 2;
    const processor = {
      async process(batch: MarketEvent[]) {
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new VigilError('REDIS_UNAVAILABLE', 'window store unreachable', { retriable: true });
        }
        return inner.process(batch);
      },
    };
    await world.detector({ processor });
    const events = Array.from({ length: 6 }, (_, i) => cancellation(`p-${i}`, 'b-same'));
    await world.send(
      TOPICS.orders,
      events.map((e) => ({ key: e.buyerId, value: encodeEvent(e) })),
    );
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 6, { description: 'all committed' });
    // One buyer, one partition: the events reached the processor in partition order.
    expect(inner.seen.map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(await world.jobIds()).toEqual(events.map((e) => `test-${e.id}`).sort());
  });

  it('stops on a non-retriable processor error without committing; a restart processes the events', async () => {
    const fatalErrors: unknown[] = [];
    const broken = {
      async process(): Promise<never> {
        throw new TypeError('bug in a rule');
      },
    };
    const crashed = await world.detector({ processor: broken, onFatal: (err) => fatalErrors.push(err) });
    const events = Array.from({ length: 4 }, (_, i) => cancellation(`f-${i}`, `b-${i}`));
    await world.send(
      TOPICS.orders,
      events.map((e) => ({ key: e.buyerId, value: encodeEvent(e) })),
    );
    await waitFor(() => fatalErrors.length > 0, { description: 'fatal error reported' });
    expect(crashed.detector.readiness().ready).toBe(false);
    expect(
      await metricValue(crashed.registry, 'vigil_detector_processing_errors_total', { retriable: 'false' }),
    ).toBe(1);
    await crashed.detector.stop();
    expect(await world.committed(TOPICS.orders)).toBe(0);

    const fixed = new CancellationProcessor();
    await world.detector({ processor: fixed });
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 4, { description: 'all committed' });
    expect(fixed.seen.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('stop() finishes and commits the chunk in hand before leaving the group', async () => {
    const inner = new CancellationProcessor();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered = false;
    const processor = {
      async process(batch: MarketEvent[]) {
        entered = true;
        await gate; // shutdown is requested while this batch is in the processor
        return inner.process(batch);
      },
    };
    const { detector } = await world.detector({ processor });
    const events = Array.from({ length: 5 }, (_, i) => cancellation(`s-${i}`, 'b-stop'));
    await world.send(
      TOPICS.orders,
      events.map((e) => ({ key: e.buyerId, value: encodeEvent(e) })),
    );
    await waitFor(() => entered, { description: 'batch in the processor' });
    const stopping = detector.stop();
    release();
    await stopping;
    expect(await world.committed(TOPICS.orders)).toBe(5);
    expect(await world.jobIds()).toEqual(events.map((e) => `test-${e.id}`).sort());
  });

  it('two instances in one group share the partitions and make the same job ids as one', async () => {
    const a = new CancellationProcessor();
    const b = new CancellationProcessor();
    const first = await world.detector({ processor: a });
    const second = await world.detector({ processor: b });
    const total = world.names.topics.length * 3;
    const count = (d: typeof first) =>
      Object.values(d.detector.assignment()).reduce((n, p) => n + p.length, 0);
    await waitFor(() => count(first) > 0 && count(second) > 0 && count(first) + count(second) === total, {
      description: 'both members assigned',
      timeoutMs: 60000,
    });

    const events = Array.from({ length: 60 }, (_, i) => cancellation(`m-${i}`, `b-${i % 20}`));
    await world.send(
      TOPICS.orders,
      events.map((e) => ({ key: e.buyerId, value: encodeEvent(e) })),
    );
    await waitFor(async () => (await world.committed(TOPICS.orders)) === 60, {
      description: 'all committed',
    });
    expect(a.seen.length).toBeGreaterThan(0);
    expect(b.seen.length).toBeGreaterThan(0);
    const shared = await world.jobIds();

    // One detector alone, in its own group with its own queue, over the same topics.
    const soloQueue = new Queue(`${world.queueName}-solo`, {
      connection: world.redis,
      prefix: world.bullPrefix,
    });
    world.onClose(async () => {
      await soloQueue.obliterate({ force: true });
      await soloQueue.close();
    });
    const soloGroup = `${world.groupId}-solo`;
    await world.detector({ processor: new CancellationProcessor(), groupId: soloGroup, queue: soloQueue });
    await waitFor(async () => (await world.committed(TOPICS.orders, soloGroup)) === 60, {
      description: 'solo committed',
    });
    const solo = await world.jobIds(soloQueue);
    expect(solo).toHaveLength(60);
    expect(shared).toEqual(solo);
  });
});
