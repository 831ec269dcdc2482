import { randomBytes } from 'node:crypto';

/** A name unique to this test run: topics, groups, queues, key prefixes and databases. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
