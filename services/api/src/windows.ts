/**
 * Reads a buyer's live sliding-window values (name → value) for GET /v1/buyers/:buyerId/risk.
 * The rule engine owns the windows' Redis layout; the implementation wraps what it exports.
 */
export interface BuyerWindowReader {
  read(buyerId: string): Promise<Record<string, number>>;
}

/**
 * Used until the rule engine (packages/rules) exports a reader of a buyer's windows: the risk
 * endpoint then answers with `windows: {}` (and the open case and penalty level, which do not
 * depend on it). Logged once at start so the gap is visible to an operator.
 */
export function windowsNotWired(logger: { warn: (msg: string) => void }): BuyerWindowReader {
  logger.warn('no buyer window reader wired: GET /v1/buyers/:buyerId/risk returns windows {}');
  return { read: async () => ({}) };
}
