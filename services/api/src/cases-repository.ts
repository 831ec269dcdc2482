import type { Case } from '@vigil/events';

// What the API needs from the case store. The PostgreSQL implementation reads the case worker's
// tables (packages/cases migrations 010–019) and decides through its `decideCase`; keeping it
// behind this interface lets the HTTP layer be tested on its own.

/** One evidence entry as stored, with the sellers/orders it concerns when the store knows them. */
export interface StoredEvidence {
  ruleId: Case['evidence'][number]['ruleId'];
  detectedAt: string;
  windows: Record<string, number>;
  eventIds: string[];
  /** Sellers of the suspicion behind this entry; undefined when not recorded. */
  sellerIds?: string[];
  /** Orders of the suspicion behind this entry; undefined when not recorded. */
  orderIds?: string[];
}

/**
 * A case as stored: the contract's Case plus per-evidence involvement and, for orders the case
 * store could attribute, order id → seller id.
 */
export type StoredCase = Omit<Case, 'evidence'> & {
  evidence: StoredEvidence[];
  orderSellers?: Record<string, string>;
};

export interface CaseFilter {
  status?: Case['status'];
  buyerId?: string;
  sellerId?: string;
  ruleId?: string;
  /** Seller scope: only cases involving this seller. */
  involvingSeller?: string;
}

export interface CasePage {
  items: StoredCase[];
  /** List key of the last item when more may follow; undefined on the last page. */
  nextAfter?: string;
}

export interface DecideInput {
  decision: 'confirm' | 'dismiss';
  note: string;
  actor: string;
}

export type DecideOutcome =
  | { outcome: 'decided' }
  | { outcome: 'not_found' }
  | { outcome: 'already_decided'; status: string };

export interface BuyerCaseSummary {
  openCase: StoredCase | null;
  penaltyLevel: number;
  confirmedCases: number;
}

export interface LabelOutcomes {
  casesContributed: number;
  confirmed: number;
  dismissed: number;
  open: number;
}

export interface CaseRepository {
  /**
   * One page in the list order, starting after `after` (a list key from a previous page).
   * The order must be total and stable under inserts and updates (see the implementation).
   */
  list(filter: CaseFilter, limit: number, after?: string): Promise<CasePage>;
  get(id: string): Promise<StoredCase | null>;
  decide(id: string, input: DecideInput): Promise<DecideOutcome>;
  buyerSummary(buyerId: string): Promise<BuyerCaseSummary>;
  /** Outcomes of the cases whose evidence includes any of these (seller.label) event ids. */
  labelOutcomes(eventIds: string[]): Promise<LabelOutcomes>;
}
