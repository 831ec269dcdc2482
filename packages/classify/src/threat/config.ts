import { z } from 'zod';

// The threat classifier's phrases are configuration, not code (DESIGN.md, rule catalogue). The
// config is plain JSON-compatible data so it can live in a file, an env variable or a database
// row; regexes are strings and are compiled (and rejected when invalid) when the config is parsed.

/** Flags every configured regex is compiled with: global, case-insensitive, Unicode. */
export const PHRASE_REGEX_FLAGS = 'giu';

function compiles(source: string): boolean {
  try {
    new RegExp(source, PHRASE_REGEX_FLAGS);
    return true;
  } catch {
    return false;
  }
}

/**
 * One phrase. A plain string is matched literally and case-insensitively; when it starts with an
 * ASCII letter or digit it must start a word (so `refund` matches "refunds" and "Refund," but not
 * "prerefund"). `{ re }` is a regular expression source compiled with the flags `giu`; use it for
 * word order, optional words and boundaries on both sides.
 */
export const Phrase = z.union([
  z.string().min(1).max(200),
  z.object({
    re: z
      .string()
      .min(1)
      .max(500)
      .refine(compiles, { message: 'not a valid regular expression (flags giu)' }),
  }),
]);
export type Phrase = z.infer<typeof Phrase>;

const PhraseList = z.array(Phrase).max(500);

/**
 * Negation: a phrase match is cancelled when a `before` cue occurs in the window of text that
 * precedes it, or an `after` cue in the window that follows it. A window is at most `windowChars`
 * characters long and stops at the nearest `boundaries` match (punctuation, "but", "or",
 * "otherwise", "否则", "就" ...), so "if you don't refund, I'll complain" does not negate the lever.
 */
export const NegationConfig = z.object({
  /** Cues before a demand that cancel it ("I don't want", "不需要", "got my"). */
  demandBefore: PhraseList.default([]),
  /** Cues right after a demand that cancel it ("不用了", "is not necessary"). */
  demandAfter: PhraseList.default([]),
  /** Cues before a lever that cancel it ("won't", "never", "不会", "没"). */
  leverBefore: PhraseList.default([]),
  /** Cues right after a lever that cancel it ("差评不会给的"). */
  leverAfter: PhraseList.default([]),
  /** Where a negation window stops. */
  boundaries: PhraseList.default([]),
  /** Longest window looked at, in characters (code units). Default 24. */
  windowChars: z.number().int().min(1).max(200).default(24),
});
export type NegationConfig = z.infer<typeof NegationConfig>;

export const LanguagePhrases = z.object({
  /** Money, refund, compensation, coupon, discount, free item or other benefit asked for. */
  demand: PhraseList.min(1),
  /** Pressure that makes a demand a threat on its own: complaint, bad review, report, law. */
  lever: PhraseList.min(1),
  /**
   * Pressure too common in honest chat to count alone ("lowest price", "最低价", "false
   * advertising"): counts only when a `conditional` phrase or a strong lever is also present.
   */
  weakLever: PhraseList.default([]),
  /** Phrases that tie the demand to the lever: "otherwise", "or else", "unless", "否则", "不然". */
  conditional: PhraseList.default([]),
  /**
   * Phrases that neutralise any demand or lever match they overlap, for fixed expressions that
   * contain a phrase but are not one ("thanks for the refund", "退款已到账", "最低价是多少").
   */
  exclude: PhraseList.default([]),
  negation: NegationConfig.default({
    demandBefore: [],
    demandAfter: [],
    leverBefore: [],
    leverAfter: [],
    boundaries: [],
    windowChars: 24,
  }),
});
export type LanguagePhrases = z.infer<typeof LanguagePhrases>;
export type LanguagePhrasesInput = z.input<typeof LanguagePhrases>;

export const ThreatClassifierConfig = z.object({
  /** Phrase sets keyed by language code (e.g. `en`, `zh`). Every set is applied to every message. */
  languages: z
    .record(z.string().regex(/^[a-z]{2,3}$/), LanguagePhrases)
    .refine((r) => Object.keys(r).length > 0, {
      message: 'at least one language is required',
    }),
  /** Longest snippet returned, in characters (code points). Default 60. */
  snippetMaxChars: z.number().int().min(10).max(200).default(60),
  /** Only the first `maxTextChars` characters of a message are looked at. Default 4000 (the contract's limit). */
  maxTextChars: z.number().int().min(1).max(100_000).default(4000),
});
export type ThreatClassifierConfig = z.infer<typeof ThreatClassifierConfig>;
export type ThreatClassifierConfigInput = z.input<typeof ThreatClassifierConfig>;
