// Pure helpers over window entries read back from Redis: finding the sliding span that crossed a
// threshold and the evidence set behind it. Deterministic (ties broken by id), so evaluating the
// same entries again gives the same evidence and hence the same job id.

/** A window entry: an event (or order) at an event time. */
export interface Entry {
  id: string;
  time: number;
  /** Seller involved (for distinct-seller counts). */
  sellerId: string;
}

export function sortEntries<T extends Entry>(entries: T[]): T[] {
  return [...entries].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The entries of [start, start + length]. */
function spanFrom<T extends Entry>(sorted: T[], i: number, length: number): T[] {
  const start = sorted[i]!.time;
  const out: T[] = [];
  for (let j = i; j < sorted.length && sorted[j]!.time <= start + length; j++) out.push(sorted[j]!);
  return out;
}

/**
 * The earliest span of `length` (starting at an entry) that contains the entry `mustContain` (if
 * given) and holds at least `threshold` entries; `evidence` is its first `threshold` entries.
 * A span containing a given time t starts in [t − length, t], so out-of-order arrivals are found
 * whichever event of the span arrives last.
 */
export function firstCrossingSpan<T extends Entry>(
  entries: T[],
  length: number,
  threshold: number,
  mustContain?: string,
): { span: T[]; evidence: T[] } | null {
  const sorted = sortEntries(entries);
  const pivot = mustContain === undefined ? undefined : sorted.find((e) => e.id === mustContain);
  if (mustContain !== undefined && !pivot) return null;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!.time;
    if (pivot && (start > pivot.time || start < pivot.time - length)) continue;
    const span = spanFrom(sorted, i, length);
    if (pivot && !span.includes(pivot)) continue;
    if (span.length >= threshold) return { span, evidence: span.slice(0, threshold) };
  }
  return null;
}

/** Distinct sellers in order of first appearance, with the entry that introduced each. */
export function distinctSellers<T extends Entry>(entries: T[]): T[] {
  const seen = new Set<string>();
  const firsts: T[] = [];
  for (const e of sortEntries(entries)) {
    if (seen.has(e.sellerId)) continue;
    seen.add(e.sellerId);
    firsts.push(e);
  }
  return firsts;
}

/**
 * The earliest span of `length` containing `mustContain` with at least `threshold` distinct
 * sellers; evidence = the first entry of each of the first `threshold` sellers.
 */
export function firstDistinctSpan<T extends Entry>(
  entries: T[],
  length: number,
  threshold: number,
  mustContain: string,
): { span: T[]; evidence: T[] } | null {
  const sorted = sortEntries(entries);
  const pivot = sorted.find((e) => e.id === mustContain);
  if (!pivot) return null;
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i]!.time;
    if (start > pivot.time || start < pivot.time - length) continue;
    const span = spanFrom(sorted, i, length);
    if (!span.includes(pivot)) continue;
    const sellers = distinctSellers(span);
    if (sellers.length >= threshold) return { span, evidence: sellers.slice(0, threshold) };
  }
  return null;
}

export function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}
