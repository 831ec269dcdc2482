import type { PoolClient } from 'pg';

/**
 * Logical destinations of outbox rows. The relay maps each to the configured Kafka topic or
 * BullMQ queue, so code that writes rows (the worker, the API) needs no topic names.
 */
export const OUTBOX_DESTINATIONS = {
  enforcement: { kind: 'kafka', destination: 'enforcement' },
  sellerRelief: { kind: 'kafka', destination: 'seller-relief' },
  sellerAlerts: { kind: 'queue', destination: 'seller-alerts' },
} as const;
export type OutboxKind = 'kafka' | 'queue';

export interface OutboxRow {
  /** The event id (Kafka) or the alert id's UUID part (queue); deterministic, so writes dedupe. */
  id: string;
  kind: OutboxKind;
  destination: string;
  /** Kafka message key, or the BullMQ job id. */
  key: string;
  payload: unknown;
}

/** Writes one row in the caller's transaction; a row with the same id already there is kept. */
export async function insertOutbox(client: PoolClient, row: OutboxRow): Promise<boolean> {
  const r = await client.query(
    `INSERT INTO outbox (id, kind, destination, key, payload) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [row.id, row.kind, row.destination, row.key, JSON.stringify(row.payload)],
  );
  return (r.rowCount ?? 0) > 0;
}
