import type { Crossing } from '@vigil/events';
import { type EvalContext, type Finding, fmtDuration, member, type PlanContext, type Rule } from '../engine';
import { attributeOrders } from '../parties';
import { distinctSellers, type Entry, firstCrossingSpan, unique } from '../span';

// bulk-non-payment: many orders, no payment.
//  arm "timeouts": ≥ timeoutThreshold payment_timeout cancellations within timeoutWindow.
//  arm "unpaid":   ≥ unpaidThreshold orders placed within unpaidSpan, each still unpaid
//                  unpaidAfter after it was placed. Time passes in EVENT time only, so this arm is
//                  evaluated on every later event of the same buyer: an order becomes "overdue"
//                  once the buyer's event time passes placedAt + unpaidAfter. Cash-on-delivery
//                  orders are never expected to be paid up front and are not counted.
// Severity: high when the window's orders involve ≥ highSellerThreshold sellers, else medium.

const TIMEOUTS = 'bnp.timeouts';
const UNPAID = 'bnp.unpaid';
const UNPAID_MEMBER_FIELD = 'um';

interface Timeout extends Entry {
  orderId: string;
}
interface Unpaid extends Entry {
  eventId: string;
}

export const bulkNonPayment: Rule = {
  id: 'bulk-non-payment',
  enabled: (c) => c.rules['bulk-non-payment'].enabled,

  planBuyer({ event, t, buyer, config }: PlanContext) {
    const cfg = config.rules['bulk-non-payment'];
    const timeouts = buyer.keys.window('ptimeout');
    const unpaid = buyer.keys.window('unpaid');
    const unpaidRetention = cfg.unpaidRetention + config.lateness;
    if (event.type === 'order.cancelled' && event.data.reason === 'payment_timeout') {
      buyer.write({
        op: 'zadd',
        key: timeouts,
        member: member(event.id, event.sellerId, event.orderId),
        score: t,
        retentionMs: cfg.timeoutWindow + config.lateness,
        cap: config.windowCap,
        ttlMs: cfg.timeoutWindow + config.lateness,
      });
      buyer.read(TIMEOUTS, {
        op: 'zrange',
        key: timeouts,
        from: t - cfg.timeoutWindow,
        to: t + cfg.timeoutWindow,
        limit: config.readLimit,
      });
    }
    if (event.type === 'order.placed' && event.data.paymentMethod !== 'cod') {
      const order = buyer.keys.order(event.orderId);
      const m = member(event.orderId, event.sellerId, event.id);
      buyer.write({
        op: 'zadd',
        key: unpaid,
        member: m,
        score: t,
        retentionMs: unpaidRetention,
        cap: config.windowCap,
        ttlMs: unpaidRetention,
        // The payment may have arrived first (reordering): then only a late payment counts.
        skipIfHashLe: { key: order, field: 'paidAt', le: t + cfg.unpaidAfter },
      });
      buyer.write({
        op: 'hset',
        key: order,
        fields: { [UNPAID_MEMBER_FIELD]: m },
        onlyNew: true,
        ttlMs: config.orderTtl,
      });
    }
    if (event.type === 'order.paid') {
      // Paid within the grace period: the order leaves the open set. Paid later: it stays, as
      // it was unpaid after unpaidAfter.
      buyer.write({
        op: 'zrem',
        key: unpaid,
        member: '',
        memberFromHash: { key: buyer.keys.order(event.orderId), field: UNPAID_MEMBER_FIELD },
        minScore: t - cfg.unpaidAfter,
      });
    }
    buyer.read(UNPAID, {
      op: 'zrange',
      key: unpaid,
      from: t - cfg.unpaidRetention,
      to: t - cfg.unpaidAfter,
      limit: config.readLimit,
    });
  },

  evaluate(ctx: EvalContext): Finding[] {
    return [...timeoutArm(ctx), ...unpaidArm(ctx)];
  },
};

