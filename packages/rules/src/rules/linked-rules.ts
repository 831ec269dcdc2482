import {
  type CrossPlanContext,
  type EvalContext,
  type Finding,
  fmtDuration,
  type PlanContext,
  type Rule,
} from '../engine';
import { ORDER_READ } from '../lifecycle';
import { unique } from '../span';
import { addEvent, eventEntries, readAround, spanFinding } from './common';
import { distanceMeters, neighbourClusters } from './geo';

// Rules whose subject is not (only) the buyer: they read the order state in phase 1 and update
// another subject's keys in phase 2 (device, address cluster, seller).

/** linked-account-non-payment: ≥3 buyers of one device or address, each with a payment timeout. */
export const linkedAccountNonPayment: Rule = {
  id: 'linked-account-non-payment',
  enabled: (c) => c.rules['linked-account-non-payment'].enabled,
  planBuyer({ event, buyer }: PlanContext) {
    if (event.type === 'order.cancelled' && event.data.reason === 'payment_timeout') {
      buyer.read(ORDER_READ, { op: 'hgetall', key: buyer.keys.order(event.orderId) });
    }
  },
  planCross({ event, t, keys, config, buyerOutcome, cross }: CrossPlanContext) {
    if (event.type !== 'order.cancelled' || event.data.reason !== 'payment_timeout') return;
    const cfg = config.rules['linked-account-non-payment'];
    const order = buyerOutcome.hash(ORDER_READ);
    const links: Array<['device' | 'address', string | undefined]> = [
      ['device', order['device']],
      ['address', order['addr']],
    ];
    for (const [kind, id] of links) {
      if (!id || !cfg.linkBy.includes(kind)) continue;
      const plan = cross(`lanp.${kind}`, kind === 'device' ? keys.device(id) : keys.address(id));
      // The "seller" slot holds the buyer: distinct buyers are what is counted. The order's seller
      // comes after, for order attribution (entries written before it was kept lack it).
      addEvent(plan, config, 'timeouts', t, cfg.window, [
        event.id,
        event.buyerId,
        event.orderId,
        event.sellerId,
      ]);
      readAround(plan, config, 'lanp.timeouts', 'timeouts', t, cfg.window);
    }
  },
  evaluate({ event, config, cross }: EvalContext): Finding[] {
    if (event.type !== 'order.cancelled' || event.data.reason !== 'payment_timeout') return [];
    const cfg = config.rules['linked-account-non-payment'];
    const out: Finding[] = [];
    for (const kind of ['device', 'address'] as const) {
      const outcome = cross.get(`lanp.${kind}`);
      if (!outcome) continue;
      const entries = eventEntries(outcome, 'lanp.timeouts');
      const id = outcome.plan.keys.tag.slice(3, -1);
      const found = spanFinding({
        ruleId: 'linked-account-non-payment',
        subject: { kind, id },
        eventId: event.id,
        entries,
        length: cfg.window,
        threshold: cfg.buyerThreshold,
        windowName: `${kind}_buyers_with_payment_timeout_${fmtDuration(cfg.window)}`,
        severity: 'high',
        buyerIds: [],
        partyOf: (e) => ({ buyerId: e.sellerId, sellerId: e.extra[0] }),
        distinct: true,
        fireOnNewMember: true,
      });
      for (const f of found) {
        // In these entries the seller slot is the buyer (see planCross); the sellers are those
        // the entries name (the orders' sellers).
        f.buyerIds = [...f.sellerIds];
        f.sellerIds = unique(f.orderParties.map((p) => p.sellerId));
        out.push(f);
      }
    }
    return out;
  },
};

