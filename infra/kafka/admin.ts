// Readiness and topic creation for the local broker, through the same client the services use.
//   tsx infra/kafka/admin.ts wait     until the broker answers a metadata request
//   tsx infra/kafka/admin.ts topics   create the contract's topics (idempotent)
import { Kafka, logLevel } from 'kafkajs';

const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const partitions = Number(process.env['KAFKA_PARTITIONS'] ?? 6);

/** The contract's topics (DESIGN.md, "Flow"). */
export const CONTRACT_TOPICS = [
  'market.orders.v1',
  'market.refunds.v1',
  'market.reviews.v1',
  'market.chats.v1',
  'market.complaints.v1',
  'market.seller-labels.v1',
  'vigil.dlq.v1',
  'vigil.enforcement.v1',
  'vigil.seller-relief.v1',
];

async function main(): Promise<void> {
  const cmd = process.argv[2];
  const kafka = new Kafka({
    clientId: 'vigil-infra',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  const deadline = Date.now() + 60000;
  for (;;) {
    try {
      await admin.connect();
      await admin.describeCluster();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (cmd === 'topics') {
      const existing = new Set(await admin.listTopics());
      const missing = CONTRACT_TOPICS.filter((t) => !existing.has(t));
      if (missing.length) {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        });
      }
      console.error(`[kafka] topics: ${missing.length ? `created ${missing.join(', ')}` : 'all present'}`);
    } else if (cmd !== 'wait') {
      throw new Error(`unknown command "${cmd}" (wait|topics)`);
    }
  } finally {
    await admin.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
