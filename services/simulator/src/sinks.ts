import { createWriteStream } from 'node:fs';
import { VigilError } from '@vigil/common';
import { EVENT_TYPES, type EventType, encodeEvent, type MarketEvent, TOPIC_BY_TYPE } from '@vigil/events';
import { Kafka, logLevel as kafkaLogLevel, Partitioners, type Producer, type TopicMessages } from 'kafkajs';

/** Where generated or replayed events go. `write` resolves when the batch is durably handed over. */
export interface EventSink {
  readonly name: string;
  write(events: readonly MarketEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Resolves on `event`, rejects on `error`; removes both listeners either way. */
function settle(stream: NodeJS.EventEmitter, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      stream.off('error', bad);
      resolve();
    };
    const bad = (err: Error) => {
      stream.off(event, ok);
      reject(err);
    };
    stream.once(event, ok);
    stream.once('error', bad);
  });
}

/** JSON lines, one event per line, in the order written (replayable with `--replay`). */
export function fileSink(path: string): EventSink {
  const stream = createWriteStream(path, { encoding: 'utf8' });
  let failed: Error | undefined;
  stream.on('error', (err) => {
    failed = err;
  });
  const check = () => {
    if (failed)
      throw new VigilError('OUTPUT_WRITE_FAILED', `cannot write ${path}: ${failed.message}`, {
        cause: failed,
      });
  };
  return {
    name: `file:${path}`,
    async write(events) {
      check();
      let chunk = '';
      for (const e of events) chunk += JSON.stringify(e) + '\n';
      // Respect back-pressure so a fast generator never buffers a whole run in memory.
      if (!stream.write(chunk)) await settle(stream, 'drain').catch(() => undefined);
      check();
    },
    async close() {
      if (!stream.closed && !stream.destroyed) {
        const finished = settle(stream, 'finish').catch(() => undefined);
        stream.end();
        await finished;
      }
      check();
    },
  };
}

/** Options of {@link createKafkaSink}. */
export interface KafkaSinkOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: string[];
  /** Kafka client id. Default `vigil-simulator`. */
  clientId?: string;
  /** Prepended to every topic name (e.g. `demo.` → `demo.market.orders.v1`). Default none. */
  topicPrefix?: string;
  /** Full override of the topic per event type (tests use unique topics). Default `TOPIC_BY_TYPE`. */
  topicFor?: (type: EventType) => string;
  /** kafkajs log level. Default WARN. */
  logLevel?: kafkaLogLevel;
}

/**
 * Publishes events with an idempotent kafkajs producer (acks = all, so a retried send never
 * duplicates a message), key = buyerId, each event on its type's topic, one `sendBatch` per write.
 */
export async function createKafkaSink(
  options: KafkaSinkOptions,
): Promise<EventSink & { producer: Producer }> {
  const prefix = options.topicPrefix ?? '';
  const topicFor = options.topicFor ?? ((type: EventType) => `${prefix}${TOPIC_BY_TYPE[type]}`);
  const kafka = new Kafka({
    clientId: options.clientId ?? 'vigil-simulator',
    brokers: options.brokers,
    logLevel: options.logLevel ?? kafkaLogLevel.WARN,
  });
  // Idempotence in kafkajs 2.x is only safe with one request in flight per connection.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The Java-compatible murmur2 partitioner: a buyer's events land on the partition any Kafka
    // client would pick for that key, so per-buyer order holds for consumers in any language.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await producer.connect();
  } catch (cause) {
    throw new VigilError('KAFKA_CONNECT_FAILED', `cannot connect to Kafka at ${options.brokers.join(',')}`, {
      retriable: true,
      cause,
    });
  }
  // Auto topic creation is off on the platform's brokers, and an idempotent producer retries a
  // send to a missing topic for ever: check up front and fail naming the missing topics.
  const wanted = [...new Set(EVENT_TYPES.map(topicFor))];
  const admin = kafka.admin();
  let existing: Set<string>;
  try {
    await admin.connect();
    existing = new Set(await admin.listTopics());
  } catch (cause) {
    await producer.disconnect();
    throw new VigilError('KAFKA_METADATA_FAILED', 'cannot list Kafka topics', { retriable: true, cause });
  } finally {
    await admin.disconnect();
  }
  const missing = wanted.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await producer.disconnect();
    throw new VigilError('KAFKA_TOPICS_MISSING', `missing topics: ${missing.join(', ')} (create them first)`);
  }
  return {
    name: `kafka:${options.brokers.join(',')}`,
    producer,
    async write(events) {
      if (events.length === 0) return;
      const byTopic = new Map<string, TopicMessages>();
      for (const e of events) {
        const topic = topicFor(e.type);
        let tm = byTopic.get(topic);
        if (!tm) {
          tm = { topic, messages: [] };
          byTopic.set(topic, tm);
        }
        tm.messages.push({ key: e.buyerId, value: encodeEvent(e) });
      }
      try {
        await producer.sendBatch({ topicMessages: [...byTopic.values()], acks: -1 });
      } catch (cause) {
        throw new VigilError('KAFKA_SEND_FAILED', `sending ${events.length} events failed`, {
          retriable: true,
          cause,
        });
      }
    },
    async close() {
      await producer.disconnect();
    },
  };
}
