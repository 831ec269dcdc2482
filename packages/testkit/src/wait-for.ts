/** Options for {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this long. Default 20000 ms. */
  timeoutMs?: number;
  /** Poll interval. Default 50 ms. */
  intervalMs?: number;
  /** Said in the timeout error. */
  description?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`/`false` (or stops throwing) and
 * returns that value. Tests use it instead of sleeping for a guessed time.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, false | undefined>> {
  const timeoutMs = options.timeoutMs ?? 20000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as Exclude<T, false | undefined>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const what = options.description ?? 'condition';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}`,
        lastError ? { cause: lastError } : undefined,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
