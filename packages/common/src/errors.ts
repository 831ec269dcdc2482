/**
 * The error every Vigil component throws when it knows what went wrong. `retriable` tells the
 * caller (usually a consumer loop) whether trying the same work again may succeed: a lost Redis
 * connection is retriable, a malformed event is not. The consumer decides what to do with it:
 * retry, dead-letter, or crash.
 */
export class VigilError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VigilError';
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A configuration value was missing or invalid; the process must not start. */
export class ConfigError extends VigilError {
  readonly issues: string[];

  constructor(issues: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** True when an error (or any error in its cause chain) says trying again may help. */
export function isRetriable(err: unknown): boolean {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof VigilError) return cur.retriable;
    if (typeof cur === 'object' && cur !== null && 'retriable' in cur) {
      return Boolean((cur as { retriable: unknown }).retriable);
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}
