import fc from 'fast-check';
import { distinctSellers, firstCrossingSpan, firstDistinctSpan } from './span';

const e = (id: string, time: number, sellerId = 's') => ({ id, time, sellerId });

test('finds the earliest span holding the threshold and its first entries as evidence', () => {
  const entries = [e('c', 30), e('a', 0), e('b', 10), e('d', 200)];
  expect(firstCrossingSpan(entries, 50, 3)?.evidence.map((x) => x.id)).toEqual(['a', 'b', 'c']);
  expect(firstCrossingSpan(entries, 20, 3)).toBeNull();
});

test('a span must contain the pivot when one is given', () => {
  const entries = [e('a', 0), e('b', 10), e('c', 20), e('d', 200)];
  expect(firstCrossingSpan(entries, 50, 3, 'd')).toBeNull();
  expect(firstCrossingSpan(entries, 50, 3, 'c')?.evidence.map((x) => x.id)).toEqual(['a', 'b', 'c']);
});

test('distinct sellers keep the first entry of each', () => {
  expect(distinctSellers([e('b', 5, 's1'), e('a', 1, 's1'), e('c', 9, 's2')]).map((x) => x.id)).toEqual([
    'a',
    'c',
  ]);
  const hit = firstDistinctSpan([e('a', 0, 's1'), e('b', 5, 's1'), e('c', 9, 's2')], 10, 2, 'c');
  expect(hit?.evidence.map((x) => x.id)).toEqual(['a', 'c']);
});

test('evidence does not depend on the order entries are read in (same job id on recomputation)', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(
        fc.record({ id: fc.string({ minLength: 1, maxLength: 3 }), time: fc.integer({ min: 0, max: 100 }) }),
        {
          selector: (x) => x.id,
          maxLength: 12,
        },
      ),
      fc.integer({ min: 1, max: 5 }),
      (raw, k) => {
        const entries = raw.map((r) => e(r.id, r.time));
        const a = firstCrossingSpan(entries, 30, k);
        const b = firstCrossingSpan([...entries].reverse(), 30, k);
        expect(b?.evidence).toEqual(a?.evidence);
        // Crossing means some 30-long span really holds k entries.
        if (a) expect(a.evidence.every((x) => x.time - a.evidence[0]!.time <= 30)).toBe(true);
        else
          for (const s of entries)
            expect(entries.filter((x) => x.time >= s.time && x.time <= s.time + 30).length).toBeLessThan(k);
      },
    ),
  );
});
