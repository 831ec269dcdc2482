import { VigilError } from '@vigil/common';

/** No case has this id (the API answers 404). */
export class CaseNotFoundError extends VigilError {
  constructor(caseId: string) {
    super('CASE_NOT_FOUND', `case ${caseId} not found`, { retriable: false });
    this.name = 'CaseNotFoundError';
  }
}

/** The case was already decided (the API answers 409). */
export class CaseConflictError extends VigilError {
  readonly status: string;
  constructor(caseId: string, status: string) {
    super('CASE_ALREADY_DECIDED', `case ${caseId} is already ${status}`, { retriable: false });
    this.name = 'CaseConflictError';
    this.status = status;
  }
}

// PostgreSQL SQLSTATE classes and codes where trying the same transaction again may succeed:
// connection exceptions (08), serialization failure, deadlock, too many connections, operator
// intervention (admin shutdown, cannot connect now), and transport errors from node itself.
const RETRIABLE_SQLSTATE = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03', '55P03']);
const RETRIABLE_NODE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True when a pg error says the database was unreachable or the transaction lost a race. */
export function isRetriableDbError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // Two workers opening a case for one subject at once: the loser retries and finds the case.
  // (The advisory lock normally prevents this; the index is the guarantee.)
  if (code === '23505' && (err as { constraint?: unknown }).constraint === 'cases_one_open_per_subject')
    return true;
  if (typeof code === 'string') {
    if (code.startsWith('08') || RETRIABLE_SQLSTATE.has(code) || RETRIABLE_NODE.has(code)) return true;
  }
  const message = err instanceof Error ? err.message : '';
  // pg reports these without a code.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    message,
  );
}

/** Wraps a database failure in a VigilError that says whether to retry. */
export function dbError(what: string, err: unknown): VigilError {
  if (err instanceof VigilError) return err;
  const retriable = isRetriableDbError(err);
  return new VigilError(
    retriable ? 'DB_UNAVAILABLE' : 'DB_ERROR',
    `${what}: ${(err as Error)?.message ?? err}`,
    {
      retriable,
      cause: err,
    },
  );
}
