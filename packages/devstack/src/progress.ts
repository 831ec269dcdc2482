import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

/** Sum over partitions of (high watermark − committed offset) for a consumer group. */
export async function consumerGroupLag(
  brokers: string[],
  groupId: string,
  topics: string[],
): Promise<number> {
  const admin = new Kafka({ clientId: 'vigil-devstack', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let lag = 0;
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const p of t.partitions) {
        const bounds = ends.find((e) => e.partition === p.partition);
        const end = Number(bounds?.high ?? 0);
        // No committed offset yet: everything from the log start is still to be read.
        const at = Number(p.offset) < 0 ? Number(bounds?.low ?? 0) : Number(p.offset);
        lag += Math.max(0, end - at);
      }
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/** Jobs not yet finished on a BullMQ queue (waiting, active, delayed, prioritized). */
export async function queuePending(redisUrl: string, name: string, prefix = 'bull'): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(name, { connection, prefix });
  try {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(c).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Reads one sample (summed over label sets) from a Prometheus text exposition. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labelText = m[3] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(m[4]);
  }
  return sum;
}

/** Metric samples grouped by one label, e.g. suspicions by `rule`. */
export function metricByLabel(text: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const v = new RegExp(`${label}="([^"]*)"`).exec(m[2] ?? '')?.[1];
    if (v !== undefined) out[v] = (out[v] ?? 0) + Number(m[3]);
  }
  return out;
}
