import type { EventOf, EventType, MarketEvent, RuleId, SellerLabel } from '@vigil/events';
import type { Rng } from './prng';
import { type Address, CARRIERS, type Seller } from './world';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Marketplace timings the simulation follows (a real platform's are configuration too). */
export const PAYMENT_TIMEOUT_MS = 30 * MINUTE;

/** A buyer account. */
export interface Buyer {
  id: string;
  address: Address;
  deviceId: string;
  ipHash: string;
}

/** An order as the simulation tracks it. */
export interface Order {
  id: string;
  buyer: Buyer;
  seller: Seller;
  total: number;
  insured: boolean;
  placedAt: number;
  placed: EventOf<'order.placed'>;
}

/** One refund in progress. */
export interface Refund {
  id: string;
  order: Order;
  kind: 'refund_only' | 'return_and_refund';
}

/** Why a rule should fire for a buyer: the event after which its trigger is met. */
export interface Trigger {
  ruleId: RuleId;
  event: MarketEvent;
  /** When the trigger is met, if later than the event (the "still unpaid after 15 min" path). */
  delayMs?: number;
  subject?: { kind: 'buyer' | 'seller' | 'device' | 'address'; id: string };
}

interface Stamped {
  at: number;
  seq: number;
  event: MarketEvent;
}

type DataOf<T extends EventType> = EventOf<T>['data'];

/**
 * The event log of one simulation run and the helpers scenarios build it with. Ids come from
 * counters (with the run's tag), never from random draws, so they are unique by construction.
 */
export class Sim {
  readonly log: Stamped[] = [];
  private seq = 0;
  private orders = 0;
  private refunds = 0;
  private reviews = 0;
  private complaints = 0;
  private tracking = 0;

  constructor(readonly tag: string) {}

  emit<T extends EventType>(
    type: T,
    at: number,
    buyer: Buyer,
    sellerId: string,
    orderId: string | undefined,
    data: DataOf<T>,
  ): EventOf<T> {
    const seq = this.seq++;
    const event = {
      id: `ev-${this.tag}-${seq.toString(36)}`,
      type,
      version: 1,
      occurredAt: new Date(Math.round(at)).toISOString(),
      buyerId: buyer.id,
      sellerId,
      ...(orderId === undefined ? {} : { orderId }),
      data,
    } as unknown as EventOf<T>;
    this.log.push({ at: Math.round(at), seq, event });
    return event;
  }

  /** A unique return/parcel tracking number: the counter through a bijection mod 10^10. */
  trackingNo(rng: Rng): { carrier: string; trackingNo: string } {
    const carrier = rng.pick(CARRIERS);
    const n = (this.tracking++ * 7919 + 104729) % 1e10;
    return { carrier, trackingNo: `${carrier}${this.tag.toUpperCase()}${String(n).padStart(10, '0')}` };
  }

  /** One order with one seller (a cart is split into one order per seller). */
  place(
    rng: Rng,
    buyer: Buyer,
    seller: Seller,
    at: number,
    opts: {
      items?: number;
      insured?: boolean;
      promo?: boolean;
      paymentMethod?: 'online' | 'cod' | 'credit_card' | 'installments';
      apparel?: boolean;
      qtyMax?: number;
    } = {},
  ): Order {
    const id = `o-${this.tag}-${(this.orders++).toString(36)}`;
    const pool = opts.apparel ? seller.skus.filter((s) => s.apparel) : seller.skus;
    const skus = rng.sample(pool.length > 0 ? pool : seller.skus, Math.min(opts.items ?? rng.int(1, 3), 100));
    const items = skus.map((s) => ({
      skuId: s.skuId,
      qty: rng.int(1, opts.qtyMax ?? 2),
      unitPrice: s.price,
    }));
    const total = Math.round(items.reduce((sum, i) => sum + i.qty * i.unitPrice * 100, 0)) / 100;
    const insured = opts.insured ?? rng.chance(0.3);
    const promotionId =
      (opts.promo ?? rng.chance(0.2)) && seller.promotionIds.length > 0
        ? rng.pick(seller.promotionIds)
        : undefined;
    const placed = this.emit('order.placed', at, buyer, seller.id, id, {
      items,
      total,
      currency: 'CNY',
      shippingAddress: buyer.address.value,
      shippingInsurance: insured,
      paymentMethod:
        opts.paymentMethod ?? rng.weighted({ online: 80, credit_card: 12, installments: 5, cod: 3 }),
      ...(promotionId ? { promotionId } : {}),
      deviceId: buyer.deviceId,
      ipHash: buyer.ipHash,
    });
    return { id, buyer, seller, total, insured, placedAt: at, placed };
  }

  pay(o: Order, at: number) {
    return this.emit('order.paid', at, o.buyer, o.seller.id, o.id, { amount: o.total });
  }

  cancel(o: Order, at: number, reason: DataOf<'order.cancelled'>['reason']) {
    return this.emit('order.cancelled', at, o.buyer, o.seller.id, o.id, { reason });
  }

  /** An unpaid order the platform cancels when the payment window closes. */
  timeout(o: Order) {
    return this.cancel(o, o.placedAt + PAYMENT_TIMEOUT_MS, 'payment_timeout');
  }

  ship(rng: Rng, o: Order, at: number) {
    return this.emit('order.shipped', at, o.buyer, o.seller.id, o.id, this.trackingNo(rng));
  }

  deliver(o: Order, at: number) {
    return this.emit('order.delivered', at, o.buyer, o.seller.id, o.id, {});
  }

  deliveryFailed(o: Order, at: number, reason: DataOf<'order.delivery_failed'>['reason']) {
    return this.emit('order.delivery_failed', at, o.buyer, o.seller.id, o.id, { reason });
  }

  /** Paid, shipped after a handling time, delivered after transit; returns the instants. */
  fulfil(rng: Rng, o: Order, paidAt: number): { shippedAt: number; deliveredAt: number } {
    this.pay(o, paidAt);
    const shippedAt = paidAt + rng.int(2 * HOUR, 40 * HOUR);
    this.ship(rng, o, shippedAt);
    const deliveredAt = shippedAt + rng.int(20 * HOUR, 96 * HOUR);
    this.deliver(o, deliveredAt);
    return { shippedAt, deliveredAt };
  }

  requestRefund(
    o: Order,
    at: number,
    kind: Refund['kind'],
    reason: DataOf<'refund.requested'>['reason'],
  ): { refund: Refund; event: EventOf<'refund.requested'> } {
    const refund: Refund = { id: `r-${this.tag}-${(this.refunds++).toString(36)}`, order: o, kind };
    const event = this.emit('refund.requested', at, o.buyer, o.seller.id, o.id, {
      refundId: refund.id,
      kind,
      reason,
      amount: o.total,
    });
    return { refund, event };
  }

  resolveRefund(r: Refund, at: number, outcome: DataOf<'refund.resolved'>['outcome']) {
    return this.emit('refund.resolved', at, r.order.buyer, r.order.seller.id, r.order.id, {
      refundId: r.id,
      outcome,
    });
  }

  returnShipped(r: Refund, at: number, parcel: { carrier: string; trackingNo: string }) {
    return this.emit('return.shipped', at, r.order.buyer, r.order.seller.id, r.order.id, {
      refundId: r.id,
      ...parcel,
    });
  }

  returnReceived(r: Refund, at: number, condition: DataOf<'return.received'>['condition']) {
    return this.emit('return.received', at, r.order.buyer, r.order.seller.id, r.order.id, {
      refundId: r.id,
      condition,
    });
  }

  /** A whole honest return: parcel sent, received intact, refund approved. Returns the request event. */
  honestReturn(rng: Rng, o: Order, at: number, reason: DataOf<'refund.requested'>['reason']) {
    const { refund, event } = this.requestRefund(o, at, 'return_and_refund', reason);
    const sent = at + rng.int(4 * HOUR, 48 * HOUR);
    this.returnShipped(refund, sent, this.trackingNo(rng));
    const received = sent + rng.int(24 * HOUR, 96 * HOUR);
    this.returnReceived(refund, received, 'ok');
    this.resolveRefund(refund, received + rng.int(MINUTE, 12 * HOUR), 'approved');
    return event;
  }

  review(o: Order, at: number, rating: number, text: string) {
    return this.emit('review.posted', at, o.buyer, o.seller.id, o.id, {
      reviewId: `rv-${this.tag}-${(this.reviews++).toString(36)}`,
      rating,
      text,
    });
  }

  chat(buyer: Buyer, sellerId: string, at: number, from: 'buyer' | 'seller', text: string, orderId?: string) {
    return this.emit('chat.message', at, buyer, sellerId, orderId, { from, text });
  }

  complain(
    buyer: Buyer,
    sellerId: string,
    at: number,
    category: DataOf<'complaint.filed'>['category'],
    orderId?: string,
  ) {
    return this.emit('complaint.filed', at, buyer, sellerId, orderId, {
      complaintId: `c-${this.tag}-${(this.complaints++).toString(36)}`,
      category,
    });
  }

  label(o: Order, at: number, label: SellerLabel, note?: string) {
    return this.emit('seller.label', at, o.buyer, o.seller.id, o.id, { label, ...(note ? { note } : {}) });
  }
}
