import { type Logger, VigilError } from '@vigil/common';
import { decodeEvent, type OrderPlaced } from '@vigil/events';
import type { Consumer, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, type Registry } from 'prom-client';

/** Who sold an order to whom, as learnt from order.placed. */
export interface OrderFact {
  orderId: string;
  buyerId: string;
  sellerId: string;
}

/** The API's `api_orders` table (migration 031). */
export class OrderStore {
  constructor(private readonly db: Pool) {}

  /** Records an order; the first order.placed for an order id wins (redelivery is a no-op). */
  async record(event: OrderPlaced): Promise<void> {
    await this.db.query(
      `INSERT INTO api_orders (order_id, buyer_id, seller_id, placed_at, event_id)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO NOTHING`,
      [event.orderId, event.buyerId, event.sellerId, event.occurredAt, event.id],
    );
  }

  async find(orderId: string): Promise<OrderFact | null> {
    const res = await this.db.query<{ order_id: string; buyer_id: string; seller_id: string }>(
      'SELECT order_id, buyer_id, seller_id FROM api_orders WHERE order_id = $1',
      [orderId],
    );
    const row = res.rows[0];
    return row ? { orderId: row.order_id, buyerId: row.buyer_id, sellerId: row.seller_id } : null;
  }

  /** order id → seller id for the known orders among `orderIds`. */
  async sellersOf(orderIds: string[]): Promise<Map<string, string>> {
    if (orderIds.length === 0) return new Map();
    const res = await this.db.query<{ order_id: string; seller_id: string }>(
      'SELECT order_id, seller_id FROM api_orders WHERE order_id = ANY($1::text[])',
      [orderIds],
    );
    return new Map(res.rows.map((r) => [r.order_id, r.seller_id]));
  }
}

/** Options for {@link startOrderConsumer}. */
export interface OrderConsumerOptions {
  kafka: Kafka;
  store: OrderStore;
  registry: Registry;
  logger: Logger;
  /** Topic of order events. Default market.orders.v1 (config ORDERS_TOPIC). */
  topic: string;
  /** The API's own consumer group (config ORDERS_GROUP_ID). */
  groupId: string;
  /** Read the topic from the beginning when the group has no offsets. Default true. */
  fromBeginning?: boolean;
}

/**
 * Runs a kafkajs consumer that records every valid order.placed in `api_orders`. Other order
 * events are skipped; invalid messages are counted and skipped (dead-lettering them is the
 * detector's job, which reads the same topic). An offset is committed only after its order is in
 * PostgreSQL: a database error fails the message, and kafkajs retries it.
 */
export async function startOrderConsumer(options: OrderConsumerOptions): Promise<Consumer> {
  const log = options.logger.child({ component: 'order-consumer' });
  const seen = new Counter({
    name: 'vigil_api_order_events_total',
    help: 'Order events read by the API order consumer, by outcome',
    labelNames: ['outcome'],
    registers: [options.registry],
  });
  const consumer = options.kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      // No topic check: ORDERS_TOPIC is configurable, the type alone says what the event is.
      const decoded = decodeEvent(message.value);
      if (!decoded.ok) {
        seen.inc({ outcome: 'invalid' });
        log.warn({ partition, offset: message.offset, code: decoded.code }, 'skipping invalid order event');
        return;
      }
      if (decoded.event.type !== 'order.placed') {
        seen.inc({ outcome: 'ignored' });
        return;
      }
      try {
        await options.store.record(decoded.event);
      } catch (err) {
        throw new VigilError('ORDER_RECORD_FAILED', 'could not record order', {
          retriable: true,
          cause: err,
        });
      }
      seen.inc({ outcome: 'recorded' });
    },
  });
  return consumer;
}
