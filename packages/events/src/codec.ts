import { EVENT_TYPES, type MarketEvent, MarketEvent as MarketEventSchema, TOPIC_BY_TYPE } from './market';

/** Messages larger than this are dead-lettered unread (DESIGN.md). */
export const MAX_EVENT_BYTES = 64 * 1024;

/** Why a message was rejected; a small, bounded set so it can label a metric. */
export type RejectCode =
  | 'too_large'
  | 'empty'
  | 'not_utf8'
  | 'invalid_json'
  | 'not_object'
  | 'unknown_type'
  | 'schema'
  | 'wrong_topic';

export type DecodeResult = { ok: true; event: MarketEvent } | { ok: false; code: RejectCode; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes from Kafka → a typed event, or the reason it is not one. Never throws. With `topic`,
 * an event published on the wrong topic for its type is rejected too.
 */
export function decodeEvent(bytes: Uint8Array | null | undefined, topic?: string): DecodeResult {
  if (!bytes || bytes.length === 0) return { ok: false, code: 'empty', reason: 'empty message' };
  if (bytes.length > MAX_EVENT_BYTES) {
    return {
      ok: false,
      code: 'too_large',
      reason: `message is ${bytes.length} bytes, over the ${MAX_EVENT_BYTES}-byte limit`,
    };
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, code: 'not_utf8', reason: 'message is not valid UTF-8' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'invalid_json', reason: `not JSON: ${(err as Error).message}` };
  }
  return validateEvent(raw, topic);
}

/** A parsed JSON value → a typed event, or the reason it is not one. */
export function validateEvent(raw: unknown, topic?: string): DecodeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: 'not_object', reason: 'event must be a JSON object' };
  }
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !(EVENT_TYPES as string[]).includes(type)) {
    return {
      ok: false,
      code: 'unknown_type',
      reason: `type: expected one of ${EVENT_TYPES.join(', ')}, got ${describe(type)}`,
    };
  }
  const parsed = MarketEventSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    return { ok: false, code: 'schema', reason };
  }
  if (topic !== undefined && TOPIC_BY_TYPE[parsed.data.type] !== topic) {
    return {
      ok: false,
      code: 'wrong_topic',
      reason: `type: ${parsed.data.type} belongs on ${TOPIC_BY_TYPE[parsed.data.type]}, not ${topic}`,
    };
  }
  return { ok: true, event: parsed.data };
}

/**
 * A short description of a bad value for a reason. Not JSON.stringify of the value: a deeply
 * nested array (which JSON.parse builds without limit) overflows the stack when stringified.
 */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === null || typeof value !== 'object') return String(value).slice(0, 80);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** A typed event → the message value to publish (UTF-8 JSON). */
export function encodeEvent(event: MarketEvent): Buffer {
  return Buffer.from(JSON.stringify(event), 'utf8');
}

/** The Kafka message (topic, key = buyerId, value) for an event. */
export function toKafkaMessage(event: MarketEvent): { topic: string; key: string; value: Buffer } {
  return { topic: TOPIC_BY_TYPE[event.type], key: event.buyerId, value: encodeEvent(event) };
}
