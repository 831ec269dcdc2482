// Property-based fuzzing of the decoder every detector runs on every Kafka message. The guarantee
// under test (DESIGN.md, "Guarantees"): bad input never stops a partition. So for ANY bytes,
// decodeEvent must return — never throw — either a valid event or a rejection with a non-empty,
// bounded reason and a code from the small fixed set (it labels a metric), and it must never
// mutate Object.prototype. Where the input determines the answer (truncation, a wrong type at a
// known path, a string over a known limit), the expected outcome is computed from the input.
import fc from 'fast-check';
import { decodeEvent, encodeEvent, MAX_EVENT_BYTES, type RejectCode, validateEvent } from './codec';
import { EXAMPLE_LIST, EXAMPLES } from './examples';
import { type MarketEvent, MarketEvent as MarketEventSchema, TOPIC_BY_TYPE } from './market';

const CODES: readonly RejectCode[] = [
  'too_large',
  'empty',
  'not_utf8',
  'invalid_json',
  'not_object',
  'unknown_type',
  'schema',
  'wrong_topic',
];
/** A dead letter's reason is stored and logged; it must stay small whatever the input. */
const MAX_REASON_CHARS = 2000;
const RUNS = Number(process.env['VIGIL_FUZZ_RUNS'] ?? 300);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = Array<string | number>;

// Examples with every optional field present, so mutations reach them too.
const FULL_PLACED = structuredClone(EXAMPLES['order.placed']);
FULL_PLACED.id = 'e-placed-full';
FULL_PLACED.data = {
  ...FULL_PLACED.data,
  items: [
    { skuId: 'sku-1', qty: 2, unitPrice: 19.9 },
    { skuId: 'sku-2', qty: 1, unitPrice: 0 },
  ],
  shippingAddress: { ...FULL_PLACED.data.shippingAddress, geo: { lat: 30.25, lon: 120.16 } },
  promotionId: 'p-1',
  ipHash: 'ip-1',
};
const FULL_LABEL = structuredClone(EXAMPLES['seller.label']);
FULL_LABEL.data = { ...FULL_LABEL.data, note: 'tracking reused', evidenceRefs: ['img-1', 'img-2'] };
const UNICODE_CHAT = structuredClone(EXAMPLES['chat.message']);
UNICODE_CHAT.data.text = '给我赔偿，否则差评 😀 שלום مرحبا e\u0301';
const SOURCES: MarketEvent[] = [...EXAMPLE_LIST, FULL_PLACED, FULL_LABEL, UNICODE_CHAT];

