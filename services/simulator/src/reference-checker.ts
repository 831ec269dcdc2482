import type { EventOf, MarketEvent, RuleId, ShippingAddress } from '@vigil/events';

/**
 * A deliberately simple, exact reference implementation of the rule catalogue's default triggers
 * (DESIGN.md), computed over a whole event list by event time. It knows nothing about how the
 * simulator built its events, so tests can use it to check the simulator's ground truth — and the
 * quality bench can use it as a yardstick. Windows are exact (no buckets) and inclusive:
 * "in 24h" at instant t means occurredAt in [t − 24h, t].
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** One rule firing: which buyers it implicates and the event after which the trigger was met. */
export interface Firing {
  ruleId: RuleId;
  buyerIds: string[];
  eventId: string;
  /** The instant the trigger is met (ms since epoch). */
  at: number;
  subject: { kind: 'buyer' | 'seller' | 'device' | 'address'; id: string };
}

/** Lever and demand phrases of the threat classifier (English and Chinese). */
const LEVER =
  /complain|bad review|negative review|advertising law|lowest price|false advertising|report you|差评|投诉|广告法|最低价/i;
const DEMAND = /compensat|refund|coupon|pay me|give me|send me|赔|退|补偿|优惠券|红包|\d+\s*(yuan|元)/i;

/** True when a buyer's chat demands a benefit with a complaint or review as the lever. */
export function isThreat(text: string): boolean {
  return LEVER.test(text) && DEMAND.test(text);
}

/** Exact-address fingerprint: normalised country, region, city, line, postcode. */
export function addressFingerprint(a: ShippingAddress): string {
  const n = (s: string | undefined) => (s ?? '').toLowerCase().replace(/\s+/g, ' ').trim();
  return [a.country, a.region, a.city, a.line, a.postcode].map(n).join('|');
}

/** Near addresses: the same building (line before the first comma) or within 150 m. */
export function nearAddresses(a: ShippingAddress, b: ShippingAddress): boolean {
  const building = (x: ShippingAddress) =>
    [x.country, x.city, x.postcode ?? '', (x.line.split(',')[0] ?? '').trim()].join('|').toLowerCase();
  if (building(a) === building(b)) return true;
  if (!a.geo || !b.geo) return false;
  const rad = Math.PI / 180;
  const dLat = (b.geo.lat - a.geo.lat) * rad;
  const dLon = (b.geo.lon - a.geo.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.geo.lat * rad) * Math.cos(b.geo.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h)) <= 150;
}

interface OrderState {
  placed: EventOf<'order.placed'>;
  paidAt?: number;
  shippedAt?: number;
  deliveredAt?: number;
}

const t = (e: MarketEvent) => Date.parse(e.occurredAt);
const within = (xs: number[], from: number, to: number) => xs.filter((x) => x >= from && x <= to).length;
function push<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const xs = m.get(k);
  if (xs) xs.push(v);
  else m.set(k, [v]);
}

/**
 * Every firing of every rule over `events` (any order; sorted by event time here). A trigger met
 * only after `end` (default: the last event's time) is not observed — e.g. orders placed minutes
 * before the end of the log are not yet "unpaid after 15 min".
 */
