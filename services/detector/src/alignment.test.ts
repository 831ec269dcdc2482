import { alignmentLimitMs, frontierMs, isCaughtUp, releasableCount } from './alignment';

describe('frontierMs', () => {
  it('is −∞ for a partition nothing is known about (it may still deliver anything)', () => {
    expect(frontierMs(undefined)).toBe(Number.NEGATIVE_INFINITY);
    expect(frontierMs({ position: 0n, highWatermark: 10n })).toBe(Number.NEGATIVE_INFINITY);
  });

  it('is +∞ once caught up (processed offset + 1 ≥ high watermark), including an empty partition', () => {
    expect(frontierMs({ position: 0n, highWatermark: 0n })).toBe(Number.POSITIVE_INFINITY);
    expect(frontierMs({ lastProcessedMs: 5, position: 10n, highWatermark: 10n })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(isCaughtUp({ position: 9n, highWatermark: 10n })).toBe(false);
    expect(isCaughtUp({ highWatermark: 0n })).toBe(false); // position unknown: not assumed
  });

  it('is the held-back head when known, else the last processed event time', () => {
    expect(frontierMs({ lastProcessedMs: 100, position: 3n, highWatermark: 10n })).toBe(100);
    expect(frontierMs({ lastProcessedMs: 100, headMs: 250, position: 3n, highWatermark: 10n })).toBe(250);
  });
});

describe('alignmentLimitMs', () => {
  it('is the minimum frontier of the other topics plus the skew', () => {
    const others = [
      { lastProcessedMs: 500, position: 1n, highWatermark: 9n },
      { headMs: 300, position: 1n, highWatermark: 9n },
      { position: 4n, highWatermark: 4n },
    ];
    expect(alignmentLimitMs(others)).toBe(300);
    expect(alignmentLimitMs(others, 50)).toBe(350);
  });

  it('blocks behind a partition with unknown progress and frees when all others are caught up', () => {
    expect(alignmentLimitMs([undefined, { position: 1n, highWatermark: 1n }])).toBe(Number.NEGATIVE_INFINITY);
    expect(alignmentLimitMs([{ position: 1n, highWatermark: 1n }])).toBe(Number.POSITIVE_INFINITY);
    expect(alignmentLimitMs([])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('releasableCount', () => {
  it('takes the leading messages up to the limit and stops at the first one past it', () => {
    expect(releasableCount([1, 2, 3, 4], 2)).toBe(2);
    expect(releasableCount([1, 5, 2], 2)).toBe(1); // offsets stay contiguous
    expect(releasableCount([3], 2)).toBe(0);
    expect(releasableCount([1, 2], Number.POSITIVE_INFINITY)).toBe(2);
  });

  it('never holds back an undecodable message (no event time): it is dead-lettered at once', () => {
    expect(releasableCount([undefined, undefined, 9], 2)).toBe(2);
    expect(releasableCount([undefined], Number.NEGATIVE_INFINITY)).toBe(1);
  });
});
