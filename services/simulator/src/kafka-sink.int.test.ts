import { EVENT_TYPES, type EventType, TOPIC_BY_TYPE, validateEvent } from '@vigil/events';
import { createTopics, testBrokers, uniqueName, waitFor } from '@vigil/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { generate } from './generate';
import { pump } from './pump';
import { createKafkaSink } from './sinks';

describe('Kafka sink (real broker)', () => {
  it('lands exactly N messages keyed by buyerId on the topic of each event type', async () => {
    const run = uniqueName('sim');
    // One unique topic per contract topic, so parallel helpers never see each other's messages.
    const topicOf = (t: string) => `${run}.${t}`;
    const topics = [...new Set(Object.values(TOPIC_BY_TYPE))].map(topicOf);
    await createTopics(topics, 3);

    const { events } = generate({
      seed: 5,
      buyers: 60,
      end: Date.parse('2026-11-26T00:00:00Z'),
      abusiveRate: 0.1,
    });
    const sink = await createKafkaSink({
      brokers: testBrokers(),
      topicFor: (type: EventType) => topicOf(TOPIC_BY_TYPE[type]),
    });
    const consumer = new Kafka({
      clientId: run,
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId: run,
    });
    const seen: {
      topic: string;
      partition: number;
      key: string;
      id: string;
      buyerId: string;
      type: EventType;
    }[] = [];
    try {
      const result = await pump(events, [sink], { batchSize: 200 });
      expect(result.sent).toBe(events.length);

      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const decoded = validateEvent(JSON.parse(message.value!.toString('utf8')));
          if (!decoded.ok) throw new Error(decoded.reason);
          const e = decoded.event;
          seen.push({
            topic,
            partition,
            key: message.key!.toString('utf8'),
            id: e.id,
            buyerId: e.buyerId,
            type: e.type,
          });
        },
      });
      await waitFor(() => seen.length >= events.length, { timeoutMs: 60_000, description: 'all messages' });
    } finally {
      await consumer.disconnect();
      await sink.close();
    }

    expect(seen).toHaveLength(events.length);
    expect(new Set(seen.map((s) => s.id))).toEqual(new Set(events.map((e) => e.id)));
    for (const s of seen) {
      expect(s.key).toBe(s.buyerId);
      expect(s.topic).toBe(topicOf(TOPIC_BY_TYPE[s.type]));
    }
    // Key = buyerId: one buyer's events of one topic share a partition, so their order holds.
    const partitionOf = new Map<string, Set<number>>();
    for (const s of seen) {
      const k = `${s.topic}|${s.key}`;
      partitionOf.set(k, (partitionOf.get(k) ?? new Set()).add(s.partition));
    }
    expect([...partitionOf.values()].every((p) => p.size === 1)).toBe(true);
    const typesSeen = new Set(seen.map((s) => s.type));
    expect(typesSeen.size).toBeGreaterThan(EVENT_TYPES.length / 2);
  });

  it('refuses to start when a topic is missing, naming it', async () => {
    const run = uniqueName('sim_missing');
    await expect(createKafkaSink({ brokers: testBrokers(), topicPrefix: `${run}.` })).rejects.toThrow(
      new RegExp(`missing topics: .*${run}\\.market\\.orders\\.v1`),
    );
  });
});
