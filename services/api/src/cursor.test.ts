import { decodeCursor, encodeCursor, filterDigest } from './cursor';
import { ApiError } from './errors';

describe('cursor', () => {
  const digest = filterDigest({ status: 'open', scope: 'ops', buyerId: undefined });

  it('round-trips', () => {
    const c = encodeCursor({ after: '123|abc', filters: digest });
    expect(decodeCursor(c, digest)).toEqual({ after: '123|abc', filters: digest });
  });

  it('refuses a cursor replayed with other filters, naming query.cursor', () => {
    const c = encodeCursor({ after: '123|abc', filters: digest });
    const other = filterDigest({ status: 'confirmed', scope: 'ops', buyerId: undefined });
    expect(() => decodeCursor(c, other)).toThrow(ApiError);
    try {
      decodeCursor(c, other);
    } catch (err) {
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).issues?.[0]?.path).toBe('query.cursor');
    }
  });

  it('refuses garbage', () => {
    expect(() => decodeCursor('not-a-cursor', digest)).toThrow('invalid cursor');
  });

  it('digests do not depend on key order but do on values', () => {
    expect(filterDigest({ a: '1', b: '2' })).toBe(filterDigest({ b: '2', a: '1' }));
    expect(filterDigest({ a: '1' })).not.toBe(filterDigest({ a: '2' }));
  });
});
