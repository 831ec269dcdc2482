import type { Suspicion } from '@vigil/events';
import { SELLER_VICTIM_RULES } from './policy';

/** A subject that owns a case: a buyer, or a seller for seller-victim rules. */
export interface CaseSubject {
  kind: 'buyer' | 'seller';
  id: string;
}

/** An order of a suspicion as one case sees it: parties are null when not attributable. */
export interface AttributedOrder {
  orderId: string;
  buyerId: string | null;
  sellerId: string | null;
}

/** What one suspicion brings to one subject's case. */
export interface SubjectShare {
  subject: CaseSubject;
  /** Buyers this case will penalise on confirmation (the buyer itself, or a seller case's buyers). */
  buyerIds: string[];
  /** Sellers that may be told about this case: only those we can tie to this subject. */
  sellerIds: string[];
  orders: AttributedOrder[];
}

function uniq(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/**
 * The case subjects of a suspicion, sorted (locks are taken in this order, so two workers never
 * deadlock): the buyer; the seller for a seller subject; each buyer of `buyerIds` for a device
 * or address subject.
 */
export function caseSubjects(s: Suspicion): CaseSubject[] {
  if (s.subject.kind === 'seller') return [{ kind: 'seller', id: s.subject.id }];
  // A seller-victim rule whose detector named the victim only in sellerIds still opens the
  // seller's case, never a case against the reviewers one by one.
  const onlySeller = s.sellerIds.length === 1 ? s.sellerIds[0] : undefined;
  if (SELLER_VICTIM_RULES.includes(s.ruleId) && onlySeller) return [{ kind: 'seller', id: onlySeller }];
  if (s.subject.kind === 'buyer') return [{ kind: 'buyer', id: s.subject.id }];
  return uniq(s.buyerIds)
    .sort()
    .map((id) => ({ kind: 'buyer' as const, id }));
}

/**
 * Splits a suspicion into what each case may know. The suspicion's `orderIds` do not say who owns
 * which order, so an order goes to a buyer's case only when `orderParties` names that buyer, or
 * the suspicion has a single buyer; its seller is known only from `orderParties` or when the
 * suspicion names a single seller. A seller is tied to a buyer case by an attributed order, or by
 * being the suspicion's only seller (or all of them when the suspicion has a single buyer). What
 * cannot be attributed stays in the evidence row and is not shown to any seller.
 */
export function shareFor(s: Suspicion, subject: CaseSubject): SubjectShare {
  const parties = new Map((s.orderParties ?? []).map((p) => [p.orderId, p]));
  const buyers = uniq(s.subject.kind === 'buyer' ? [s.subject.id, ...s.buyerIds] : s.buyerIds);
  const sellers = uniq(s.sellerIds);
  const singleSeller = sellers.length === 1 ? (sellers[0] ?? null) : null;
  const orders: AttributedOrder[] = [];

  if (subject.kind === 'seller') {
    // Seller-victim rule: the orders are this seller's (reviews of its orders).
    const singleBuyer = buyers.length === 1 ? (buyers[0] ?? null) : null;
    for (const orderId of uniq(s.orderIds)) {
      const p = parties.get(orderId);
      if (p && p.sellerId !== subject.id) continue;
      orders.push({ orderId, buyerId: p?.buyerId ?? singleBuyer, sellerId: subject.id });
    }
    return { subject, buyerIds: buyers, sellerIds: [subject.id], orders };
  }

  const singleBuyer = buyers.length <= 1;
  for (const orderId of uniq(s.orderIds)) {
    const p = parties.get(orderId);
    if (p) {
      if (p.buyerId === subject.id) orders.push({ orderId, buyerId: subject.id, sellerId: p.sellerId });
    } else if (singleBuyer) {
      orders.push({ orderId, buyerId: subject.id, sellerId: singleSeller });
    }
  }
  const tied = singleBuyer
    ? sellers
    : uniq([
        ...orders.map((o) => o.sellerId).filter((x): x is string => x !== null),
        ...(singleSeller ? [singleSeller] : []),
      ]);
  return { subject, buyerIds: [subject.id], sellerIds: tied, orders };
}
