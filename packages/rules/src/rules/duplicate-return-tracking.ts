import {
  type CrossPlanContext,
  type EvalContext,
  type Finding,
  fmtDuration,
  member,
  type Rule,
} from '../engine';
import { attributeOrders } from '../parties';
import { type Entry, sortEntries, unique } from '../span';

// duplicate-return-tracking: a return tracking number already used by ANOTHER refund within the
// window (either side of this event's time, so the pair is found whichever arrives last). The same
// refund sending the same tracking number again is not abuse. The subject is the buyer of the
// later refund of the pair (by event time), so both arrival orders give the same job.

const REFUNDS = 'drt.refunds';

interface Use extends Entry {
  refundId: string;
  buyerId: string;
  orderId: string;
}

export const duplicateReturnTracking: Rule = {
  id: 'duplicate-return-tracking',
  enabled: (c) => c.rules['duplicate-return-tracking'].enabled,

  planCross({ event, t, keys, config, cross }: CrossPlanContext) {
    if (event.type !== 'return.shipped') return;
    const cfg = config.rules['duplicate-return-tracking'];
    const tracking = cross('tracking', keys.tracking(event.data.trackingNo));
    const key = tracking.keys.window('refunds');
    tracking.write({
      op: 'zadd',
      key,
      member: member(event.id, event.data.refundId, event.buyerId, event.orderId, event.sellerId),
      score: t,
      retentionMs: cfg.window + config.lateness,
      cap: config.windowCap,
      ttlMs: cfg.window + config.lateness,
    });
    tracking.read(REFUNDS, {
      op: 'zrange',
      key,
      from: t - cfg.window,
      to: t + cfg.window,
      limit: config.readLimit,
    });
  },

  evaluate({ event, config, cross }: EvalContext): Finding[] {
    if (event.type !== 'return.shipped') return [];
    const cfg = config.rules['duplicate-return-tracking'];
    const outcome = cross.get('tracking');
    if (!outcome) return [];
    const uses: Use[] = outcome
      .zset(REFUNDS)
      .map(({ fields: [id = '', refundId = '', buyerId = '', orderId = '', sellerId = ''], time }) => ({
        id,
        refundId,
        buyerId,
        orderId,
        sellerId,
        time,
      }));
    const mine = sortEntries(uses.filter((u) => u.refundId === event.data.refundId));
    const others = sortEntries(uses.filter((u) => u.refundId !== event.data.refundId));
    const me = mine[0];
    const other = others[0];
    // Only this refund's first send of the number raises it; a resend is the same finding.
    if (!me || !other || me.id !== event.id) return [];
    const [first, second] = sortEntries([me, other]) as [Use, Use];
    const w = fmtDuration(cfg.window);
    const refunds = unique(uses.map((u) => u.refundId)).length;
    const orderIds = unique([second.orderId, first.orderId]);
    return [
      {
        ruleId: 'duplicate-return-tracking',
        subject: { kind: 'buyer', id: second.buyerId },
        trigger: [first.refundId, second.refundId].sort(),
        severity: 'high',
        buyerIds: unique([second.buyerId, first.buyerId]),
        sellerIds: unique([second.sellerId, first.sellerId]),
        orderIds,
        orderParties: attributeOrders(orderIds, [second, first]),
        windows: { [`tracking_refunds_${w}`]: refunds },
        eventIds: [first.id, second.id],
        crossed: [{ window: `tracking_refunds_${w}`, value: refunds, op: '>=', threshold: 2 }],
        snippets: [`refund ${first.refundId}`, `refund ${second.refundId}`],
      },
    ];
  },
};
