/** Name of the BullMQ backoff type producers put on alert jobs (SELLER_ALERT_JOB_OPTIONS). */
export const ALERT_BACKOFF_TYPE = 'vigil-alert';

/** Options of the alert retry schedule. */
export interface AlertBackoffOptions {
  /** Delay before the first retry, in ms. Default 5000. */
  baseMs: number;
  /** Largest delay, in ms. Default 3 600 000 (one hour). */
  maxMs: number;
  /**
   * Fraction taken off each delay at random, 0–1. Default 0.2. Jitter only shortens a delay, so
   * the cap holds exactly, and spreads the retries of many alerts that failed together (a
   * receiver coming back after an outage is not hit by all of them in the same second).
   */
  jitter: number;
}

export const DEFAULT_JITTER = 0.2;

/**
 * Delay before retry number `retry` (1 = after the first failed attempt), without jitter:
 * `baseMs * 2^(retry-1)`, capped at `maxMs`. Monotone non-decreasing in `retry`.
 */
export function nominalDelay(retry: number, options: Pick<AlertBackoffOptions, 'baseMs' | 'maxMs'>): number {
  const n = Math.max(1, Math.floor(retry));
  // 2^n overflows to Infinity for big n; the cap keeps the result finite.
  return Math.min(options.maxMs, options.baseMs * 2 ** (n - 1));
}

/** {@link nominalDelay} with jitter: a value in `[(1 - jitter) * nominal, nominal]`. */
export function retryDelay(
  retry: number,
  options: AlertBackoffOptions,
  random: () => number = Math.random,
): number {
  const nominal = nominalDelay(retry, options);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.floor(nominal * (1 - jitter * random()));
}

/**
 * The delay BullMQ waits before the next attempt. Never past the give-up deadline: the last retry
 * lands on the deadline, so an alert is tried once more at the full give-up age rather than
 * abandoned up to one capped delay early. `deadlineMs` is undefined when unknown (bad job data).
 */
export function delayUntilNextAttempt(
  retry: number,
  options: AlertBackoffOptions,
  nowMs: number,
  deadlineMs: number | undefined,
  random: () => number = Math.random,
): number {
  const delay = retryDelay(retry, options, random);
  if (deadlineMs === undefined) return delay;
  return Math.max(0, Math.min(delay, deadlineMs - nowMs));
}

/**
 * The nominal schedule for a number of retries: each retry's delay and the time since the first
 * attempt. Used by the docs table and the tests.
 */
export function schedule(
  retries: number,
  options: Pick<AlertBackoffOptions, 'baseMs' | 'maxMs'>,
  factor = 1,
): { retry: number; delayMs: number; elapsedMs: number }[] {
  const rows: { retry: number; delayMs: number; elapsedMs: number }[] = [];
  let elapsed = 0;
  for (let retry = 1; retry <= retries; retry++) {
    const delayMs = Math.floor(nominalDelay(retry, options) * factor);
    elapsed += delayMs;
    rows.push({ retry, delayMs, elapsedMs: elapsed });
  }
  return rows;
}
