import type { Crossing } from '@vigil/events';
import { type EvalContext, type Finding, fmtDuration, type PlanContext, type Rule } from '../engine';
import { attributeOrders } from '../parties';
import { distinctSellers, sortEntries, unique } from '../span';
import { addEvent, buyerParty, eventEntries, readAround, spanFinding } from './common';

// The buyer-only rules of the catalogue: each keeps its own event window on the buyer's keys.

const buyerSubject = (id: string) => ({ kind: 'buyer' as const, id });

export const invalidAddress: Rule = {
  id: 'invalid-address',
  enabled: (c) => c.rules['invalid-address'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    const cfg = config.rules['invalid-address'];
    if (event.type === 'order.delivery_failed' && cfg.failureReasons.includes(event.data.reason)) {
      addEvent(buyer, config, 'dfail', t, cfg.failureWindow, [event.id, event.sellerId, event.orderId]);
      readAround(buyer, config, 'ia.failures', 'dfail', t, cfg.failureWindow);
    }
    if (event.type === 'order.cancelled' && event.data.reason === 'address_invalid') {
      addEvent(buyer, config, 'addrcancel', t, cfg.cancelWindow, [event.id, event.sellerId, event.orderId]);
      readAround(buyer, config, 'ia.cancels', 'addrcancel', t, cfg.cancelWindow);
    }
  },
  evaluate({ event, config, buyer }: EvalContext) {
    const cfg = config.rules['invalid-address'];
    const common = {
      ruleId: 'invalid-address' as const,
      subject: buyerSubject(event.buyerId),
      eventId: event.id,
    };
    const common2 = {
      ...common,
      severity: 'medium' as const,
      buyerIds: [event.buyerId],
      partyOf: buyerParty(event.buyerId),
    };
    if (event.type === 'order.delivery_failed') {
      return spanFinding({
        ...common2,
        entries: eventEntries(buyer, 'ia.failures'),
        length: cfg.failureWindow,
        threshold: cfg.failureThreshold,
        windowName: `delivery_failures_${fmtDuration(cfg.failureWindow)}`,
      });
    }
    if (event.type === 'order.cancelled') {
      return spanFinding({
        ...common2,
        entries: eventEntries(buyer, 'ia.cancels'),
        length: cfg.cancelWindow,
        threshold: cfg.cancelThreshold,
        windowName: `address_invalid_cancellations_${fmtDuration(cfg.cancelWindow)}`,
      });
    }
    return [];
  },
};

export const refundFrequency: Rule = {
  id: 'refund-frequency',
  enabled: (c) => c.rules['refund-frequency'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    const cfg = config.rules['refund-frequency'];
    const keep = Math.max(cfg.window, cfg.ratioWindow);
    if (event.type === 'order.placed') {
      addEvent(buyer, config, 'placed', t, keep, [event.orderId, event.sellerId, event.orderId]);
    }
    if (event.type === 'refund.requested') {
      addEvent(buyer, config, 'refunds', t, keep, [event.id, event.sellerId, event.orderId]);
      readAround(buyer, config, 'rf.refunds', 'refunds', t, keep, cfg.window);
      buyer.read('rf.orders', {
        op: 'zrange',
        key: buyer.keys.window('placed'),
        from: t - cfg.ratioWindow,
        to: t,
        limit: 1,
      });
    }
  },
  evaluate({ event, t, config, buyer }: EvalContext) {
    if (event.type !== 'refund.requested') return [];
    const cfg = config.rules['refund-frequency'];
    const refunds = eventEntries(buyer, 'rf.refunds');
    const recent = refunds.filter((r) => r.time >= t - cfg.window);
    const found = spanFinding({
      ruleId: 'refund-frequency',
      subject: buyerSubject(event.buyerId),
      eventId: event.id,
      entries: recent,
      length: cfg.window,
      threshold: cfg.threshold,
      windowName: `refund_requests_${fmtDuration(cfg.window)}`,
      severity: 'medium',
      buyerIds: [event.buyerId],
      partyOf: buyerParty(event.buyerId),
    });
    const f = found[0];
    if (!f) return [];
    const rw = fmtDuration(cfg.ratioWindow);
    const refunds30 = refunds.filter((r) => r.time >= t - cfg.ratioWindow && r.time <= t).length;
    const orders30 = buyer.zcount('rf.orders');
    const ratio = orders30 === 0 ? Number.POSITIVE_INFINITY : refunds30 / orders30;
    if (orders30 < cfg.minOrders || ratio < cfg.ratio) return [];
    const rounded = Math.round(ratio * 1000) / 1000;
    f.windows[`refunds_${rw}`] = refunds30;
    f.windows[`orders_${rw}`] = orders30;
    f.windows[`refund_ratio_${rw}`] = rounded;
    f.crossed.push(
      { window: `orders_${rw}`, value: orders30, op: '>=', threshold: cfg.minOrders },
      { window: `refund_ratio_${rw}`, value: rounded, op: '>=', threshold: cfg.ratio },
    );
    return [f];
  },
};

