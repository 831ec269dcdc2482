// Every Redis key the API writes, under a configurable prefix. The hash tag is the API key id,
// so one key's bucket stays on one cluster slot.

/** Token bucket of one API key. */
export function rateBucketKey(prefix: string, apiKeyId: string): string {
  return `${prefix}:api:rl:{k:${apiKeyId}}`;
}
