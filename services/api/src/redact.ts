import type { Case } from '@vigil/events';
import type { StoredCase } from './cases-repository';

/**
 * True when a seller may see the case at all: it is one of the case's sellers, and the case is not
 * about another seller (a seller-victim case names its victim as subject, which no other seller
 * may learn).
 */
export function involvesSeller(c: StoredCase, sellerId: string): boolean {
  if (c.subject.kind === 'seller') return c.subject.id === sellerId;
  return c.sellerIds.includes(sellerId);
}

/** The contract's Case from a stored one (ops view: everything). */
export function toOpsView(c: StoredCase): Case {
  const { orderSellers: _owners, ...rest } = c;
  return {
    ...rest,
    evidence: c.evidence.map((e) => ({
      ruleId: e.ruleId,
      detectedAt: e.detectedAt,
      windows: e.windows,
      eventIds: e.eventIds,
    })),
  };
}

/**
 * A seller's view of a case (DESIGN.md: "A seller never sees another seller's ids or a buyer's
 * other orders"):
 * - sellerIds is just the viewing seller;
 * - orderIds keeps only orders known (from order.placed) to be sold by this seller — an order
 *   the API has not seen is dropped, failing closed;
 * - evidence entries whose suspicion names sellers but not this one are dropped;
 * - eventIds are removed from every entry: an event id does not say which seller's order it
 *   concerns, so it cannot be shown safely;
 * Callers check {@link involvesSeller} first.
 */
export function toSellerView(c: StoredCase, sellerId: string, orderSeller: Map<string, string>): Case {
  const mine = (orderId: string) => orderSeller.get(orderId) === sellerId;
  const { orderSellers: _owners, ...rest } = c;
  return {
    ...rest,
    sellerIds: [sellerId],
    orderIds: c.orderIds.filter(mine),
    evidence: c.evidence
      .filter((e) => e.sellerIds === undefined || e.sellerIds.includes(sellerId))
      .map((e) => ({ ruleId: e.ruleId, detectedAt: e.detectedAt, windows: e.windows, eventIds: [] })),
  };
}

/**
 * order id → seller id for one case: what the case store attributed, overridden by what the API
 * learnt from order.placed (the marketplace's own record of the sale).
 */
export function orderOwners(c: StoredCase, fromOrders: Map<string, string>): Map<string, string> {
  const owners = new Map(Object.entries(c.orderSellers ?? {}));
  for (const o of c.orderIds) {
    const s = fromOrders.get(o);
    if (s !== undefined) owners.set(o, s);
  }
  return owners;
}

/** Every order id a seller view of these cases needs the seller of. */
export function orderIdsOf(cases: StoredCase[]): string[] {
  const ids = new Set<string>();
  for (const c of cases) {
    for (const o of c.orderIds) ids.add(o);
    for (const e of c.evidence) for (const o of e.orderIds ?? []) ids.add(o);
  }
  return [...ids];
}
