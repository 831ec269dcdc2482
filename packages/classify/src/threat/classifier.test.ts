import { VigilError } from '@vigil/common';
import fc from 'fast-check';
import { measureAccuracy } from './accuracy';
import { createThreatClassifier, normaliseText } from './classifier';
import { HELD_OUT_EN, HELD_OUT_ZH, type LabelledMessage, TUNING_EN, TUNING_ZH } from './labelled';
import { DEFAULT_THREAT_CONFIG } from './phrases';

const classifier = createThreatClassifier(DEFAULT_THREAT_CONFIG);
const label = (row: LabelledMessage) => (row.threat ? 'threat' : 'not a threat');
const codePoints = (s: string) => Array.from(s).length;
const hasLoneSurrogate = (s: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('threat classifier on the labelled tables', () => {
  it('has at least 40 labelled sentences per language, threats and non-threats mixed', () => {
    for (const table of [TUNING_EN, TUNING_ZH]) {
      expect(table.length).toBeGreaterThanOrEqual(40);
      expect(table.filter((r) => r.threat).length).toBeGreaterThanOrEqual(15);
      expect(table.filter((r) => !r.threat).length).toBeGreaterThanOrEqual(15);
    }
  });

  describe.each([
    ['English', TUNING_EN],
    ['Chinese', TUNING_ZH],
  ])('%s', (_language, table) => {
    it.each(table.map((row) => [label(row), row.text, row] as const))('%s: %s', (_l, _t, row) => {
      expect(classifier.classify(row.text).threat).toBe(row.threat);
    });

    it('is fully accurate on its tuning table', () => {
      const accuracy = measureAccuracy(classifier, table);
      expect(accuracy.errors).toEqual([]);
      expect(accuracy.accuracy).toBe(1);
    });
  });

  // The held-out rows were written after the phrases were frozen; misses there are known gaps
  // (docs/classify.md). What must hold is the false-positive stance: no honest buyer flagged.
  it.each([
    ['English', HELD_OUT_EN],
    ['Chinese', HELD_OUT_ZH],
  ])('flags no honest %s message of the held-out table and finds most threats', (_language, table) => {
    const accuracy = measureAccuracy(classifier, table);
    expect(accuracy.falsePositives).toBe(0);
    expect(accuracy.accuracy).toBeGreaterThanOrEqual(0.8);
  });
});

describe('threat classifier behaviour', () => {
  it('reports the demand and the lever it found', () => {
    const r = classifier.classify('Give me a 50% refund or I will leave a bad review.');
    expect(r).toMatchObject({ threat: true, demand: 'refund', lever: 'bad review' });
    const zh = classifier.classify('不给我赔偿我就给你差评。');
    expect(zh.threat).toBe(true);
    expect(zh.demand).toBe('赔偿');
    expect(zh.lever).toContain('差评');
  });

  it('keeps a demand without a lever as a demand but not a threat, with no snippets', () => {
    const r = classifier.classify('I want a refund because it arrived damaged.');
    expect(r).toEqual({ threat: false, demand: 'refund', snippets: [] });
  });

  it('does not count a negated lever', () => {
    expect(classifier.classify('Refund please. I will not leave a bad review, promise.').threat).toBe(false);
    expect(classifier.classify('请退款，我不会给差评的。').threat).toBe(false);
  });

  it('does not let a negation in the demand clause cancel the lever', () => {
    expect(classifier.classify("If you don't refund me I'll report you to the platform").threat).toBe(true);
    expect(classifier.classify('不退款我就给你差评').threat).toBe(true);
  });

  it('counts a weak lever (lowest price) only when the demand is made conditional on it', () => {
    expect(classifier.classify('最低价是多少？有优惠券吗？').threat).toBe(false);
    expect(classifier.classify('你们写了最低价，给我优惠券，不然你看着办。').threat).toBe(true);
  });

  it('matches full-width digits and punctuation', () => {
    expect(classifier.classify('不赔偿我就打１２３１５').threat).toBe(true);
  });

  it('returns snippets of at most 60 characters around the matches, never the whole text', () => {
    const filler = 'The parcel came late and the box was a little bit crushed on one side. '.repeat(20);
    const text = `${filler}Give me compensation or I will leave a bad review. ${filler}`;
    const r = classifier.classify(text);
    expect(r.threat).toBe(true);
    expect(r.snippets.length).toBeGreaterThan(0);
    for (const s of r.snippets) {
      expect(codePoints(s)).toBeLessThanOrEqual(60);
      expect(normaliseText(text)).toContain(s);
    }
    expect(r.snippets.join(' ')).toContain('compensation');
    expect(r.snippets.join(' ')).toContain('bad review');
    const serialised = JSON.stringify(r);
    expect(serialised).not.toContain(filler.trim());
    expect(serialised.length).toBeLessThan(400);
  });

  it('returns two bounded snippets when demand and lever are far apart', () => {
    const text = `I want compensation. ${'x'.repeat(200)} Otherwise I will file a complaint.`;
    const r = classifier.classify(text);
    expect(r.threat).toBe(true);
    expect(r.snippets).toHaveLength(2);
    expect(r.snippets[0]).toContain('compensation');
    expect(r.snippets[1]).toContain('file a complaint');
    for (const s of r.snippets) expect(codePoints(s)).toBeLessThanOrEqual(60);
  });

  it('keeps every snippet within the bound, inside the text and without split characters', () => {
    const pieces = fc.constantFrom(
      'refund',
      ' or I will leave a bad review',
      '赔偿',
      '不然投诉',
      '😀',
      ' ',
      '，',
      'abc',
      '很',
      '广告法',
      'otherwise ',
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 30 })), { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const r = classifier.classify(text);
        if (!r.threat) expect(r.snippets).toEqual([]);
        for (const s of r.snippets) {
          expect(codePoints(s)).toBeLessThanOrEqual(60);
          expect(normaliseText(text)).toContain(s);
          expect(hasLoneSurrogate(s)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('honours a configured snippet bound', () => {
    const short = createThreatClassifier({ ...DEFAULT_THREAT_CONFIG, snippetMaxChars: 20 });
    const r = short.classify(
      'Hello there, give me compensation now or I will leave a bad review on this shop.',
    );
    expect(r.threat).toBe(true);
    for (const s of r.snippets) expect(codePoints(s)).toBeLessThanOrEqual(20);
  });

  it('only looks at the first maxTextChars characters', () => {
    const limited = createThreatClassifier({ ...DEFAULT_THREAT_CONFIG, maxTextChars: 100 });
    const text = `${'a'.repeat(120)} give me a refund or I will leave a bad review`;
    expect(limited.classify(text).threat).toBe(false);
    expect(classifier.classify(text).threat).toBe(true);
  });
});

describe('threat classifier configuration', () => {
  it('takes its phrases from the config, for any language', () => {
    const french = createThreatClassifier({
      languages: {
        fr: {
          demand: ['remboursement', { re: String.raw`\bremboursez` }],
          lever: [{ re: String.raw`\bmauvais (avis|commentaire)` }],
        },
      },
    });
    expect(french.classify('Remboursez-moi sinon je laisse un mauvais avis.').threat).toBe(true);
    expect(french.classify('Je voudrais un remboursement, merci.').threat).toBe(false);
    // The default English phrases are not part of that config.
    expect(french.classify('Give me a refund or I will leave a bad review').threat).toBe(false);
  });

  it('rejects an invalid regex with a non-retriable VigilError', () => {
    const bad = () =>
      createThreatClassifier({ languages: { en: { demand: [{ re: '(unclosed' }], lever: ['x'] } } });
    expect(bad).toThrow(VigilError);
    try {
      bad();
    } catch (err) {
      expect((err as VigilError).code).toBe('CLASSIFIER_CONFIG_INVALID');
      expect((err as VigilError).retriable).toBe(false);
      expect((err as Error).message).toContain('languages.en.demand.0');
    }
  });

  it('rejects a config without languages or with an empty demand list', () => {
    expect(() => createThreatClassifier({ languages: {} })).toThrow(VigilError);
    expect(() => createThreatClassifier({ languages: { en: { demand: [], lever: ['x'] } } })).toThrow(
      /demand/,
    );
  });
});
