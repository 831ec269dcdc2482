import { VigilError } from '@vigil/common';
import {
  PHRASE_REGEX_FLAGS,
  type Phrase,
  ThreatClassifierConfig,
  type ThreatClassifierConfigInput,
} from './config';

/** What the classifier says about one buyer chat message. */
export interface ThreatResult {
  /** True when the message ties a demand for a benefit to a lever (complaint, bad review ...). */
  threat: boolean;
  /** The demand phrase found (its matched text, lower-cased), when there is one that is not negated. */
  demand?: string;
  /** The lever phrase found (its matched text, lower-cased), when there is one that is not negated. */
  lever?: string;
  /**
   * Evidence for a threat: the text around the demand and the lever, each at most
   * `snippetMaxChars` characters. Empty when `threat` is false, so nothing of an ordinary
   * message is kept.
   */
  snippets: string[];
}

export interface ThreatClassifier {
  classify(text: string): ThreatResult;
}

interface Span {
  start: number;
  end: number;
}

interface Hit extends Span {
  text: string;
}

interface CompiledNegation {
  before: RegExp[];
  after: RegExp[];
}

interface CompiledLanguage {
  demand: RegExp[];
  lever: RegExp[];
  weakLever: RegExp[];
  conditional: RegExp[];
  exclude: RegExp[];
  boundaries: RegExp[];
  demandNegation: CompiledNegation;
  leverNegation: CompiledNegation;
  windowChars: number;
}

const ASCII_WORD_START = /^[A-Za-z0-9]/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function compilePhrase(phrase: Phrase): RegExp {
  if (typeof phrase === 'string') {
    // Literal phrases are normalised like the text so a full-width phrase still matches.
    const literal = normaliseText(phrase);
    const prefix = ASCII_WORD_START.test(literal) ? '\\b' : '';
    return new RegExp(prefix + escapeRegExp(literal), PHRASE_REGEX_FLAGS);
  }
  return new RegExp(phrase.re, PHRASE_REGEX_FLAGS);
}

/**
 * The text every phrase is matched against: NFKC (full-width letters, digits and punctuation
 * become their ASCII forms, so "１２３１５" is "12315" and "，" is ","), typographic apostrophes and
 * quotes made plain, and runs of whitespace collapsed to one space.
 */
