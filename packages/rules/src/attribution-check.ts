import { type MarketEvent, Suspicion, type SuspicionJob } from '@vigil/events';

// Test-only oracle for order attribution, independent of the engine's code: the parties of an
// order are read straight off the input events behind a suspicion (evidence.eventIds).

/**
 * What is wrong with a job's `orderParties`, judged against the events the engine was given:
 * - the suspicion must satisfy the contract (so the case worker would accept it);
 * - `orderParties` must be present, one entry per order, only for orders in `orderIds`;
 * - an order whose evidence events all name one (buyer, seller) must be attributed to exactly
 *   that pair; an order the evidence names with several pairs may be left out, and if attributed
 *   its pair must be one the events state (never a guess);
 * - every party's buyer and seller are among the suspicion's buyers / sellers (or its subject).
 */
export function attributionProblems(
  job: SuspicionJob,
  eventsById: ReadonlyMap<string, MarketEvent>,
): string[] {
  const problems: string[] = [];
  const s = job.data;
  const parsed = Suspicion.safeParse(s);
  if (!parsed.success) problems.push(`contract: ${parsed.error.message}`);
  const parties = s.orderParties;
  if (!parties) return [...problems, 'orderParties missing'].map((m) => `${job.jobId}: ${m}`);

  const truth = new Map<string, Set<string>>();
  for (const id of s.evidence.eventIds) {
    const e = eventsById.get(id);
    if (!e || !('orderId' in e) || !e.orderId) continue;
    const pairs = truth.get(e.orderId) ?? new Set<string>();
    pairs.add(JSON.stringify([e.buyerId, e.sellerId]));
    truth.set(e.orderId, pairs);
  }
  const byOrder = new Map<string, { buyerId: string; sellerId: string }>();
  for (const p of parties) {
    if (byOrder.has(p.orderId)) problems.push(`order ${p.orderId} attributed twice`);
    byOrder.set(p.orderId, p);
    if (!s.orderIds.includes(p.orderId)) problems.push(`order ${p.orderId} is not in orderIds`);
  }
  for (const orderId of s.orderIds) {
    const pairs = truth.get(orderId) ?? new Set<string>();
    const p = byOrder.get(orderId);
    const stated = p ? JSON.stringify([p.buyerId, p.sellerId]) : null;
    if (pairs.size === 1 && stated !== [...pairs][0]) {
      problems.push(`order ${orderId}: expected ${[...pairs][0]}, got ${stated}`);
    } else if (pairs.size !== 1 && stated !== null && !pairs.has(stated)) {
      problems.push(`order ${orderId}: ${stated} is not stated by its events`);
    }
  }
  const buyers = new Set([...s.buyerIds, ...(s.subject.kind === 'buyer' ? [s.subject.id] : [])]);
  const sellers = new Set([...s.sellerIds, ...(s.subject.kind === 'seller' ? [s.subject.id] : [])]);
  for (const p of parties) {
    if (!buyers.has(p.buyerId)) problems.push(`order ${p.orderId}: buyer ${p.buyerId} not in buyerIds`);
    if (!sellers.has(p.sellerId)) problems.push(`order ${p.orderId}: seller ${p.sellerId} not in sellerIds`);
  }
  return problems.map((m) => `${job.jobId}: ${m}`);
}
