import { randomUUID } from 'node:crypto';
import { type Logger, VigilError } from '@vigil/common';
import { SellerLabelled } from '@vigil/events';
import type { Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';
import { ApiError } from './errors';
import type { OrderStore } from './orders';
import type { LabelAccepted, LabelBody } from './schemas';

/** Options for {@link LabelService}. */
export interface LabelServiceOptions {
  db: Pool;
  orders: OrderStore;
  producer: Producer;
  registry: Registry;
  logger: Logger;
  /** Topic of seller.label events (config LABELS_TOPIC). */
  topic: string;
  /** Labels per seller per UTC day (config LABEL_DAILY_QUOTA, default 50). */
  dailyQuota: number;
  /** Clock, for tests. Default `() => new Date()`. */
  now?: () => Date;
}

export type LabelOutcome =
  | 'accepted'
  | 'unknown_order'
  | 'not_your_order'
  | 'quota_exceeded'
  | 'duplicate'
  | 'publish_failed';

/**
 * Accepts seller labels ("cloud labels") and publishes them as seller.label events, with the
 * guards that stop a seller from weaponising labels against buyers: the order must be one the
 * seller sold to that buyer, a seller has a daily quota, and the same label on the same order is
 * accepted once.
 */
export class LabelService {
  private readonly counter: Counter<'outcome'>;
  private readonly now: () => Date;
  private readonly log: Logger;

  constructor(private readonly options: LabelServiceOptions) {
    this.counter = new Counter({
      name: 'vigil_api_labels_total',
      help: 'Seller label submissions, by outcome',
      labelNames: ['outcome'],
      registers: [options.registry],
    });
    this.now = options.now ?? (() => new Date());
    this.log = options.logger.child({ component: 'labels' });
  }

  async submit(seller: { sellerId: string; keyId: string }, body: LabelBody): Promise<LabelAccepted> {
    try {
      const result = await this.submitInner(seller, body);
      this.counter.inc({ outcome: 'accepted' });
      return result;
    } catch (err) {
      this.counter.inc({ outcome: outcomeOf(err) });
      throw err;
    }
  }

  private async submitInner(
    seller: { sellerId: string; keyId: string },
    body: LabelBody,
  ): Promise<LabelAccepted> {
    const order = await this.options.orders.find(body.orderId);
    if (order === null) {
      throw new ApiError(
        422,
        'ORDER_UNKNOWN',
        `order ${body.orderId} is not known to Vigil (no order.placed seen); if it was placed just now, try again shortly`,
        { issues: [{ path: 'body.orderId', message: 'unknown order' }] },
      );
    }
    if (order.sellerId !== seller.sellerId || order.buyerId !== body.buyerId) {
      throw new ApiError(
        422,
        'ORDER_NOT_YOURS',
        `order ${body.orderId} was not sold by you to buyer ${body.buyerId}; you may only label your own orders`,
        {
          issues: [
            {
              path: order.sellerId !== seller.sellerId ? 'body.orderId' : 'body.buyerId',
              message: 'not your sale',
            },
          ],
        },
      );
    }

    const now = this.now();
    const day = now.toISOString().slice(0, 10);
    const event = SellerLabelled.parse({
      id: randomUUID(),
      type: 'seller.label',
      version: 1,
      occurredAt: now.toISOString(),
      buyerId: body.buyerId,
      sellerId: seller.sellerId,
      orderId: body.orderId,
      data: body.note === undefined ? { label: body.label } : { label: body.label, note: body.note },
    });

    // Quota, record and publish in one transaction: a label that could not be published neither
    // uses quota nor counts for precision. (If COMMIT itself failed after the send, the event
    // would be on Kafka without a row; the detector still counts it — the safe direction.)
    const client = await this.options.db.connect();
    let used: number;
    try {
      await client.query('BEGIN');
      const quota = await client.query<{ used: number }>(
        `INSERT INTO seller_label_quota (seller_id, day, used) SELECT $1, $2::date, 1 WHERE $3::int > 0
         ON CONFLICT (seller_id, day) DO UPDATE SET used = seller_label_quota.used + 1
           WHERE seller_label_quota.used < $3::int
         RETURNING used`,
        [seller.sellerId, day, this.options.dailyQuota],
      );
      if (quota.rowCount === 0) {
        const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
        throw new ApiError(
          429,
          'LABEL_QUOTA_EXCEEDED',
          `daily label quota of ${this.options.dailyQuota} reached for seller ${seller.sellerId}; it resets at 00:00 UTC`,
          { headers: { 'retry-after': String(Math.max(1, Math.ceil((tomorrow - now.getTime()) / 1000))) } },
        );
      }
      used = quota.rows[0]!.used;
      try {
        await client.query(
          `INSERT INTO seller_labels (event_id, seller_id, buyer_id, order_id, label, api_key_id, created_at)
           VALUES ($1, $2, $3, $4, $5, $6::bigint, $7)`,
          [event.id, seller.sellerId, body.buyerId, body.orderId, body.label, seller.keyId, event.occurredAt],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new ApiError(
            409,
            'LABEL_DUPLICATE',
            `order ${body.orderId} already carries your label ${body.label}`,
          );
        }
        throw err;
      }
      try {
        await this.options.producer.send({
          topic: this.options.topic,
          acks: -1,
          messages: [{ key: event.buyerId, value: JSON.stringify(event) }],
        });
      } catch (err) {
        throw new ApiError(503, 'LABEL_PUBLISH_FAILED', 'could not publish the label to Kafka; try again', {
          retriable: true,
          cause: err,
        });
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    this.log.info({ eventId: event.id, label: body.label }, 'label published');
    return {
      eventId: event.id,
      topic: this.options.topic,
      sellerId: seller.sellerId,
      buyerId: event.buyerId,
      orderId: event.orderId,
      label: body.label,
      occurredAt: event.occurredAt,
      quota: { used, limit: this.options.dailyQuota, day },
    };
  }

  /** Event ids of every label a seller submitted (for precision). */
  async labelEventIds(sellerId: string): Promise<string[]> {
    try {
      const res = await this.options.db.query<{ event_id: string }>(
        'SELECT event_id FROM seller_labels WHERE seller_id = $1',
        [sellerId],
      );
      return res.rows.map((r) => r.event_id);
    } catch (err) {
      throw new VigilError('DB_UNAVAILABLE', 'could not read seller labels', { retriable: true, cause: err });
    }
  }
}

function outcomeOf(err: unknown): LabelOutcome {
  if (err instanceof ApiError) {
    switch (err.code) {
      case 'ORDER_UNKNOWN':
        return 'unknown_order';
      case 'ORDER_NOT_YOURS':
        return 'not_your_order';
      case 'LABEL_QUOTA_EXCEEDED':
        return 'quota_exceeded';
      case 'LABEL_DUPLICATE':
        return 'duplicate';
    }
  }
  return 'publish_failed';
}