function timeoutArm({ event, config, buyer }: EvalContext): Finding[] {
  if (event.type !== 'order.cancelled' || event.data.reason !== 'payment_timeout') return [];
  const cfg = config.rules['bulk-non-payment'];
  const entries: Timeout[] = buyer
    .zset(TIMEOUTS)
    .map(({ fields: [id = '', sellerId = '', orderId = ''], time }) => ({ id, sellerId, orderId, time }));
  const hit = firstCrossingSpan(entries, cfg.timeoutWindow, cfg.timeoutThreshold, event.id);
  if (!hit) return [];
  const sellers = distinctSellers(hit.span);
  const high = sellers.length >= cfg.highSellerThreshold;
  const inEvidence = hit.evidence.some((e) => e.id === event.id);
  // A medium episode escalates once, when the seller that makes it high appears.
  const escalates = high && !inEvidence && sellers[cfg.highSellerThreshold - 1]?.id === event.id;
  if (!inEvidence && !escalates) return [];
  const w = fmtDuration(cfg.timeoutWindow);
  const crossed: Crossing[] = [
    { window: `payment_timeouts_${w}`, value: hit.span.length, op: '>=', threshold: cfg.timeoutThreshold },
  ];
  const orderIds = unique(hit.span.map((e) => e.orderId));
  if (high) {
    crossed.push({
      window: `timeout_sellers_${w}`,
      value: sellers.length,
      op: '>=',
      threshold: cfg.highSellerThreshold,
    });
  }
  return [
    {
      ruleId: 'bulk-non-payment',
      subject: { kind: 'buyer', id: event.buyerId },
      trigger: ['timeouts', hit.evidence.map((e) => e.id), escalates ? 'high' : null],
      severity: high ? 'high' : 'medium',
      buyerIds: [event.buyerId],
      sellerIds: unique(hit.span.map((e) => e.sellerId)),
      orderIds,
      orderParties: attributeOrders(
        orderIds,
        hit.span.map((e) => ({ orderId: e.orderId, buyerId: event.buyerId, sellerId: e.sellerId })),
      ),
      windows: { [`payment_timeouts_${w}`]: hit.span.length, [`timeout_sellers_${w}`]: sellers.length },
      eventIds: hit.span.map((e) => e.id),
      crossed,
    },
  ];
}

function unpaidArm({ event, config, buyer }: EvalContext): Finding[] {
  const cfg = config.rules['bulk-non-payment'];
  const entries: Unpaid[] = buyer
    .zset(UNPAID)
    .map(({ fields: [id = '', sellerId = '', eventId = ''], time }) => ({ id, sellerId, eventId, time }));
  const hit = firstCrossingSpan(entries, cfg.unpaidSpan, cfg.unpaidThreshold);
  if (!hit) return [];
  // Fire once: only on the first buyer event at or after the moment the evidence became overdue.
  const overdueAt = Math.max(...hit.evidence.map((e) => e.time)) + cfg.unpaidAfter;
  if (buyer.prevWatermark !== null && buyer.prevWatermark >= overdueAt) return [];
  const sellers = distinctSellers(hit.span);
  const high = sellers.length >= cfg.highSellerThreshold;
  const span = fmtDuration(cfg.unpaidSpan);
  const after = fmtDuration(cfg.unpaidAfter);
  const name = `unpaid_after_${after}_placed_within_${span}`;
  const crossed: Crossing[] = [
    { window: name, value: hit.span.length, op: '>=', threshold: cfg.unpaidThreshold },
  ];
  // In this window the entry id is the order id (one entry per placed order).
  const orderIds = unique(hit.span.map((e) => e.id));
  if (high) {
    crossed.push({
      window: `unpaid_sellers_${span}`,
      value: sellers.length,
      op: '>=',
      threshold: cfg.highSellerThreshold,
    });
  }
  return [
    {
      ruleId: 'bulk-non-payment',
      subject: { kind: 'buyer', id: event.buyerId },
      trigger: ['unpaid', hit.evidence.map((e) => e.id)],
      severity: high ? 'high' : 'medium',
      buyerIds: [event.buyerId],
      sellerIds: unique(hit.span.map((e) => e.sellerId)),
      orderIds,
      orderParties: attributeOrders(
        orderIds,
        hit.span.map((e) => ({ orderId: e.id, buyerId: event.buyerId, sellerId: e.sellerId })),
      ),
      windows: { [name]: hit.span.length, [`unpaid_sellers_${span}`]: sellers.length },
      // The placements behind the window, then the event whose time made them overdue.
      eventIds: unique([...hit.span.map((e) => e.eventId), event.id]),
      crossed,
    },
  ];
}