export const refundOnlyAfterDelivery: Rule = {
  id: 'refund-only-after-delivery',
  enabled: (c) => c.rules['refund-only-after-delivery'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    if (event.type !== 'refund.requested') return;
    if (event.data.kind !== 'refund_only' || event.data.reason !== 'not_received') return;
    const cfg = config.rules['refund-only-after-delivery'];
    // Counted only when the order had been delivered (by event time) before the request.
    addEvent(
      buyer,
      config,
      'rnr',
      t,
      cfg.window,
      [event.id, event.sellerId, event.orderId],
      [{ key: buyer.keys.order(event.orderId), field: 'deliveredAt', op: 'le', value: t }],
    );
    readAround(buyer, config, 'road.requests', 'rnr', t, cfg.window);
  },
  evaluate({ event, config, buyer }: EvalContext) {
    if (event.type !== 'refund.requested') return [];
    const cfg = config.rules['refund-only-after-delivery'];
    return spanFinding({
      ruleId: 'refund-only-after-delivery',
      subject: buyerSubject(event.buyerId),
      eventId: event.id,
      entries: eventEntries(buyer, 'road.requests'),
      length: cfg.window,
      threshold: cfg.threshold,
      windowName: `not_received_after_delivery_${fmtDuration(cfg.window)}`,
      severity: 'high',
      buyerIds: [event.buyerId],
      partyOf: buyerParty(event.buyerId),
    });
  },
};

export const abnormalReturnGoods: Rule = {
  id: 'abnormal-return-goods',
  enabled: (c) => c.rules['abnormal-return-goods'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    const cfg = config.rules['abnormal-return-goods'];
    if (event.type !== 'return.received' || !(cfg.conditions as string[]).includes(event.data.condition))
      return;
    addEvent(buyer, config, 'abret', t, cfg.window, [
      event.id,
      event.sellerId,
      event.orderId,
      event.data.condition,
    ]);
    readAround(buyer, config, 'arg.returns', 'abret', t, cfg.window);
  },
  evaluate({ event, config, buyer }: EvalContext) {
    if (event.type !== 'return.received') return [];
    const cfg = config.rules['abnormal-return-goods'];
    const entries = eventEntries(buyer, 'arg.returns');
    const me = entries.find((e) => e.id === event.id);
    if (!me) return [];
    const name = `abnormal_returns_${fmtDuration(cfg.window)}`;
    const base = {
      ruleId: 'abnormal-return-goods' as const,
      subject: buyerSubject(event.buyerId),
      buyerIds: [event.buyerId],
    };
    const high = spanFinding({
      ...base,
      eventId: event.id,
      entries,
      length: cfg.window,
      threshold: cfg.highThreshold,
      windowName: name,
      severity: 'high',
      partyOf: buyerParty(event.buyerId),
    });
    if (high.length) return high;
    // Medium: the first abnormal return within the window before it.
    const earlier = sortEntries(entries.filter((e) => e.time >= me.time - cfg.window));
    if (earlier[0]?.id !== event.id) return [];
    return [
      {
        ...base,
        trigger: ['first', event.id],
        severity: 'medium',
        sellerIds: [event.sellerId],
        orderIds: [event.orderId],
        orderParties: attributeOrders(
          [event.orderId],
          [{ orderId: event.orderId, buyerId: event.buyerId, sellerId: event.sellerId }],
        ),
        windows: { [name]: 1 },
        eventIds: [event.id],
        crossed: [{ window: name, value: 1, op: '>=', threshold: 1 }],
        snippets: [`condition ${me.extra[0] ?? ''}`],
      },
    ];
  },
};

