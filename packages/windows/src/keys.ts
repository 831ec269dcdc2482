// Every Redis key Vigil's detector uses is built here, and only here. Each key starts with the
// configurable prefix and carries its subject's hash tag, so all keys of one subject share a
// Redis Cluster slot and one Lua script can touch them atomically.

/** The kinds of subject whose keys we keep, with their hash-tag letter. */
export const SUBJECT_TAGS = {
  buyer: 'b',
  seller: 's',
  tracking: 't',
  device: 'd',
  address: 'a',
} as const;
export type SubjectKindKey = keyof typeof SUBJECT_TAGS;

/** The keys of one subject. */
export interface SubjectKeys {
  /** The hash tag, e.g. `{b:buyer-1}`. */
  readonly tag: string;
  /** Subject meta hash (watermark = highest event time seen). */
  readonly meta: string;
  /** Dedupe record of one event applied to this subject. */
  event(eventId: string): string;
  /** A sliding window (sorted set scored by event time) by name. */
  window(name: string): string;
  /** Lifecycle hash of one order (buyer subjects). */
  order(orderId: string): string;
}

/** Builds keys under `prefix` (default `vigil`). */
export function createKeys(prefix = 'vigil') {
  const subject = (kind: SubjectKindKey, id: string): SubjectKeys => {
    const tag = `{${SUBJECT_TAGS[kind]}:${id}}`;
    const base = `${prefix}:${tag}`;
    return {
      tag,
      meta: `${base}:m`,
      event: (eventId) => `${base}:e:${eventId}`,
      window: (name) => `${base}:w:${name}`,
      order: (orderId) => `${base}:o:${orderId}`,
    };
  };
  return {
    prefix,
    subject,
    buyer: (id: string) => subject('buyer', id),
    seller: (id: string) => subject('seller', id),
    tracking: (trackingNo: string) => subject('tracking', trackingNo),
    device: (id: string) => subject('device', id),
    address: (fingerprint: string) => subject('address', fingerprint),
  };
}
export type Keys = ReturnType<typeof createKeys>;
