import { type CaseHit, percentile, qualityMarkdown, SendLog, scoreQuality, type TruthBuyer } from './quality';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function buyer(id: string, profile: string, rules: string[], eventId = `e-${id}`): TruthBuyer {
  return {
    buyerId: id,
    profile,
    abusive: rules.length > 0 || profile.startsWith('abusive'),
    rules,
    triggers: rules.map((ruleId) => ({ ruleId, eventId, at: iso(T0), triggerAt: iso(T0) })),
  };
}

describe('scoreQuality', () => {
  const truth: TruthBuyer[] = [
    buyer('a1', 'bulk-non-payment', ['bulk-non-payment']),
    buyer('a2', 'bulk-non-payment', ['bulk-non-payment']),
    buyer('a3', 'refund-frequency', ['refund-frequency']),
    buyer('a4', 'review-extortion', ['review-extortion', 'threat-chat']),
    buyer('h1', 'ordinary', []),
    buyer('h2', 'ordinary', []),
    buyer('h3', 'returner', []),
    buyer('h4', 'ordinary', []),
  ];
  // Ready times: every decisive event was acknowledged at 1000 ms.
  const readyAt = () => 1000;
  const hits: CaseHit[] = [
    { buyerId: 'a1', ruleId: 'bulk-non-payment', createdAtMs: 1100 },
    { buyerId: 'a1', ruleId: 'bulk-non-payment', createdAtMs: 5000 }, // second evidence row: first one counts
    { buyerId: 'a3', ruleId: 'refund-frequency', createdAtMs: 1300 },
    { buyerId: 'a3', ruleId: 'bulk-non-payment', createdAtMs: 1400 }, // abusive, wrong rule
    { buyerId: 'a4', ruleId: 'review-extortion', createdAtMs: 1200 },
    { buyerId: 'a4', ruleId: 'threat-chat', createdAtMs: 900 }, // before the decisive event was sent
    { buyerId: 'h3', ruleId: 'refund-frequency', createdAtMs: 2000 }, // honest buyer flagged
    { buyerId: 'zz', ruleId: 'refund-frequency', createdAtMs: 2000 }, // not in truth: ignored
  ];
  const score = scoreQuality(truth, hits, readyAt);

  it('computes per-rule precision and recall with the profile behind each mismatch', () => {
    expect(score.rules['bulk-non-payment']).toMatchObject({
      expected: 2,
      flagged: 2,
      truePositives: 1,
      falsePositives: 1,
      falseNegatives: 1,
      precision: 0.5,
      recall: 0.5,
      falsePositiveProfiles: { 'refund-frequency': 1 },
      missedProfiles: { 'bulk-non-payment': 1 },
      examples: { missed: ['a2'], falsePositive: ['a3'] },
    });
    expect(score.rules['refund-frequency']).toMatchObject({
      expected: 1,
      flagged: 2,
      truePositives: 1,
      precision: 0.5,
      recall: 1,
      falsePositiveProfiles: { returner: 1 },
    });
    expect(score.rules['review-extortion']).toMatchObject({ precision: 1, recall: 1 });
  });

  it('scores buyers overall and the honest false-positive rate', () => {
    // Flagged: a1, a3, a4, h3. Expected: a1..a4 (a2 missed).
    expect(score.overall).toEqual({
      expected: 4,
      flagged: 4,
      truePositives: 3,
      falsePositives: 1,
      falseNegatives: 1,
      precision: 0.75,
      recall: 0.75,
    });
    expect(score.honest).toEqual({ buyers: 4, withCase: 1, rate: 0.25, byProfile: { returner: 1 } });
  });

  it('measures delay from ready time to the first evidence row, setting early detections apart', () => {
    // True-positive pairs: a1 bnp 100, a3 rf 300, a4 re 200, a4 threat-chat early.
    expect(score.delay).toEqual({ count: 3, p50Ms: 200, p99Ms: 300, maxMs: 300, early: 1 });
  });

  it('reports null rather than a made-up figure when a ratio is undefined', () => {
    const s = scoreQuality([buyer('h', 'ordinary', [])], [], readyAt);
    expect(s.overall.precision).toBeNull();
    expect(s.overall.recall).toBeNull();
    expect(s.honest.rate).toBe(0);
    expect(s.delay.p50Ms).toBeNull();
  });

  it('renders a Markdown table naming mismatching profiles', () => {
    const md = qualityMarkdown(score, 'seed 42');
    expect(md).toContain('| bulk-non-payment | 2 | 2 | 1 | 1 | 1 | 0.500 | 0.500 |');
    expect(md).toContain('Honest buyers with a case: 1 of 4 (25.00 %)');
    expect(md).toContain('- refund-frequency: false positives by profile: returner 1');
  });
});

describe('percentile', () => {
  it('uses nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('SendLog', () => {
  const ev = (id: string, minutes: number) => ({ id, occurredAt: iso(T0 + minutes * 60_000) });
  it('is ready when the decisive event was sent, or later once event time reached a delayed trigger', () => {
    const log = new SendLog(new Set(['d1']));
    log.record([ev('x', 0), ev('d1', 1)], 100);
    log.record([ev('y', 10)], 200);
    log.record([ev('z', 20)], 300);
    const trig = (minutesLater: number) => ({
      ruleId: 'bulk-non-payment',
      eventId: 'd1',
      at: iso(T0 + 60_000),
      triggerAt: iso(T0 + (1 + minutesLater) * 60_000),
    });
    expect(log.readyAt(trig(0))).toBe(100);
    expect(log.readyAt(trig(15))).toBe(300);
    // No event ever reached the trigger time: count from the decisive event's send.
    expect(log.readyAt(trig(60))).toBe(100);
    expect(log.readyAt({ ...trig(0), eventId: 'never-sent' })).toBeUndefined();
  });
});