/** linked-wrong-item-claims: ≥2 buyers of one address cluster claim wrong_item against one seller. */
export const linkedWrongItemClaims: Rule = {
  id: 'linked-wrong-item-claims',
  enabled: (c) => c.rules['linked-wrong-item-claims'].enabled,
  planBuyer({ event, buyer }: PlanContext) {
    if (event.type === 'refund.requested' && event.data.reason === 'wrong_item') {
      buyer.read(ORDER_READ, { op: 'hgetall', key: buyer.keys.order(event.orderId) });
    }
  },
  planCross({ event, t, keys, config, buyerOutcome, cross }: CrossPlanContext) {
    if (event.type !== 'refund.requested' || event.data.reason !== 'wrong_item') return;
    const cfg = config.rules['linked-wrong-item-claims'];
    const order = buyerOutcome.hash(ORDER_READ);
    const cluster = order['cluster'];
    if (!cluster) return;
    const window = `wrongitem:${event.sellerId}`;
    // A geohash cluster: the claim is also written to the 8 neighbouring cells, so two claimants
    // on either side of a cell edge meet in each other's cell; the home cell is read.
    [cluster, ...neighbourClusters(cluster)].forEach((key, i) => {
      const plan = cross(`lwic.${i}`, keys.address(key));
      addEvent(plan, config, window, t, cfg.window, [
        event.id,
        event.buyerId,
        event.orderId,
        order['pos'] ?? '',
      ]);
      if (i === 0) readAround(plan, config, 'lwic.claims', window, t, cfg.window);
    });
  },
  evaluate({ event, config, cross }: EvalContext): Finding[] {
    if (event.type !== 'refund.requested' || event.data.reason !== 'wrong_item') return [];
    const cfg = config.rules['linked-wrong-item-claims'];
    const outcome = cross.get('lwic.0');
    if (!outcome) return [];
    const all = eventEntries(outcome, 'lwic.claims');
    const mine = all.find((e) => e.id === event.id)?.extra[0] ?? '';
    const near = all.filter((e) => {
      const pos = e.extra[0] ?? '';
      return !mine || !pos || distanceMeters(mine, pos) <= cfg.maxDistanceMeters;
    });
    const found = spanFinding({
      ruleId: 'linked-wrong-item-claims',
      subject: { kind: 'address', id: outcome.plan.keys.tag.slice(3, -1) },
      eventId: event.id,
      entries: near,
      length: cfg.window,
      threshold: cfg.buyerThreshold,
      windowName: `cluster_buyers_wrong_item_same_seller_${fmtDuration(cfg.window)}`,
      severity: 'high',
      buyerIds: [],
      // The window is this seller's (`wrongitem:<seller>`); the "seller" slot holds the buyer.
      partyOf: (e) => ({ buyerId: e.sellerId, sellerId: event.sellerId }),
      distinct: true,
      fireOnNewMember: true,
    });
    return found.map((f) => ({ ...f, buyerIds: [...f.sellerIds], sellerIds: [event.sellerId] }));
  },
};

/** competitor-review-burst: a seller gets ≥5 reviews ≤2★ in 24h from accounts with ≤1 paid order. */
export const competitorReviewBurst: Rule = {
  id: 'competitor-review-burst',
  enabled: (c) => c.rules['competitor-review-burst'].enabled,
  planBuyer({ event, t, buyer, config }: PlanContext) {
    const cfg = config.rules['competitor-review-burst'];
    if (event.type === 'order.paid') {
      addEvent(buyer, config, 'paid', t, cfg.paidHistory, [event.orderId, event.sellerId, event.orderId]);
    }
    if (event.type === 'review.posted' && event.data.rating <= cfg.maxRating) {
      buyer.read('crb.paid', {
        op: 'zrange',
        key: buyer.keys.window('paid'),
        from: t - cfg.paidHistory,
        to: t,
        limit: 1,
      });
    }
  },
  planCross({ event, t, keys, config, buyerOutcome, cross }: CrossPlanContext) {
    const cfg = config.rules['competitor-review-burst'];
    if (event.type !== 'review.posted' || event.data.rating > cfg.maxRating) return;
    if (buyerOutcome.zcount('crb.paid') > cfg.maxPaidOrders) return;
    const plan = cross('crb.seller', keys.seller(event.sellerId));
    addEvent(plan, config, 'lowreviews', t, cfg.window, [event.id, event.buyerId, event.orderId]);
    readAround(plan, config, 'crb.reviews', 'lowreviews', t, cfg.window);
  },
  evaluate({ event, config, cross }: EvalContext): Finding[] {
    if (event.type !== 'review.posted') return [];
    const cfg = config.rules['competitor-review-burst'];
    const outcome = cross.get('crb.seller');
    if (!outcome) return [];
    const found = spanFinding({
      ruleId: 'competitor-review-burst',
      subject: { kind: 'seller', id: event.sellerId },
      eventId: event.id,
      entries: eventEntries(outcome, 'crb.reviews'),
      length: cfg.window,
      threshold: cfg.threshold,
      windowName: `low_reviews_from_new_accounts_${fmtDuration(cfg.window)}`,
      severity: 'high',
      buyerIds: [],
      // The window is on the reviewed seller's keys; the "seller" slot holds the reviewer.
      partyOf: (e) => ({ buyerId: e.sellerId, sellerId: event.sellerId }),
      // Reviews are counted (not reviewers), but each later smear reviewer of a crossed burst
      // raises its own suspicion, so the victim's case names every one and can remove every
      // smear review; a reviewer already in the burst adds nothing new.
      fireOnNewMember: true,
    });
    return found.map((f) => ({ ...f, buyerIds: unique(f.sellerIds), sellerIds: [event.sellerId] }));
  },
};