export function checkRules(input: readonly MarketEvent[], end?: number): Firing[] {
  const events = [...input].sort((a, b) => t(a) - t(b));
  const last = end ?? (events.length > 0 ? t(events[events.length - 1]!) : 0);
  const firings: Firing[] = [];
  const fire = (
    ruleId: RuleId,
    buyerIds: string[],
    e: MarketEvent,
    at: number,
    subject?: Firing['subject'],
  ) =>
    firings.push({
      ruleId,
      buyerIds: [...new Set(buyerIds)],
      eventId: e.id,
      at,
      subject: subject ?? { kind: 'buyer', id: e.buyerId },
    });

  // Facts known from the whole log (payment after placement is a future fact for rule 1b).
  const orders = new Map<string, OrderState>();
  for (const e of events) {
    if (e.type === 'order.placed') orders.set(e.orderId, { placed: e });
  }
  const paidAtFinal = new Map<string, number>();
  for (const e of events)
    if (e.type === 'order.paid' && !paidAtFinal.has(e.orderId)) paidAtFinal.set(e.orderId, t(e));

  const placedBy = new Map<string, { at: number; orderId: string }[]>();
  const timeoutsBy = new Map<string, number[]>();
  const timeoutsByKey = new Map<string, { buyerId: string; at: number }[]>();
  const failuresBy = new Map<string, number[]>();
  const addrCancelsBy = new Map<string, number[]>();
  const refundsBy = new Map<string, number[]>();
  const refundOnlyBy = new Map<string, number[]>();
  const freightBy = new Map<string, number[]>();
  const trackingUses = new Map<string, { refundId: string; buyerId: string; at: number }[]>();
  const wrongItemBySeller = new Map<string, { buyerId: string; at: number; address: ShippingAddress }[]>();
  const threats = new Map<string, number[]>();
  const complaintsBy = new Map<string, { sellerId: string; at: number }[]>();
  const reviewsBy = new Map<string, { sellerId: string; at: number; rating: number }[]>();
  const paidCount = new Map<string, number>();
  const lowFreshBySeller = new Map<string, { buyerId: string; at: number }[]>();
  const labelsBy = new Map<string, { sellerId: string; at: number }[]>();

  for (const e of events) {
    const now = t(e);
    const b = e.buyerId;
    switch (e.type) {
      case 'order.placed': {
        push(placedBy, b, { at: now, orderId: e.orderId });
        // 1b: ≥8 orders placed in 30 min, still unpaid 15 min after the last of them.
        const recent = placedBy.get(b)!.filter((p) => p.at >= now - 30 * MIN && p.at <= now);
        const due = now + 15 * MIN;
        const unpaid = recent.filter((p) => {
          const paid = paidAtFinal.get(p.orderId);
          return paid === undefined || paid > due;
        });
        if (unpaid.length >= 8) fire('bulk-non-payment', [b], e, due);
        break;
      }
      case 'order.paid': {
        const o = orders.get(e.orderId);
        if (o && o.paidAt === undefined) {
          o.paidAt = now;
          paidCount.set(b, (paidCount.get(b) ?? 0) + 1);
        }
        break;
      }
      case 'order.shipped': {
        const o = orders.get(e.orderId);
        if (o) o.shippedAt = now;
        break;
      }
      case 'order.delivered': {
        const o = orders.get(e.orderId);
        if (o) o.deliveredAt = now;
        break;
      }
      case 'order.cancelled': {
        if (e.data.reason === 'payment_timeout') {
          push(timeoutsBy, b, now);
          if (within(timeoutsBy.get(b)!, now - DAY, now) >= 3) fire('bulk-non-payment', [b], e, now);
          const placed = orders.get(e.orderId)?.placed;
          if (placed) {
            const keys: [string, Firing['subject']][] = [
              [
                `a:${addressFingerprint(placed.data.shippingAddress)}`,
                { kind: 'address', id: addressFingerprint(placed.data.shippingAddress) },
              ],
            ];
            if (placed.data.deviceId)
              keys.push([`d:${placed.data.deviceId}`, { kind: 'device', id: placed.data.deviceId }]);
            for (const [key, subject] of keys) {
              push(timeoutsByKey, key, { buyerId: b, at: now });
              const buyers = new Set(
                timeoutsByKey
                  .get(key)!
                  .filter((x) => x.at >= now - DAY)
                  .map((x) => x.buyerId),
              );
              if (buyers.size >= 3) fire('linked-account-non-payment', [...buyers], e, now, subject);
            }
          }
        }
        if (e.data.reason === 'address_invalid') {
          push(addrCancelsBy, b, now);
          if (within(addrCancelsBy.get(b)!, now - 7 * DAY, now) >= 2) fire('invalid-address', [b], e, now);
        }
        break;
      }
      case 'order.delivery_failed': {
        if (e.data.reason === 'address_invalid' || e.data.reason === 'recipient_unreachable') {
          push(failuresBy, b, now);
          if (within(failuresBy.get(b)!, now - 30 * DAY, now) >= 3) fire('invalid-address', [b], e, now);
        }
        break;
      }
      case 'refund.requested': {
        const o = orders.get(e.orderId);
        push(refundsBy, b, now);
        const req7 = within(refundsBy.get(b)!, now - 7 * DAY, now);
        const req30 = within(refundsBy.get(b)!, now - 30 * DAY, now);
        const ord30 = within(
          (placedBy.get(b) ?? []).map((p) => p.at),
          now - 30 * DAY,
          now,
        );
        if (req7 >= 5 && ord30 >= 5 && req30 / ord30 >= 0.6) fire('refund-frequency', [b], e, now);
        if (
          e.data.kind === 'refund_only' &&
          e.data.reason === 'not_received' &&
          o?.deliveredAt !== undefined
        ) {
          push(refundOnlyBy, b, now);
          if (within(refundOnlyBy.get(b)!, now - 30 * DAY, now) >= 2)
            fire('refund-only-after-delivery', [b], e, now);
        }
        if (
          e.data.kind === 'return_and_refund' &&
          o?.placed.data.shippingInsurance &&
          o.shippedAt !== undefined &&
          now - o.shippedAt <= 48 * HOUR
        ) {
          push(freightBy, b, now);
          if (within(freightBy.get(b)!, now - 30 * DAY, now) >= 3)
            fire('freight-insurance-abuse', [b], e, now);
        }
        if (e.data.reason === 'wrong_item' && o) {
          const address = o.placed.data.shippingAddress;
          const prior = (wrongItemBySeller.get(e.sellerId) ?? []).filter(
            (c) => c.at >= now - 14 * DAY && c.buyerId !== b && nearAddresses(c.address, address),
          );
          if (prior.length >= 1) {
            fire('linked-wrong-item-claims', [b, ...prior.map((c) => c.buyerId)], e, now, {
              kind: 'address',
              id: addressFingerprint(address),
            });
          }
          push(wrongItemBySeller, e.sellerId, { buyerId: b, at: now, address });
        }
        break;
      }
      case 'return.shipped': {
        const uses = (trackingUses.get(e.data.trackingNo) ?? []).filter(
          (u) => u.refundId !== e.data.refundId && u.at >= now - 90 * DAY,
        );
        // Only the re-user is implicated: the earlier use may be the genuine return it copies.
        if (uses.length > 0) fire('duplicate-return-tracking', [b], e, now);
        push(trackingUses, e.data.trackingNo, { refundId: e.data.refundId, buyerId: b, at: now });
        break;
      }
      case 'return.received': {
        if (['empty_package', 'missing_items', 'swapped_item'].includes(e.data.condition)) {
          fire('abnormal-return-goods', [b], e, now);
        }
        break;
      }
      case 'chat.message': {
        if (e.data.from === 'buyer' && isThreat(e.data.text)) {
          fire('threat-chat', [b], e, now);
          push(threats, `${b}|${e.sellerId}`, now);
        }
        break;
      }
      case 'complaint.filed': {
        if (within(threats.get(`${b}|${e.sellerId}`) ?? [], now - 72 * HOUR, now) > 0) {
          fire('complaint-extortion', [b], e, now);
        }
        push(complaintsBy, b, { sellerId: e.sellerId, at: now });
        const sellers = new Set(
          complaintsBy
            .get(b)!
            .filter((c) => c.at >= now - 7 * DAY)
            .map((c) => c.sellerId),
        );
        if (sellers.size >= 3) fire('complaint-spree', [b], e, now);
        break;
      }
      case 'review.posted': {
        const rating = e.data.rating;
        if (rating <= 2 && within(threats.get(`${b}|${e.sellerId}`) ?? [], now - 72 * HOUR, now) > 0) {
          fire('review-extortion', [b], e, now);
        }
        push(reviewsBy, b, { sellerId: e.sellerId, at: now, rating });
        const recent = reviewsBy.get(b)!.filter((r) => r.at >= now - 30 * DAY);
        const low = recent.filter((r) => r.rating <= 2);
        if (
          low.length >= 5 &&
          new Set(low.map((r) => r.sellerId)).size >= 3 &&
          low.length / recent.length >= 0.8
        ) {
          fire('negative-review-spree', [b], e, now);
        }
        if (rating <= 2 && (paidCount.get(b) ?? 0) <= 1) {
          push(lowFreshBySeller, e.sellerId, { buyerId: b, at: now });
          const burst = lowFreshBySeller.get(e.sellerId)!.filter((r) => r.at >= now - DAY);
          if (burst.length >= 5) {
            fire(
              'competitor-review-burst',
              burst.map((r) => r.buyerId),
              e,
              now,
              { kind: 'seller', id: e.sellerId },
            );
          }
        }
        break;
      }
      case 'seller.label': {
        push(labelsBy, b, { sellerId: e.sellerId, at: now });
        const sellers = new Set(
          labelsBy
            .get(b)!
            .filter((l) => l.at >= now - 90 * DAY)
            .map((l) => l.sellerId),
        );
        if (
          sellers.size >= 2 ||
          e.data.label === 'fake_return_tracking' ||
          e.data.label === 'empty_package_return'
        ) {
          fire('seller-label-accumulation', [b], e, now);
        }
        break;
      }
    }
  }
  return firings.filter((f) => f.at <= last);
}

/** Per buyer, per rule: the earliest firing that implicates the buyer. */
export function firstFiringByBuyer(firings: Firing[]): Map<string, Map<RuleId, Firing>> {
  const out = new Map<string, Map<RuleId, Firing>>();
  for (const f of firings) {
    for (const b of f.buyerIds) {
      let m = out.get(b);
      if (!m) {
        m = new Map();
        out.set(b, m);
      }
      const prev = m.get(f.ruleId);
      if (!prev || f.at < prev.at) m.set(f.ruleId, f);
    }
  }
  return out;
}