export function normaliseText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc\u00b4`]/g, "'")
    .replace(/[\u201c\u201d\u300c\u300d\u300e\u300f]/g, '"')
    .replace(/\s+/gu, ' ')
    .trim();
}

function findAll(patterns: RegExp[], text: string): Hit[] {
  const hits: Hit[] = [];
  for (const re of patterns) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      // An empty match is no evidence of anything (e.g. a regex that is all optional parts).
      if (m[0].length === 0) continue;
      hits.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
    }
  }
  return hits.sort((a, b) => a.start - b.start || b.end - a.end);
}

function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}

function anyMatch(patterns: RegExp[], text: string): boolean {
  // `search` ignores `lastIndex` and the global flag, so shared regexes are safe to reuse.
  return text.length > 0 && patterns.some((re) => text.search(re) >= 0);
}

/** The largest value in ascending `sorted` that is ≤ `limit`, or 0 (binary search: long messages have many boundaries). */
function lastAtOrBefore(sorted: number[], limit: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = sorted[mid]!;
    if (v <= limit) {
      found = v;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Decides whether a phrase match is negated. The window before the match runs back at most
 * `windowChars` characters and stops at the last boundary (punctuation, "but", "or", "否则", "就",
 * a new subject "I"/"我" ...), so a negation in another clause ("if you don't refund, I'll
 * complain") does not cancel it. The window after the match is the raw next `windowChars`
 * characters; its cues are written anchored (`^...`).
 */
function isNegated(
  hit: Span,
  text: string,
  negation: CompiledNegation,
  boundaryEnds: number[],
  windowChars: number,
): boolean {
  const from = Math.max(0, hit.start - windowChars, lastAtOrBefore(boundaryEnds, hit.start));
  if (anyMatch(negation.before, text.slice(from, hit.start))) return true;
  return anyMatch(negation.after, text.slice(hit.end, hit.end + windowChars));
}

/** Moves an index off the low half of a surrogate pair so a snippet never splits a character. */
function clampToCodePoint(text: string, index: number, direction: 1 | -1): number {
  let i = index;
  const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
  while (i > 0 && i < text.length && isLow(text.charCodeAt(i))) i += direction;
  return i;
}

function snippetAround(text: string, span: Span, max: number): string {
  const length = span.end - span.start;
  let start: number;
  let end: number;
  if (length >= max) {
    start = span.start;
    end = span.start + max;
  } else {
    start = Math.max(0, span.start - Math.floor((max - length) / 2));
    end = Math.min(text.length, start + max);
    start = Math.max(0, end - max);
  }
  // UTF-16 length bounds the code-point length, so `max` code units are at most `max` characters.
  start = clampToCodePoint(text, start, 1);
  end = clampToCodePoint(text, end, -1);
  return text.slice(start, end).trim();
}

function snippetsFor(text: string, a: Span, b: Span, max: number): string[] {
  const union = { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
  if (union.end - union.start <= max) return [snippetAround(text, union, max)];
  const first = a.start <= b.start ? a : b;
  const second = first === a ? b : a;
  return [snippetAround(text, first, max), snippetAround(text, second, max)];
}

function shorten(s: string, max: number): string {
  return Array.from(s.toLowerCase()).slice(0, max).join('').trim();
}

/**
 * Builds a threat classifier from a phrase configuration (validated here; an invalid config
 * throws `VigilError('CLASSIFIER_CONFIG_INVALID')`, not retriable).
 *
 * A message is a threat when it holds a demand (money, refund, compensation, coupon, discount,
 * free item, other benefit) and a lever (complaint, bad review, report, "advertising law" ...)
 * that are not negated and not inside an excluded expression; a weak lever ("lowest price",
 * "false advertising") counts only next to a conditional ("otherwise", "否则") . Every language's
 * phrases are applied to every message, so mixed-language messages are covered.
 */
export function createThreatClassifier(config: ThreatClassifierConfigInput): ThreatClassifier {
  const parsed = ThreatClassifierConfig.safeParse(config);
  if (!parsed.success) {
    throw new VigilError(
      'CLASSIFIER_CONFIG_INVALID',
      `invalid threat classifier config: ${parsed.error.issues
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      { retriable: false, cause: parsed.error },
    );
  }
  const { snippetMaxChars, maxTextChars } = parsed.data;
  const languages: CompiledLanguage[] = Object.values(parsed.data.languages).map((l) => ({
    demand: l.demand.map(compilePhrase),
    lever: l.lever.map(compilePhrase),
    weakLever: l.weakLever.map(compilePhrase),
    conditional: l.conditional.map(compilePhrase),
    exclude: l.exclude.map(compilePhrase),
    boundaries: l.negation.boundaries.map(compilePhrase),
    demandNegation: {
      before: l.negation.demandBefore.map(compilePhrase),
      after: l.negation.demandAfter.map(compilePhrase),
    },
    leverNegation: {
      before: l.negation.leverBefore.map(compilePhrase),
      after: l.negation.leverAfter.map(compilePhrase),
    },
    windowChars: l.negation.windowChars,
  }));

  function classify(raw: string): ThreatResult {
    const text = normaliseText(Array.from(raw).slice(0, maxTextChars).join(''));
    const demands: Hit[] = [];
    const levers: Hit[] = [];
    const weakLevers: Hit[] = [];
    let conditional = false;

    for (const lang of languages) {
      const excluded = findAll(lang.exclude, text);
      const boundaryEnds = findAll(lang.boundaries, text)
        .map((b) => b.end)
        .sort((a, b) => a - b);
      const keep = (negation: CompiledNegation) => (h: Hit) =>
        !excluded.some((x) => overlaps(x, h)) &&
        !isNegated(h, text, negation, boundaryEnds, lang.windowChars);
      demands.push(...findAll(lang.demand, text).filter(keep(lang.demandNegation)));
      levers.push(...findAll(lang.lever, text).filter(keep(lang.leverNegation)));
      weakLevers.push(...findAll(lang.weakLever, text).filter(keep(lang.leverNegation)));
      conditional ||= findAll(lang.conditional, text).length > 0;
    }

    const byPosition = (a: Hit, b: Hit) => a.start - b.start;
    const demand = demands.sort(byPosition)[0];
    // A strong lever wins; a weak one only counts when the message also makes it conditional.
    const lever = levers.sort(byPosition)[0] ?? (conditional ? weakLevers.sort(byPosition)[0] : undefined);

    const result: ThreatResult = { threat: false, snippets: [] };
    if (demand) result.demand = shorten(demand.text, snippetMaxChars);
    if (lever) result.lever = shorten(lever.text, snippetMaxChars);
    if (demand && lever) {
      result.threat = true;
      result.snippets = snippetsFor(text, demand, lever, snippetMaxChars);
    }
    return result;
  }

  return { classify };
}
