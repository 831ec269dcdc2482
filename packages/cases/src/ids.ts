import { createHash } from 'node:crypto';

// Fixed namespace for Vigil's name-based (v5) UUIDs; changing it would change every event id.
const NAMESPACE = Buffer.from('5b0c8d7e3f1a4c2b9e6d0a1b2c3d4e5f', 'hex');

/** RFC 4122 version-5 UUID of `name` in Vigil's namespace: same name, same id, on every node. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Parts are joined with a separator that ids cannot smuggle in unnoticed: each part is
// length-prefixed, so ("a|b", "c") and ("a", "b|c") never collide.
function name(kind: string, parts: readonly string[]): string {
  return [kind, ...parts.map((p) => `${p.length}:${p}`)].join('|');
}

/** Event id of the `enforcement.applied` for one buyer on one case. */
export const enforcementId = (caseId: string, buyerId: string) =>
  uuidV5(name('enforcement', [caseId, buyerId]));

/** Event id of the `relief.granted` for one (seller, order) of one case. */
export const reliefId = (caseId: string, sellerId: string, orderId: string) =>
  uuidV5(name('relief', [caseId, sellerId, orderId]));

/**
 * Alert id (also its BullMQ job id, hence no ':'): one alert per (case, rule, seller, buyer), so a
 * rule added to a case alerts again, a second suspicion of the same rule does not.
 */
export const alertId = (caseId: string, ruleId: string, sellerId: string, buyerId: string) =>
  `alert-${uuidV5(name('alert', [caseId, ruleId, sellerId, buyerId]))}`;

/** Id of a new case: from the job that opened it and the subject, so a retried job reuses it. */
export const caseIdFor = (jobId: string, subjectKind: string, subjectId: string) =>
  uuidV5(name('case', [jobId, subjectKind, subjectId]));
