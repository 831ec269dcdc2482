import { type MarketEvent, RULE_IDS, TOPIC_BY_TYPE, validateEvent } from '@vigil/events';
import { generate } from './generate';
import { ABUSIVE_PROFILES, HONEST_PROFILES } from './profiles';
import { checkRules, firstFiringByBuyer } from './reference-checker';

const END = Date.parse('2026-11-26T00:00:00Z');
const ms = (e: MarketEvent) => Date.parse(e.occurredAt);

describe('generate', () => {
  const base = { seed: 7, buyers: 1500, end: END };
  const sim = generate(base);

  it('gives byte-identical output for the same seed and options', () => {
    const again = generate(base);
    expect(JSON.stringify(again.events)).toBe(JSON.stringify(sim.events));
    expect(JSON.stringify(again.truth)).toBe(JSON.stringify(sim.truth));
  });

  it('gives different output for a different seed', () => {
    const other = generate({ ...base, seed: 8 });
    expect(other.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(other.events.slice(0, 50))).not.toBe(JSON.stringify(sim.events.slice(0, 50)));
    // Ids carry the run tag, so two runs never share an event, order or buyer id.
    const ids = new Set(sim.events.map((e) => e.id));
    expect(other.events.some((e) => ids.has(e.id))).toBe(false);
  });

  it('emits only events valid under the contract, on the right topic, without extra fields', () => {
    expect(sim.events.length).toBeGreaterThan(10_000);
    const seenTypes = new Set<string>();
    const problems: string[] = [];
    const keys = (o: object) => Object.keys(o).sort().join();
    for (const e of sim.events) {
      const raw = JSON.parse(JSON.stringify(e));
      const r = validateEvent(raw, TOPIC_BY_TYPE[e.type]);
      if (!r.ok) problems.push(`${e.id}: ${r.reason}`);
      // Ground truth must never leak into events: nothing beyond what the schema keeps.
      else if (keys(raw) !== keys(r.event) || keys(raw.data) !== keys(r.event.data))
        problems.push(`${e.id}: extra fields`);
      seenTypes.add(e.type);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect([...seenTypes].sort()).toEqual(Object.keys(TOPIC_BY_TYPE).sort());
  });

  it('gives every event a unique id', () => {
    expect(new Set(sim.events.map((e) => e.id)).size).toBe(sim.events.length);
  });

  it('emits in global event-time order inside the span, so per-buyer order holds too', () => {
    const start = END - 30 * 86_400_000;
    let prev = -Infinity;
    const problems: string[] = [];
    const lastByBuyer = new Map<string, number>();
    for (const e of sim.events) {
      const t = ms(e);
      if (t < prev) problems.push(`${e.id} before the previous event`);
      if (t < start || t > END) problems.push(`${e.id} outside the span`);
      if (t < (lastByBuyer.get(e.buyerId) ?? -Infinity))
        problems.push(`${e.id} out of order for ${e.buyerId}`);
      lastByBuyer.set(e.buyerId, t);
      prev = t;
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('keeps each order causal: placed first, paid/cancelled/shipped after, delivered after shipped', () => {
    const placed = new Map<string, number>();
    const shipped = new Map<string, number>();
    const problems: string[] = [];
    for (const e of sim.events) {
      if (!e.orderId) continue;
      if (e.type === 'order.placed') {
        if (placed.has(e.orderId)) problems.push(`${e.orderId} placed twice`);
        placed.set(e.orderId, ms(e));
        continue;
      }
      if (!((placed.get(e.orderId) ?? Infinity) <= ms(e)))
        problems.push(`${e.id} before its order was placed`);
      if (e.type === 'order.shipped') shipped.set(e.orderId, ms(e));
      if (
        (e.type === 'order.delivered' || e.type === 'order.delivery_failed') &&
        !((shipped.get(e.orderId) ?? Infinity) < ms(e))
      ) {
        problems.push(`${e.id} delivered before shipped`);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });

  it('splits carts into one order per seller and keys every event by its buyer', () => {
    const sellersOfOrder = new Map<string, Set<string>>();
    for (const e of sim.events) {
      if (!e.orderId) continue;
      const s = sellersOfOrder.get(e.orderId) ?? new Set();
      s.add(e.sellerId);
      sellersOfOrder.set(e.orderId, s);
    }
    expect([...sellersOfOrder.values()].filter((s) => s.size !== 1)).toEqual([]);
    const buyers = new Set(sim.truth.map((t) => t.buyerId));
    expect(sim.events.filter((e) => !buyers.has(e.buyerId))).toEqual([]);
  });

  it('writes one truth line per buyer account', () => {
    expect(sim.truth).toHaveLength(1500);
    expect(new Set(sim.truth.map((t) => t.buyerId)).size).toBe(1500);
    for (const t of sim.truth) {
      if (!t.abusive) expect(t.rules).toEqual([]);
      for (const r of t.rules) expect(RULE_IDS).toContain(r);
    }
  });
});

describe('profile mix', () => {
  it.each([0, 0.03, 0.1])('makes about %p of the accounts abusive', (rate) => {
    const { truth } = generate({ seed: 11, buyers: 4000, end: END, abusiveRate: rate });
    const share = truth.filter((t) => t.abusive).length / truth.length;
    expect(Math.abs(share - rate)).toBeLessThanOrEqual(0.005);
  });

  it('shows every abusive profile at the default rate with enough buyers', () => {
    const { truth } = generate({ seed: 12, buyers: 6000, end: END });
    const seen = new Set(truth.filter((t) => t.abusive).map((t) => t.profile));
    expect([...seen].sort()).toEqual(Object.keys(ABUSIVE_PROFILES).sort());
    const honest = new Set(truth.filter((t) => !t.abusive).map((t) => t.profile));
    expect([...honest].sort()).toEqual(Object.keys(HONEST_PROFILES).sort());
  });

  it('follows the honest weights by account', () => {
    const { truth } = generate({
      seed: 13,
      buyers: 4000,
      end: END,
      abusiveRate: 0,
      honestWeights: {
        ordinary: 50,
        family: 30,
        wholesale: 20,
        defective: 0,
        'harsh-reviewer': 0,
        'polite-complainer': 0,
      },
    });
    const share = (p: string) => truth.filter((t) => t.profile === p).length / truth.length;
    expect(share('ordinary')).toBeCloseTo(0.5, 1);
    expect(share('family')).toBeCloseTo(0.3, 1);
    expect(share('wholesale')).toBeCloseTo(0.2, 1);
    expect(share('defective')).toBe(0);
  });

  it('honours abusive weights (weight 0 excludes a profile)', () => {
    const { truth } = generate({
      seed: 14,
      buyers: 3000,
      end: END,
      abusiveRate: 0.05,
      abusiveWeights: { 'competitor-review-burst': 0, 'bulk-non-payment': 5 },
    });
    const abusive = truth.filter((t) => t.abusive);
    expect(abusive.some((t) => t.profile === 'competitor-review-burst')).toBe(false);
    const bulk = abusive.filter((t) => t.profile === 'bulk-non-payment').length;
    const refund = abusive.filter((t) => t.profile === 'refund-frequency').length;
    expect(bulk).toBeGreaterThan(3 * refund);
  });
});

describe('duplicate-return-tracking truth', () => {
  it('expects only the re-user of a tracking number; its first user stays abusive with no rule', () => {
    const { truth, events } = generate({ seed: 32, buyers: 6000, end: END, abusiveRate: 0.05 });
    const byBuyer = new Map(truth.map((t) => [t.buyerId, t]));
    // Tracking number → its sends in event-time order.
    const sends = new Map<string, { buyerId: string; refundId: string }[]>();
    for (const e of events) {
      if (e.type !== 'return.shipped') continue;
      const xs = sends.get(e.data.trackingNo) ?? [];
      xs.push({ buyerId: e.buyerId, refundId: e.data.refundId });
      sends.set(e.data.trackingNo, xs);
    }
    let pairs = 0;
    let twoAccounts = 0;
    for (const xs of sends.values()) {
      const refunds = [...new Set(xs.map((x) => x.refundId))];
      if (refunds.length < 2) continue;
      pairs++;
      const first = xs[0]!.buyerId;
      const reuser = xs.find((x) => x.refundId !== xs[0]!.refundId)!.buyerId;
      expect(byBuyer.get(reuser)!.rules).toContain('duplicate-return-tracking');
      if (first !== reuser) {
        twoAccounts++;
        expect(byBuyer.get(first)).toMatchObject({
          profile: 'duplicate-return-tracking',
          abusive: true,
          rules: [],
        });
      }
    }
    expect(pairs).toBeGreaterThan(0);
    expect(twoAccounts).toBeGreaterThan(0);
  });
});

describe('ground truth against the independent reference checker', () => {
  // A high abusive rate and a small catalogue make profiles collide on sellers, which is where a
  // profile could accidentally trigger a rule it does not claim (or an honest buyer get caught).
  it.each([
    { seed: 21, buyers: 2500, abusiveRate: 0.1, sellers: 200, days: 30 },
    { seed: 22, buyers: 2500, abusiveRate: 0.03, sellers: 40, days: 30 },
    { seed: 23, buyers: 2000, abusiveRate: 0.1, sellers: 200, days: 7 },
  ])('agrees rule by rule and on the decisive event (%o)', (opts) => {
    const { events, truth, end } = generate({ ...opts, end: END });
    const fired = firstFiringByBuyer(checkRules(events, end.getTime()));
    let honestChecked = 0;
    let abusiveFired = 0;
    for (const t of truth) {
      const got = fired.get(t.buyerId);
      const rules = [...(got?.keys() ?? [])].sort();
      // Honest buyers cross no default threshold; abusive ones cross exactly what truth says.
      expect({ buyer: t.buyerId, profile: t.profile, rules }).toEqual({
        buyer: t.buyerId,
        profile: t.profile,
        rules: [...t.rules].sort(),
      });
      if (!t.abusive) honestChecked++;
      for (const trig of t.triggers) {
        const f = got!.get(trig.ruleId)!;
        expect({ rule: trig.ruleId, eventId: f.eventId, at: f.at }).toEqual({
          rule: trig.ruleId,
          eventId: trig.eventId,
          at: Date.parse(trig.triggerAt),
        });
        abusiveFired++;
      }
    }
    expect(honestChecked).toBeGreaterThan(0.85 * truth.length);
    expect(abusiveFired).toBeGreaterThan(0);
  });

  it('makes each abusive profile cross its own rule over the 30-day span', () => {
    const { truth } = generate({ seed: 31, buyers: 6000, end: END });
    const firstUsers: string[] = [];
    for (const name of Object.keys(ABUSIVE_PROFILES)) {
      const members = truth.filter((t) => t.profile === name);
      expect(members.length).toBeGreaterThan(0);
      for (const m of members) {
        // The first user of a duplicated tracking number expects no rule (see the next test).
        if (name === 'duplicate-return-tracking' && m.rules.length === 0) firstUsers.push(m.buyerId);
        else expect(m.rules).toContain(name);
      }
    }
    expect(firstUsers.length).toBeLessThan(
      truth.filter((t) => t.profile === 'duplicate-return-tracking').length,
    );
    const burst = truth.filter((t) => t.profile === 'competitor-review-burst');
    for (const b of burst) expect(b.victimSellerId).toMatch(/^s-/);
  });
});
