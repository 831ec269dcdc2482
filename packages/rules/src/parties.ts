// Order attribution: who placed and who sold each order a finding names (Suspicion.orderParties).
// The case worker uses it to give each seller only its own orders (alerts, relief). Built only
// from facts the engine read back (window entries carry the event's seller/buyer/order ids); an
// order whose buyer or seller is unknown, or whose entries disagree, is left out rather than
// guessed: the case worker then shows it to no seller.

/** One order's parties, as the contract's `Suspicion.orderParties` item. */
export interface OrderParty {
  orderId: string;
  buyerId: string;
  sellerId: string;
}

/** The contract caps `orderParties` at 1000 items; the worker would reject a longer list. */
export const MAX_ORDER_PARTIES = 1000;

/**
 * One party per order of `orderIds` (in that order) that the `facts` attribute unambiguously:
 * every complete fact about the order names the same buyer and seller. Facts for orders not in
 * `orderIds` are ignored, so the result never names an order the suspicion does not.
 */
export function attributeOrders(
  orderIds: readonly string[],
  facts: ReadonlyArray<{ orderId: string; buyerId: string | undefined; sellerId: string | undefined }>,
): OrderParty[] {
  const known = new Map<string, OrderParty | null>();
  for (const f of facts) {
    // A fact missing a party (e.g. an entry written before the window carried it) says nothing.
    if (!f.orderId || !f.buyerId || !f.sellerId) continue;
    const seen = known.get(f.orderId);
    if (seen === null) continue; // already ambiguous
    if (seen === undefined) {
      known.set(f.orderId, { orderId: f.orderId, buyerId: f.buyerId, sellerId: f.sellerId });
    } else if (seen.buyerId !== f.buyerId || seen.sellerId !== f.sellerId) {
      known.set(f.orderId, null);
    }
  }
  const out: OrderParty[] = [];
  const emitted = new Set<string>();
  for (const orderId of orderIds) {
    const p = known.get(orderId);
    if (!p || emitted.has(orderId)) continue;
    emitted.add(orderId);
    out.push(p);
    if (out.length === MAX_ORDER_PARTIES) break;
  }
  return out;
}
