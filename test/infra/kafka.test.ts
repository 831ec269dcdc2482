import { createTopics, testBrokers, uniqueName, waitFor } from '@vigil/testkit';
import { Kafka, logLevel } from 'kafkajs';

// The broker the integration tests and services share: a consumer group reads what a producer
// wrote, commits, and a second consumer in the same group resumes after the committed offset.
describe('Kafka (real broker)', () => {
  const kafka = new Kafka({ clientId: 'vigil-test', brokers: testBrokers(), logLevel: logLevel.NOTHING });
  const topic = uniqueName('test.kafka');
  const groupId = uniqueName('test-group');

  beforeAll(async () => {
    await createTopics([topic], 2);
  });

  async function consume(expected: number): Promise<string[]> {
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary }) => {
        for (const m of batch.messages) {
          seen.push(m.value?.toString() ?? '');
          resolveOffset(m.offset);
        }
        await commitOffsetsIfNecessary({
          topics: [
            {
              topic,
              partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }],
            },
          ],
        });
      },
    });
    await waitFor(() => seen.length >= expected, { description: `${expected} messages` });
    await consumer.disconnect();
    return seen;
  }

  it('delivers to a consumer group and resumes after committed offsets', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({
      topic,
      messages: ['a', 'b', 'c', 'd'].map((v, i) => ({ key: `buyer-${i % 2}`, value: v })),
    });
    const first = await consume(4);
    expect(first.sort()).toEqual(['a', 'b', 'c', 'd']);

    await producer.send({ topic, messages: [{ key: 'buyer-0', value: 'e' }] });
    await producer.disconnect();
    // Same group: only the message after the committed offsets arrives.
    const second = await consume(1);
    expect(second).toEqual(['e']);

    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.disconnect();
    const committed = offsets[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(committed).toBe(5);
  });
});
