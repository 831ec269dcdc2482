import { VigilError } from '@vigil/common';
import type { Pool } from 'pg';
import { z } from 'zod';

/** A seller's webhook as stored in `seller_webhooks`. */
export interface SellerWebhook {
  sellerId: string;
  url: string;
  secret: string;
  active: boolean;
}

export type AttemptOutcome = 'delivered' | 'http_error' | 'network_error' | 'timeout' | 'no_webhook';
export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = [
  'delivered',
  'http_error',
  'network_error',
  'timeout',
  'no_webhook',
];

/** One row of `alert_deliveries`. */
export interface DeliveryRecord {
  alertId: string;
  sellerId: string;
  attempt: number;
  outcome: AttemptOutcome;
  statusCode?: number;
  error?: string;
  durationMs: number;
}

const WebhookRow = z.object({
  seller_id: z.string(),
  url: z.string(),
  secret: z.string(),
  active: z.boolean(),
});

/** Options for {@link createWebhookStore}. */
export interface WebhookStoreOptions {
  pool: Pool;
  /** How long a lookup (found or not) is reused, in ms. Default 10 000; 0 disables the cache. */
  cacheMs?: number;
  /** Clock (tests). Default `Date.now`. */
  now?: () => number;
}

export interface WebhookStore {
  /** The seller's webhook, or undefined when none is configured. Throws a retriable VigilError when PostgreSQL fails. */
  lookup(sellerId: string): Promise<SellerWebhook | undefined>;
  /** Creates or replaces the seller's webhook (active). */
  set(webhook: Omit<SellerWebhook, 'active'> & { active?: boolean }): Promise<void>;
  /** Removes the seller's webhook; true when one existed. */
  remove(sellerId: string): Promise<boolean>;
  /** Appends one attempt to `alert_deliveries`. */
  record(entry: DeliveryRecord): Promise<void>;
}

/**
 * PostgreSQL access of the alert worker. Lookups are cached briefly so a burst of alerts for one
 * seller costs one query; a changed webhook is picked up within `cacheMs`.
 */
export function createWebhookStore(options: WebhookStoreOptions): WebhookStore {
  const { pool } = options;
  const cacheMs = options.cacheMs ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: SellerWebhook | undefined; expiresAt: number }>();

  return {
    async lookup(sellerId) {
      const hit = cache.get(sellerId);
      if (hit && hit.expiresAt > now()) return hit.value;
      let rows: unknown[];
      try {
        rows = (
          await pool.query(
            'SELECT seller_id, url, secret, active FROM seller_webhooks WHERE seller_id = $1',
            [sellerId],
          )
        ).rows;
      } catch (err) {
        throw new VigilError('WEBHOOK_LOOKUP_FAILED', 'could not read the seller webhook', {
          retriable: true,
          cause: err,
        });
      }
      let value: SellerWebhook | undefined;
      if (rows.length > 0) {
        const row = WebhookRow.safeParse(rows[0]);
        if (!row.success) {
          throw new VigilError('WEBHOOK_ROW_INVALID', `seller_webhooks row invalid: ${row.error.message}`);
        }
        value = {
          sellerId: row.data.seller_id,
          url: row.data.url,
          secret: row.data.secret,
          active: row.data.active,
        };
      }
      if (cacheMs > 0) {
        cache.set(sellerId, { value, expiresAt: now() + cacheMs });
        // Bounded: entries are only useful for cacheMs; drop the oldest when many sellers pass by.
        if (cache.size > 10_000) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      return value;
    },

    async set(webhook) {
      await pool.query(
        `INSERT INTO seller_webhooks (seller_id, url, secret, active) VALUES ($1, $2, $3, $4)
         ON CONFLICT (seller_id) DO UPDATE
           SET url = EXCLUDED.url, secret = EXCLUDED.secret, active = EXCLUDED.active, updated_at = now()`,
        [webhook.sellerId, webhook.url, webhook.secret, webhook.active ?? true],
      );
      cache.delete(webhook.sellerId);
    },

    async remove(sellerId) {
      const res = await pool.query('DELETE FROM seller_webhooks WHERE seller_id = $1', [sellerId]);
      cache.delete(sellerId);
      return (res.rowCount ?? 0) > 0;
    },

    async record(entry) {
      try {
        await pool.query(
          `INSERT INTO alert_deliveries
             (alert_id, seller_id, attempt, outcome, status_code, error, duration_ms, delivered)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            entry.alertId,
            entry.sellerId,
            entry.attempt,
            entry.outcome,
            entry.statusCode ?? null,
            entry.error?.slice(0, 1000) ?? null,
            Math.max(0, Math.round(entry.durationMs)),
            entry.outcome === 'delivered',
          ],
        );
      } catch (err) {
        throw new VigilError('DELIVERY_RECORD_FAILED', 'could not record the delivery attempt', {
          retriable: true,
          cause: err,
        });
      }
    },
  };
}
