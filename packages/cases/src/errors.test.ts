import { VigilError } from '@vigil/common';
import { dbError, isRetriableDbError } from './errors';

const pgError = (code: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(code), { code, ...extra });

describe('database error classification', () => {
  it('retries unreachable servers, lost races and the one-open-case race', () => {
    for (const e of [
      pgError('ECONNREFUSED'),
      pgError('08006'),
      pgError('57P01'),
      pgError('40001'),
      pgError('40P01'),
      pgError('23505', { constraint: 'cases_one_open_per_subject' }),
      new Error('Connection terminated unexpectedly'),
    ]) {
      expect(isRetriableDbError(e)).toBe(true);
    }
  });
  it('does not retry bugs and bad data', () => {
    for (const e of [
      pgError('42601'),
      pgError('23505', { constraint: 'other' }),
      pgError('22P02'),
      new Error('boom'),
    ]) {
      expect(isRetriableDbError(e)).toBe(false);
    }
  });
  it('wraps with cause and keeps an existing VigilError', () => {
    const cause = pgError('08006');
    const wrapped = dbError('apply', cause);
    expect(wrapped).toMatchObject({ code: 'DB_UNAVAILABLE', retriable: true, cause });
    const own = new VigilError('X', 'x');
    expect(dbError('apply', own)).toBe(own);
  });
});