export const freightInsuranceAbuse: Rule = {
  id: 'freight-insurance-abuse',
  enabled: (c) => c.rules['freight-insurance-abuse'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    if (event.type !== 'refund.requested' || event.data.kind !== 'return_and_refund') return;
    const cfg = config.rules['freight-insurance-abuse'];
    const order = buyer.keys.order(event.orderId);
    addEvent(
      buyer,
      config,
      'insret',
      t,
      cfg.window,
      [event.id, event.sellerId, event.orderId],
      [
        { key: order, field: 'insured', op: 'eq', value: '1' },
        { key: order, field: 'shippedAt', op: 'ge', value: t - cfg.withinShipping },
        { key: order, field: 'shippedAt', op: 'le', value: t },
      ],
    );
    readAround(buyer, config, 'fia.returns', 'insret', t, cfg.window);
  },
  evaluate({ event, config, buyer }: EvalContext) {
    if (event.type !== 'refund.requested') return [];
    const cfg = config.rules['freight-insurance-abuse'];
    return spanFinding({
      ruleId: 'freight-insurance-abuse',
      subject: buyerSubject(event.buyerId),
      eventId: event.id,
      entries: eventEntries(buyer, 'fia.returns'),
      length: cfg.window,
      threshold: cfg.threshold,
      windowName: `insured_quick_returns_${fmtDuration(cfg.window)}`,
      severity: 'medium',
      buyerIds: [event.buyerId],
      partyOf: buyerParty(event.buyerId),
    });
  },
};

export const complaintSpree: Rule = {
  id: 'complaint-spree',
  enabled: (c) => c.rules['complaint-spree'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    if (event.type !== 'complaint.filed') return;
    const cfg = config.rules['complaint-spree'];
    addEvent(buyer, config, 'complaints', t, cfg.window, [event.id, event.sellerId, event.orderId ?? '']);
    readAround(buyer, config, 'cs.complaints', 'complaints', t, cfg.window);
  },
  evaluate({ event, config, buyer }: EvalContext) {
    if (event.type !== 'complaint.filed') return [];
    const cfg = config.rules['complaint-spree'];
    return spanFinding({
      ruleId: 'complaint-spree',
      subject: buyerSubject(event.buyerId),
      eventId: event.id,
      entries: eventEntries(buyer, 'cs.complaints'),
      length: cfg.window,
      threshold: cfg.sellerThreshold,
      windowName: `complained_sellers_${fmtDuration(cfg.window)}`,
      severity: 'medium',
      buyerIds: [event.buyerId],
      partyOf: buyerParty(event.buyerId),
      distinct: true,
    });
  },
};

export const negativeReviewSpree: Rule = {
  id: 'negative-review-spree',
  enabled: (c) => c.rules['negative-review-spree'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    if (event.type !== 'review.posted') return;
    const cfg = config.rules['negative-review-spree'];
    addEvent(buyer, config, 'reviews', t, cfg.window, [
      event.id,
      event.sellerId,
      event.orderId,
      String(event.data.rating),
    ]);
    readAround(buyer, config, 'nrs.reviews', 'reviews', t, cfg.window, 0);
  },
  evaluate({ event, t, config, buyer }: EvalContext): Finding[] {
    if (event.type !== 'review.posted') return [];
    const cfg = config.rules['negative-review-spree'];
    if (event.data.rating > cfg.maxRating) return [];
    // Trailing window [t − L, t]: the spree as of this review.
    const all = eventEntries(buyer, 'nrs.reviews').filter((e) => e.time >= t - cfg.window && e.time <= t);
    const negative = sortEntries(all.filter((e) => Number(e.extra[0]) <= cfg.maxRating));
    const sellers = distinctSellers(negative).length;
    const share = all.length ? negative.length / all.length : 0;
    if (negative.length < cfg.threshold || sellers < cfg.sellerThreshold || share < cfg.share) return [];
    const w = fmtDuration(cfg.window);
    const rounded = Math.round(share * 1000) / 1000;
    const orderIds = unique(negative.map((e) => e.orderId));
    const crossed: Crossing[] = [
      { window: `negative_reviews_${w}`, value: negative.length, op: '>=', threshold: cfg.threshold },
      { window: `negative_review_sellers_${w}`, value: sellers, op: '>=', threshold: cfg.sellerThreshold },
      { window: `negative_review_share_${w}`, value: rounded, op: '>=', threshold: cfg.share },
    ];
    return [
      {
        ruleId: 'negative-review-spree',
        subject: buyerSubject(event.buyerId),
        // The episode is named by its first `threshold` negative reviews: later reviews of the
        // same spree give the same job id (the queue keeps one).
        trigger: negative.slice(0, cfg.threshold).map((e) => e.id),
        severity: 'medium',
        buyerIds: [event.buyerId],
        sellerIds: unique(negative.map((e) => e.sellerId)),
        orderIds,
        orderParties: attributeOrders(
          orderIds,
          negative.map((e) => ({ orderId: e.orderId, buyerId: event.buyerId, sellerId: e.sellerId })),
        ),
        windows: Object.fromEntries(crossed.map((c) => [c.window, c.value])),
        eventIds: negative.map((e) => e.id),
        crossed,
      },
    ];
  },
};
