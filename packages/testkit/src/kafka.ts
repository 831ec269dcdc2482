import { Kafka, logLevel } from 'kafkajs';

/** Brokers for integration tests (`KAFKA_BROKERS`, default the local node). */
export function testBrokers(): string[] {
  return (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
}

/** Redis for integration tests (`REDIS_URL`, default the local server). */
export function testRedisUrl(): string {
  return process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
}

/** Creates topics (waiting for their leaders) for one test. */
export async function createTopics(topics: string[], numPartitions = 3): Promise<void> {
  const admin = new Kafka({
    clientId: 'vigil-test-admin',
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}
