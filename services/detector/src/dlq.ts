import { DeadLetter, type RejectCode } from '@vigil/events';

/** The parts of a consumed Kafka message a dead letter keeps. */
export interface SourceMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** A message for the DLQ topic: keyed like the original so one buyer's dead letters stay in order. */
export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Builds the `vigil.dlq.v1` record for a rejected message: the reason and its code, where it came
 * from, the original key (as UTF-8 text, or null) and the original bytes in base64 so an operator
 * can replay it byte for byte after a fix.
 */
export function buildDeadLetter(
  source: SourceMessage,
  rejection: { code: RejectCode; reason: string },
  failedAt: Date,
): { record: DeadLetter; message: DeadLetterMessage } {
  const record = DeadLetter.parse({
    reason: rejection.reason,
    code: rejection.code,
    source: { topic: source.topic, partition: source.partition, offset: source.offset },
    key: source.key === null ? null : source.key.toString('utf8'),
    value: (source.value ?? Buffer.alloc(0)).toString('base64'),
    failedAt: failedAt.toISOString(),
  });
  return {
    record,
    message: {
      key: source.key,
      value: Buffer.from(JSON.stringify(record), 'utf8'),
      headers: { 'vigil-dlq-code': rejection.code, 'vigil-source-topic': source.topic },
    },
  };
}