const asJson = (e: MarketEvent): Json => JSON.parse(JSON.stringify(e)) as Json;
const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Every path below the root (inner nodes and leaves). */
function allPaths(v: Json, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (Array.isArray(v)) {
    for (const [i, c] of v.entries()) out.push([...prefix, i], ...allPaths(c, [...prefix, i]));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, c] of Object.entries(v)) out.push([...prefix, k], ...allPaths(c, [...prefix, k]));
  }
  return out;
}
/** Paths of every object, the root included. */
function objectPaths(v: Json, prefix: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((c, i) => objectPaths(c, [...prefix, i]));
  if (v === null || typeof v !== 'object') return [];
  return [prefix, ...Object.entries(v).flatMap(([k, c]) => objectPaths(c, [...prefix, k]))];
}
function getAt(root: Json, path: Path): Json {
  let cur: Json = root;
  for (const p of path) cur = (cur as Record<string | number, Json>)[p] as Json;
  return cur;
}
/** Sets an OWN property even for `__proto__` (plain assignment would change the prototype). */
function defineAt(root: Json, path: Path, key: string | number, value: Json): void {
  Object.defineProperty(getAt(root, path), key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The invariant every input must satisfy; returns the result for further checks. */
function decodeChecked(bytes: Uint8Array, topic?: string) {
  let r: ReturnType<typeof decodeEvent>;
  try {
    r = decodeEvent(bytes, topic);
  } catch (err) {
    throw new Error(`decodeEvent threw on ${bytes.length} bytes: ${(err as Error).message}`);
  }
  if (r.ok) {
    // An accepted event is a contract event, and stable: re-encoding it decodes to itself.
    expect(MarketEventSchema.safeParse(r.event).success).toBe(true);
    expect(decodeEvent(encodeEvent(r.event))).toEqual(r);
    // Windows use event time: an accepted event time is a real instant.
    expect(Number.isFinite(Date.parse(r.event.occurredAt))).toBe(true);
  } else {
    expect(CODES).toContain(r.code);
    expect(typeof r.reason).toBe('string');
    expect(r.reason.length).toBeGreaterThan(0);
    expect(r.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
  }
  return r;
}
const text = (s: string) => Buffer.from(s, 'utf8');

const protoNamesBefore = Object.getOwnPropertyNames(Object.prototype).sort();
afterEach(() => {
  // No input may pollute the prototype every object in the process inherits from.
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoNamesBefore);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
});

describe('decodeEvent under fuzzing', () => {
  it('random bytes: a valid event or a bounded rejection, never a throw', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.option(fc.constantFrom(...Object.values(TOPIC_BY_TYPE))),
        (b, topic) => {
          decodeChecked(b, topic ?? undefined);
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('random JSON values: rejected as not an object / unknown type / schema', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = decodeChecked(text(JSON.stringify(v) ?? 'null'));
        // Random JSON is never an event: the valid-type set is too narrow to hit by chance.
        expect(r.ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('every strict prefix of a valid event is rejected as empty, invalid JSON or invalid UTF-8', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SOURCES).chain((e) => {
          const b = encodeEvent(e);
          return fc.tuple(fc.constant(b), fc.integer({ min: 0, max: b.length - 1 }));
        }),
        ([b, cut]) => {
          const r = decodeChecked(b.subarray(0, cut));
          expect(r.ok).toBe(false);
          // A JSON object only closes at its last byte, so no strict prefix is JSON; a cut inside
          // a multi-byte character is not UTF-8.
          const expected = cut === 0 ? ['empty'] : ['invalid_json', 'not_utf8'];
          expect(expected).toContain(!r.ok && r.code);
        },
      ),
      { numRuns: RUNS },
    );
    // And the full bytes still decode: the oracle above is not vacuous.
    for (const e of SOURCES) expect(decodeEvent(encodeEvent(e))).toEqual({ ok: true, event: e });
  });

  it('a value of the wrong JSON type at any path is rejected, naming that path', () => {
    const cases = fc.constantFrom(...SOURCES).chain((e) => {
      const json = asJson(e);
      return fc.tuple(fc.constant(json), fc.constantFrom(...allPaths(json)));
    });
    fc.assert(
      fc.property(cases, fc.jsonValue({ maxDepth: 3 }), ([json, path], value) => {
        const original = getAt(json, path);
        fc.pre(kind(value) !== kind(original));
        const mutated = structuredClone(json);
        const parent = path.slice(0, -1);
        defineAt(mutated, parent, path[path.length - 1]!, value as Json);
        const r = decodeChecked(text(JSON.stringify(mutated)));
        expect(r.ok).toBe(false);
        if (r.ok) return;
        if (path.length === 1 && path[0] === 'type') {
          expect(r.code).toBe('unknown_type');
        } else {
          expect(r.code).toBe('schema');
          expect(r.reason).toContain(`${path.join('.')}:`);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('any value at any path: the invariant holds (and accepted mutants are contract events)', () => {
    const cases = fc.constantFrom(...SOURCES).chain((e) => {
      const json = asJson(e);
      return fc.tuple(fc.constant(json), fc.constantFrom(...allPaths(json)));
    });
    fc.assert(
      fc.property(cases, fc.jsonValue({ maxDepth: 3 }), ([json, path], value) => {
        const mutated = structuredClone(json);
        defineAt(mutated, path.slice(0, -1), path[path.length - 1]!, value as Json);
        decodeChecked(text(JSON.stringify(mutated)));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  // [type, path, min length, max length]; zod counts the maximum in code points (an emoji is one).
  const limited: Array<[keyof typeof EXAMPLES, Path, number, number]> = [
    ['order.paid', ['id'], 1, 128],
    ['order.paid', ['buyerId'], 1, 64],
    ['order.paid', ['sellerId'], 1, 64],
    ['order.paid', ['orderId'], 1, 64],
    ['order.shipped', ['data', 'trackingNo'], 1, 128],
    ['chat.message', ['data', 'text'], 0, 4000],
    ['review.posted', ['data', 'text'], 0, 4000],
    ['seller.label', ['data', 'note'], 0, 1000],
    ['order.placed', ['data', 'shippingAddress', 'line'], 0, 500],
  ];
  it('huge strings: too_large over 64 KiB, else a schema rejection over the field limit, else accepted', () => {
    const unit = fc.constantFrom('x', 'é', '中', '😀', '\u202e', 'ש');
    const len = fc.oneof(
      fc.integer({ min: 0, max: 140 }),
      fc.integer({ min: 900, max: 4100 }),
      fc.integer({ min: 4100, max: 70_000 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...limited), unit, len, ([type, path, min, max], u, n) => {
        const s = u.repeat(n);
        const json = asJson(EXAMPLES[type]);
        defineAt(json, path.slice(0, -1), path[path.length - 1]!, s);
        const bytes = text(JSON.stringify(json));
        const r = decodeChecked(bytes);
        if (bytes.length > MAX_EVENT_BYTES) {
          expect(r).toMatchObject({ ok: false, code: 'too_large' });
        } else if (s.length < min || [...s].length > max) {
          expect(r).toMatchObject({ ok: false, code: 'schema' });
          expect(!r.ok && r.reason).toContain(`${path.join('.')}:`);
        } else {
          expect(r.ok).toBe(true);
          expect(r.ok && getAt(r.event as unknown as Json, path)).toBe(s);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('deep nesting anywhere (up to the 64 KiB limit) never throws; ignored as an unknown field', () => {
    const where = fc.constantFrom('type', 'id', 'data', 'items', 'extra', 'note');
    fc.assert(
      fc.property(
        where,
        fc.constantFrom('[', '{'),
        fc.integer({ min: 1, max: 40_000 }),
        (at, open, depth) => {
          const nested =
            open === '['
              ? '['.repeat(depth) + ']'.repeat(depth)
              : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
          const base = at === 'note' ? EXAMPLES['seller.label'] : EXAMPLES['order.placed'];
          const json = asJson(base) as Record<string, Json>;
          const marker = '"__NESTED__"';
          if (at === 'items') (json['data'] as Record<string, Json>)['items'] = '__NESTED__';
          else if (at === 'note') (json['data'] as Record<string, Json>)['note'] = '__NESTED__';
          else json[at] = '__NESTED__';
          const bytes = text(JSON.stringify(json).replace(marker, nested));
          const r = decodeChecked(bytes);
          if (bytes.length > MAX_EVENT_BYTES) expect(r).toMatchObject({ ok: false, code: 'too_large' });
          else if (at === 'extra') expect(r).toEqual({ ok: true, event: base });
          else expect(r.ok).toBe(false);
        },
      ),
      { numRuns: RUNS / 3 },
    );
  });

  it('prototype-pollution keys at every level are ignored like any unknown field', () => {
    const cases = fc.constantFrom(...SOURCES).chain((e) => {
      const json = asJson(e);
      return fc.tuple(fc.constant(e), fc.constant(json), fc.constantFrom(...objectPaths(json)));
    });
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype');
    const value = fc.oneof(
      fc.constant<Json>({ polluted: true }),
      fc.constant<Json>({ prototype: { polluted: true } }),
      fc.constant<Json>({ toString: 'x', hasOwnProperty: 1 }),
      fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
    );
    fc.assert(
      fc.property(cases, key, value, ([event, json, path], k, v) => {
        const mutated = structuredClone(json);
        defineAt(mutated, path, k, v);
        const bytes = text(JSON.stringify(mutated));
        expect(bytes.toString()).toContain(`"${k}":`);
        const r = decodeChecked(bytes);
        // The key is not in the contract, so the event decodes to the original, without the key
        // and with ordinary prototypes.
        expect(r).toEqual({ ok: true, event });
        if (!r.ok) return;
        for (const p of objectPaths(asJson(r.event))) {
          const node = getAt(r.event as unknown as Json, p) as object;
          expect(Object.getPrototypeOf(node)).toBe(Object.prototype);
          expect(Object.hasOwn(node, k)).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  describe('unicode', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '\ud800',
        '\udfff',
        '\udc00\ud800',
        '\u202e',
        '\u200f',
        'שלום',
        'مرحبا',
        '😀',
        '👨‍👩‍👧',
        'e\u0301',
        '中文',
        '\ufeff',
        '\u0000',
        '\u001f',
      ),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
    );
    const ident = fc.array(piece, { maxLength: 10 }).map((a) => a.join(''));
    const illFormed = (s: string) =>
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

    it('identifiers: accepted only when they survive the UTF-8 round trip Redis keys and job ids make', () => {
      fc.assert(
        fc.property(
          fc.constantFrom<Path>(['id'], ['buyerId'], ['sellerId'], ['orderId']),
          ident,
          (path, id) => {
            const json = asJson(EXAMPLES['order.paid']);
            defineAt(json, [], path[0]!, id);
            const r = decodeChecked(text(JSON.stringify(json)));
            const max = path[0] === 'id' ? 128 : 64;
            // Identifiers become Redis keys, BullMQ job ids and PostgreSQL text: two ids that differ
            // only in lone surrogates would collide once encoded to UTF-8 (and PostgreSQL rejects
            // NUL), so such an identifier must be dead-lettered, not accepted.
            const usable =
              id.length >= 1 && [...id].length <= max && !illFormed(id) && !id.includes('\u0000');
            expect(r.ok).toBe(usable);
            if (r.ok) {
              const v = (r.event as unknown as Record<string, string>)[path[0] as string]!;
              expect(v).toBe(id);
              expect(Buffer.from(v, 'utf8').toString('utf8')).toBe(v);
            } else {
              expect(r.code).toBe('schema');
            }
          },
        ),
        { numRuns: RUNS * 2 },
      );
    });

    it('free text keeps RTL marks, emoji and combining characters exactly', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
          const json = asJson(EXAMPLES['chat.message']);
          (json as { data: { text: string } }).data.text = s;
          const r = decodeChecked(text(JSON.stringify(json)));
          expect(r.ok && r.event.type === 'chat.message' && r.event.data.text).toBe(s);
        }),
        { numRuns: RUNS },
      );
    });

    it('a lone surrogate written as raw (CESU-8) bytes is not UTF-8', () => {
      const valid = encodeEvent(EXAMPLES['chat.message']).toString('latin1');
      const cesu = Buffer.from(valid.replace('hello', 'he\xed\xa0\x80llo'), 'latin1');
      expect(decodeChecked(cesu)).toMatchObject({ ok: false, code: 'not_utf8' });
    });
  });

  describe('regressions found by this fuzzing', () => {
    it('a deeply nested array as `type` is rejected, not a stack overflow', () => {
      // Used to throw RangeError (JSON.stringify of the value in the reason): one such message
      // would have crash-looped a detector on its partition.
      const depth = 20_000;
      const raw = `{"type":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      expect(decodeChecked(text(raw))).toMatchObject({ ok: false, code: 'unknown_type' });
    });
    it('two buyer ids that differ only in a lone surrogate are not both accepted', () => {
      // Both would encode to the same UTF-8 bytes (U+FFFD), i.e. the same Redis window keys.
      const a = `b-\\ud800`;
      const b = `b-\\ud801`;
      expect(Buffer.from(JSON.parse(`"${a}"`)).equals(Buffer.from(JSON.parse(`"${b}"`)))).toBe(true);
      for (const id of [a, b]) {
        const raw = JSON.stringify(EXAMPLES['order.paid']).replace('"b-1"', `"${id}"`);
        expect(decodeChecked(text(raw))).toMatchObject({ ok: false, code: 'schema' });
      }
    });
  });

  describe('event time', () => {
    // The decoder accepts any well-formed ISO-8601 UTC instant from year 0000 to 9999: whether an
    // event is too far in the past or the future is the rule engine's policy (docs/guarantees.md,
    // "Event time"), because it needs the subject's watermark and the arrival time.
    it('far past and far future instants are well-formed events', () => {
      for (const at of ['0000-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
        const r = validateEvent({ ...EXAMPLES['order.paid'], occurredAt: at });
        expect(r.ok && Date.parse(r.event.occurredAt)).toBe(Date.parse(at));
      }
    });
    it('impossible or zoned instants are rejected', () => {
      for (const at of [
        '2026-02-30T00:00:00Z',
        '2026-13-01T00:00:00Z',
        '2026-11-26T24:00:00Z',
        '2026-11-26T10:00:00+08:00',
        '+275760-09-13T00:00:00Z',
        '1e13',
      ]) {
        expect(validateEvent({ ...EXAMPLES['order.paid'], occurredAt: at })).toMatchObject({
          ok: false,
          code: 'schema',
        });
      }
    });
    it('random strings as occurredAt: accepted ones are finite instants', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          (at) => {
            const json = asJson(EXAMPLES['order.paid']);
            (json as Record<string, Json>)['occurredAt'] = at;
            decodeChecked(text(JSON.stringify(json)));
          },
        ),
        { numRuns: RUNS },
      );
    });
  });
});
