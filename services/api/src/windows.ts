/**
 * Reads a buyer's live sliding-window values (name → value) for GET /v1/buyers/:buyerId/risk.
 * The rule engine owns the windows' Redis layout; the implementation wraps what it exports.
 */
export interface BuyerWindowReader {
  read(buyerId: string): Promise<Record<string, number>>;
}
