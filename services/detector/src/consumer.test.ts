import { VigilError } from '@vigil/common';
import { isRetriableFailure, suspicionJobOptions } from './consumer';

describe('isRetriableFailure', () => {
  it('follows a VigilError, even deep in the cause chain', () => {
    expect(isRetriableFailure(new VigilError('REDIS', 'down', { retriable: true }))).toBe(true);
    expect(isRetriableFailure(new VigilError('BUG', 'bad', { retriable: false }))).toBe(false);
    expect(
      isRetriableFailure(new Error('wrapped', { cause: new VigilError('R', 'x', { retriable: true }) })),
    ).toBe(true);
  });

  it('treats raw connection errors from Redis clients as retriable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(isRetriableFailure(refused)).toBe(true);
    expect(isRetriableFailure(new Error('Connection is closed.'))).toBe(true);
    expect(isRetriableFailure(new Error('Command timed out'))).toBe(true);
    const maxRetries = new Error('Reached the max retries per request limit');
    maxRetries.name = 'MaxRetriesPerRequestError';
    expect(isRetriableFailure(maxRetries)).toBe(true);
  });

  it('treats programming errors as fatal', () => {
    expect(isRetriableFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(
      false,
    );
    expect(isRetriableFailure('a string')).toBe(false);
  });
});

describe('suspicionJobOptions', () => {
  it('uses the deterministic id and keeps completed jobs for the retention period', () => {
    const opts = suspicionJobOptions({ jobId: 'bulk-non-payment|buyer|b-1|123', data: {} as never }, 3600);
    expect(opts.jobId).toBe('bulk-non-payment|buyer|b-1|123');
    expect(opts.removeOnComplete).toEqual({ age: 3600 });
    expect(opts.removeOnFail).toBe(false);
  });
});
