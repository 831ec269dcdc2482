import type { MarketEvent, RuleId, SellerLabel } from '@vigil/events';
import type { Rng } from './prng';
import { type Buyer, DAY, HOUR, MINUTE, type Order, PAYMENT_TIMEOUT_MS, type Sim, type Trigger } from './sim';
import { type AddressBook, type Catalogue, type Seller, TEXT, threatText } from './world';

/** What a scenario gets to build its accounts and events with. */
export interface ScenarioContext {
  sim: Sim;
  rng: Rng;
  catalogue: Catalogue;
  addresses: AddressBook;
  /** Buyer ids reserved for this scenario's accounts (length = the scenario's account count). */
  ids: string[];
  /** Span of simulated time: [start, end]. Events after `end` are dropped. */
  start: number;
  end: number;
  /** Scenario start for abusive profiles, chosen so the scenario fits before `end`. */
  t0: number;
  /** A per-run tag to make device ids unique across seeds. */
  tag: string;
}

export interface ProfileSpec {
  abusive: boolean;
  /** The rule ids this profile is built to trigger (empty for honest profiles). */
  rules: RuleId[];
  /** How many buyer accounts one instance uses. */
  accounts: [min: number, max: number];
  /** Upper bound of an abusive scenario's duration, so it is placed to end before `end`. */
  durationMs: number;
  /** What the profile models, for the docs. */
  models: string;
  run(ctx: ScenarioContext): Map<string, Trigger[]>;
}

function newBuyer(ctx: ScenarioContext, id: string, over: Partial<Omit<Buyer, 'id'>> = {}): Buyer {
  const rng = ctx.rng;
  return {
    id,
    address: over.address ?? ctx.addresses.household(rng),
    // Buyer ids are unique, so a device id derived from one is too.
    deviceId: over.deviceId ?? `d-${id.slice(2)}`,
    ipHash: over.ipHash ?? rng.nextU32().toString(16).padStart(8, '0'),
  };
}

const sortByTime = <T extends { occurredAt: string }>(xs: T[]) =>
  [...xs].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));

const single = (buyer: Buyer, triggers: Trigger[]) => new Map([[buyer.id, triggers]]);
/**
 * A group rule (several accounts behind one trigger): each member is implicated from the later of
 * the group's decisive event and the member's own first contributing event — a member who joins
 * a smear burst after the fifth review is caught with its own review, not before it exists.
 */
function groupJoin(buyers: Buyer[], base: Trigger, own: MarketEvent[]): Map<string, Trigger[]> {
  const decisiveAt = Date.parse(base.event.occurredAt);
  return new Map(
    buyers.map((b) => {
      const mine = sortByTime(own.filter((e) => e.buyerId === b.id))[0];
      const later = mine && Date.parse(mine.occurredAt) > decisiveAt ? mine : base.event;
      return [b.id, [{ ...base, event: later }]];
    }),
  );
}

// ─────────────────────────── honest behaviour ───────────────────────────

interface HonestLimits {
  /** Allow one abandoned single-seller cart left to time out. */
  allowTimeout: boolean;
  /** Allow a wrong_item return (never for accounts sharing an address). */
  allowWrongItem: boolean;
  /** Max returns over the span. */
  maxReturns: number;
}

/**
 * Ordinary shopping for one account over the whole span: carts split per seller, mostly paid in
 * minutes, shipped, delivered, sometimes reviewed (3–5 stars), rarely returned (long after
 * shipping, parcel intact). Kept clear of every rule's trigger: at most one time-out, one failed
 * delivery, `maxReturns` returns, no low rating, no complaint.
 */
function honestShopping(ctx: ScenarioContext, buyer: Buyer, carts: number, limits: HonestLimits): Order[] {
  const { sim, rng } = ctx;
  // Carts start 3 h into the span so a pre-sale chat before one never precedes the span.
  const from = Math.min(ctx.start + 3 * HOUR, ctx.end);
  const times = Array.from({ length: carts }, () => rng.real(from, ctx.end)).sort((a, b) => a - b);
  let timeouts = 0;
  let failures = 0;
  let returns = 0;
  let lost = 0;
  const paid: Order[] = [];
  for (const t of times) {
    const sellers = ctx.catalogue.pickDistinct(
      rng,
      rng.weighted({ 1: 70, 2: 22, 3: 8 }) === '1' ? 1 : rng.int(2, 3),
    );
    if (rng.chance(0.15)) {
      const s = sellers[0]!;
      sim.chat(buyer, s.id, t - rng.int(2 * MINUTE, 3 * HOUR), 'buyer', rng.pick(TEXT.presaleBuyer));
      sim.chat(buyer, s.id, t - rng.int(10 * 1000, 90 * 1000), 'seller', rng.pick(TEXT.presaleSeller));
    }
    const orders = sellers.map((s) => sim.place(rng, buyer, s, t));
    const fate = rng.next();
    if (fate < 0.05 && orders.length === 1 && limits.allowTimeout && timeouts === 0) {
      timeouts++;
      sim.timeout(orders[0]!);
      continue;
    }
    if (fate < 0.08) {
      // Changed their mind before paying: a buyer_request cancellation, not a time-out.
      const at = t + rng.int(MINUTE, 20 * MINUTE);
      for (const o of orders) sim.cancel(o, at, 'buyer_request');
      continue;
    }
    const paidAt = t + rng.int(20 * 1000, 12 * MINUTE);
    for (const o of orders) {
      sim.pay(o, paidAt);
      paid.push(o);
      const shippedAt = paidAt + rng.int(2 * HOUR, 40 * HOUR);
      sim.ship(rng, o, shippedAt);
      if (rng.chance(0.01) && lost === 0) {
        // Parcel lost in transit: a refund-only "not received" on an order never delivered.
        lost++;
        const { refund } = sim.requestRefund(
          o,
          shippedAt + rng.int(7 * DAY, 9 * DAY),
          'refund_only',
          'not_received',
        );
        sim.resolveRefund(refund, shippedAt + 10 * DAY, 'approved');
        continue;
      }
      let deliveredAt = shippedAt + rng.int(20 * HOUR, 96 * HOUR);
      if (rng.chance(0.03) && failures === 0) {
        failures++;
        sim.deliveryFailed(o, deliveredAt, 'recipient_unreachable');
        deliveredAt += rng.int(18 * HOUR, 30 * HOUR);
      }
      sim.deliver(o, deliveredAt);
      if (rng.chance(0.04) && returns < limits.maxReturns) {
        returns++;
        // Requested at least three days after shipping: never a freight-insurance pattern.
        const at = Math.max(deliveredAt + rng.int(6 * HOUR, 5 * DAY), shippedAt + 72 * HOUR);
        const reason = rng.weighted({
          changed_mind: 40,
          not_as_described: 35,
          damaged: 15,
          wrong_item: limits.allowWrongItem ? 10 : 0,
        });
        sim.honestReturn(rng, o, at, reason);
        continue;
      }
      if (rng.chance(0.5)) {
        const rating = rng.weighted({ 5: 60, 4: 30, 3: 10 });
        const text = rating === '3' ? rng.pick(TEXT.reviewOk) : rng.pick(TEXT.reviewGood);
        sim.review(o, deliveredAt + rng.int(2 * HOUR, 7 * DAY), Number(rating), text);
      }
    }
  }
  return paid;
}

/**
 * Orders placed one after another, each paid, shipped and delivered before the next; the first
 * two are always paid before anything else happens, so every low rating such a buyer gives comes
 * from an account with at least two paid orders (never a smear-burst account).
 */
function sequentialOrders(ctx: ScenarioContext, buyer: Buyer, n: number, from: number) {
  const { sim, rng } = ctx;
  const out: { order: Order; shippedAt: number; deliveredAt: number }[] = [];
  const gap = Math.max(DAY, (ctx.end - from - 12 * DAY) / Math.max(1, n));
  let t = from;
  for (let i = 0; i < n; i++) {
    const order = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: rng.chance(0.3) });
    const f = sim.fulfil(rng, order, t + rng.int(30 * 1000, 10 * MINUTE));
    out.push({ order, ...f });
    t += rng.real(0.5 * gap, gap) + 30 * MINUTE;
  }
  return out;
}

const ordinary: ProfileSpec = {
  abusive: false,
  rules: [],
  accounts: [1, 1],
  durationMs: 0,
  models: 'An ordinary shopper: a few carts a month, paid in minutes, sometimes reviewed, rarely returned.',
  run(ctx) {
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    honestShopping(ctx, buyer, ctx.rng.int(1, 6), {
      allowTimeout: true,
      allowWrongItem: true,
      maxReturns: 2,
    });
    return new Map();
  },
};

const wholesale: ProfileSpec = {
  abusive: false,
  rules: [],
  accounts: [1, 1],
  durationMs: 0,
  models:
    'A wholesale heavy buyer: many large multi-seller carts (up to 10 sellers at once), each paid in one payment within minutes — the honest twin of bulk non-payment.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const carts = rng.int(8, 20);
    const times = Array.from({ length: carts }, () => rng.real(ctx.start, ctx.end)).sort((a, b) => a - b);
    for (const t of times) {
      const sellers = ctx.catalogue.pickDistinct(rng, rng.int(3, 10));
      const orders = sellers.map((s) =>
        sim.place(rng, buyer, s, t, { items: rng.int(2, 8), qtyMax: 20, insured: false }),
      );
      // One payment for the whole cart, well inside the 15-minute "still unpaid" bound.
      const paidAt = t + rng.int(30 * 1000, 8 * MINUTE);
      for (const o of orders) {
        sim.pay(o, paidAt);
        const shippedAt = paidAt + rng.int(3 * HOUR, 48 * HOUR);
        sim.ship(rng, o, shippedAt);
        const deliveredAt = shippedAt + rng.int(20 * HOUR, 96 * HOUR);
        sim.deliver(o, deliveredAt);
        if (rng.chance(0.15))
          sim.review(o, deliveredAt + rng.int(HOUR, 5 * DAY), rng.int(4, 5), rng.pick(TEXT.reviewGood));
      }
    }
    return new Map();
  },
};

const family: ProfileSpec = {
  abusive: false,
  rules: [],
  accounts: [2, 4],
  durationMs: 0,
  models:
    'A family: several buyer accounts at one address (two of them may share the family tablet), ordinary paid orders — the honest twin of linked accounts.',
  run(ctx) {
    const { rng } = ctx;
    const address = ctx.addresses.household(rng);
    // Two of the accounts may share the family tablet: one device and one address, yet honest.
    const tablet = `d-${ctx.ids[0]!.slice(2)}-tablet`;
    const shareTablet = rng.chance(0.5);
    ctx.ids.forEach((id, i) => {
      const buyer = newBuyer(ctx, id, { address, ...(i < 2 && shareTablet ? { deviceId: tablet } : {}) });
      // No time-outs and no wrong-item claims: several accounts at one address must not look
      // like a ring even when two of them return something.
      honestShopping(ctx, buyer, rng.int(1, 5), {
        allowTimeout: false,
        allowWrongItem: false,
        maxReturns: 1,
      });
    });
    return new Map();
  },
};

const defective: ProfileSpec = {
  abusive: false,
  rules: [],
  accounts: [1, 1],
  durationMs: 0,
  models:
    'A buyer who genuinely got defective items: two damaged-item returns that arrive back intact (condition ok), maybe one low rating.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const orders = sequentialOrders(ctx, buyer, rng.int(3, 5), ctx.start + rng.real(0, 3 * DAY));
    const [a, b] = rng.sample(orders.slice(1), 2);
    for (const x of [a, b]) {
      if (!x) continue;
      const at = Math.max(x.deliveredAt + rng.int(2 * HOUR, 3 * DAY), x.shippedAt + 72 * HOUR);
      sim.honestReturn(rng, x.order, at, 'damaged');
    }
    if (a && rng.chance(0.5))
      sim.review(a.order, a.deliveredAt + rng.int(HOUR, 12 * HOUR), 2, rng.pick(TEXT.reviewHarsh));
    return new Map();
  },
};

const harshReviewer: ProfileSpec = {
  abusive: false,
  rules: [],
  accounts: [1, 1],
  durationMs: 0,
  models: 'A harsh one-off reviewer: reviews most orders, one or two of them 1–2 stars among normal ratings.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const orders = sequentialOrders(ctx, buyer, rng.int(3, 6), ctx.start + rng.real(0, 3 * DAY));
    const harsh = new Set(rng.sample(orders.slice(1), rng.int(1, 2)));
    for (const x of orders) {
      const at = x.deliveredAt + rng.int(HOUR, 4 * DAY);
      if (harsh.has(x)) sim.review(x.order, at, rng.int(1, 2), rng.pick(TEXT.reviewHarsh));
      else if (rng.chance(0.8)) sim.review(x.order, at, rng.int(3, 5), rng.pick(TEXT.reviewGood));
    }
    return new Map();
  },
};

const politeComplainer: ProfileSpec = {
  abusive: false,
  rules: [],
  accounts: [1, 1],
  durationMs: 0,
  models:
    'A polite complainer: an order ships late, a polite chat (no threat), then either a normal refund or one late-delivery complaint — the honest twin of complaint extortion.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const t = ctx.start + rng.real(0, Math.max(0, ctx.end - ctx.start - 10 * DAY));
    const seller = ctx.catalogue.pick(rng);
    const o = sim.place(rng, buyer, seller, t);
    const paidAt = t + rng.int(MINUTE, 10 * MINUTE);
    sim.pay(o, paidAt);
    const chatAt = paidAt + rng.int(48 * HOUR, 60 * HOUR);
    sim.chat(buyer, seller.id, chatAt, 'buyer', rng.pick(TEXT.politeLate), o.id);
    sim.chat(
      buyer,
      seller.id,
      chatAt + rng.int(MINUTE, 2 * HOUR),
      'seller',
      rng.pick(TEXT.sellerSorry),
      o.id,
    );
    if (rng.chance(0.5)) {
      sim.chat(
        buyer,
        seller.id,
        chatAt + rng.int(3 * HOUR, 20 * HOUR),
        'buyer',
        rng.pick(TEXT.politeRefund),
        o.id,
      );
      const { refund } = sim.requestRefund(o, chatAt + 21 * HOUR, 'refund_only', 'other');
      sim.resolveRefund(refund, chatAt + 21 * HOUR + rng.int(MINUTE, 6 * HOUR), 'approved');
    } else {
      sim.complain(buyer, seller.id, chatAt + rng.int(24 * HOUR, 40 * HOUR), 'late_delivery', o.id);
      const shippedAt = chatAt + rng.int(41 * HOUR, 50 * HOUR);
      sim.ship(rng, o, shippedAt);
      sim.deliver(o, shippedAt + rng.int(20 * HOUR, 72 * HOUR));
    }
    // Some ordinary orders around it.
    honestShopping(ctx, buyer, rng.int(0, 3), { allowTimeout: false, allowWrongItem: false, maxReturns: 1 });
    return new Map();
  },
};

// ─────────────────────────── abusive behaviour ───────────────────────────

const bulkNonPayment: ProfileSpec = {
  abusive: true,
  rules: ['bulk-non-payment'],
  accounts: [1, 1],
  durationMs: 2 * DAY,
  models:
    'Snaps up (often promoted) stock across ≥3 sellers and never pays (seed Q9): payment_timeout cancellations, or ≥8 orders in minutes left unpaid.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    if (rng.chance(0.3)) {
      // Snap-up: 8–12 orders within ten minutes, none paid; the "≥8 placed in 30 min still
      // unpaid after 15 min" path is met 15 minutes after the eighth order.
      const sellers = ctx.catalogue.pickDistinct(rng, rng.int(3, 6));
      const n = rng.int(8, 12);
      const orders: Order[] = [];
      for (let i = 0; i < n; i++) {
        orders.push(
          sim.place(rng, buyer, sellers[i % sellers.length]!, ctx.t0 + (i * 10 * MINUTE) / n, {
            promo: true,
            insured: false,
          }),
        );
      }
      for (const o of orders) sim.timeout(o);
      return single(buyer, [{ ruleId: 'bulk-non-payment', event: orders[7]!.placed, delayMs: 15 * MINUTE }]);
    }
    // Carts over a few hours, every order left to time out.
    const sellers = ctx.catalogue.pickDistinct(rng, rng.int(3, 6));
    const n = rng.int(Math.max(4, sellers.length), 9);
    const orders: Order[] = [];
    for (let i = 0; i < n; i++) {
      const at = ctx.t0 + rng.int(0, 8 * HOUR);
      orders.push(
        sim.place(rng, buyer, sellers[i % sellers.length]!, at, { promo: rng.chance(0.6), insured: false }),
      );
    }
    const cancels = sortByTime(orders.map((o) => sim.timeout(o)));
    // Spread over ≤ 8 h and 10+ min apart on average: never ≥8 placed in 30 min unless by chance,
    // so the decisive event is the third time-out unless the snap-up condition is met first.
    const placedSorted = [...orders].sort((a, b) => a.placedAt - b.placedAt);
    const third = cancels[2]!;
    for (let i = 7; i < placedSorted.length; i++) {
      const p = placedSorted[i]!;
      const inWindow = placedSorted.filter(
        (q) => q.placedAt >= p.placedAt - 30 * MINUTE && q.placedAt <= p.placedAt,
      );
      if (inWindow.length >= 8 && p.placedAt + 15 * MINUTE < Date.parse(third.occurredAt)) {
        return single(buyer, [{ ruleId: 'bulk-non-payment', event: p.placed, delayMs: 15 * MINUTE }]);
      }
    }
    return single(buyer, [{ ruleId: 'bulk-non-payment', event: third }]);
  },
};

const linkedNonPayment: ProfileSpec = {
  abusive: true,
  rules: ['linked-account-non-payment'],
  accounts: [3, 5],
  durationMs: 1 * DAY,
  models:
    'One person, several accounts (seed Q1.3 "one or more accounts"): accounts sharing a device and/or an address each leave an order unpaid within hours.',
  run(ctx) {
    const { sim, rng } = ctx;
    const how = rng.weighted({ device: 40, address: 30, both: 30 });
    const device = `d-${ctx.tag}-shared-${rng.nextU32().toString(36)}`;
    const address = ctx.addresses.household(rng);
    const buyers = ctx.ids.map((id) =>
      newBuyer(ctx, id, {
        ...(how !== 'address' ? { deviceId: device } : {}),
        ...(how !== 'device' ? { address } : {}),
      }),
    );
    const timeouts = [];
    for (const b of buyers) {
      // One or two unpaid orders per account: never three, so no single account is a bulk case.
      const k = rng.int(1, 2);
      for (let i = 0; i < k; i++) {
        const o = sim.place(rng, b, ctx.catalogue.pick(rng), ctx.t0 + rng.int(0, 10 * HOUR), {
          promo: true,
          insured: false,
        });
        timeouts.push(sim.timeout(o));
      }
    }
    const sorted = sortByTime(timeouts);
    const seen = new Set<string>();
    let decisive = sorted[0]!;
    for (const e of sorted) {
      seen.add(e.buyerId);
      if (seen.size === 3) {
        decisive = e;
        break;
      }
    }
    const subject =
      how === 'address'
        ? { kind: 'address' as const, id: address.key }
        : { kind: 'device' as const, id: device };
    return groupJoin(buyers, { ruleId: 'linked-account-non-payment', event: decisive, subject }, timeouts);
  },
};

const invalidAddress: ProfileSpec = {
  abusive: true,
  rules: ['invalid-address'],
  accounts: [1, 1],
  durationMs: 14 * DAY,
  models:
    'Uses invalid or inaccurate consignee information on purpose (seed Q1.2): repeated delivery failures, or sellers cancelling for an invalid address.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!, { address: ctx.addresses.invalid(rng) });
    if (rng.chance(0.6)) {
      const n = rng.int(3, 5);
      const fails = [];
      for (let i = 0; i < n; i++) {
        const t = ctx.t0 + rng.int(0, 6 * DAY);
        const o = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: false });
        const paidAt = t + rng.int(MINUTE, 10 * MINUTE);
        sim.pay(o, paidAt);
        const shippedAt = paidAt + rng.int(4 * HOUR, 30 * HOUR);
        sim.ship(rng, o, shippedAt);
        fails.push(
          sim.deliveryFailed(
            o,
            shippedAt + rng.int(20 * HOUR, 72 * HOUR),
            rng.chance(0.7) ? 'address_invalid' : 'recipient_unreachable',
          ),
        );
      }
      return single(buyer, [{ ruleId: 'invalid-address', event: sortByTime(fails)[2]! }]);
    }
    const n = rng.int(2, 3);
    const cancels = [];
    for (let i = 0; i < n; i++) {
      const t = ctx.t0 + rng.int(0, 3 * DAY);
      const o = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: false });
      sim.pay(o, t + rng.int(MINUTE, 10 * MINUTE));
      cancels.push(sim.cancel(o, t + rng.int(2 * HOUR, 30 * HOUR), 'address_invalid'));
    }
    return single(buyer, [{ ruleId: 'invalid-address', event: sortByTime(cancels)[1]! }]);
  },
};

const refundFrequency: ProfileSpec = {
  abusive: true,
  rules: ['refund-frequency'],
  accounts: [1, 1],
  durationMs: 14 * DAY,
  models:
    'Initiates refunds abnormally frequently after buying (seed Q1.4): ≥5 returns in a week on ≥60% of orders.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const n = rng.int(5, 8);
    const orders = [];
    for (let i = 0; i < n; i++) {
      const t = ctx.t0 + rng.int(0, 3 * DAY);
      const order = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: false });
      orders.push({ order, ...sim.fulfil(rng, order, t + rng.int(MINUTE, 10 * MINUTE)) });
    }
    const need = Math.max(5, Math.ceil(0.6 * n));
    const k = rng.int(need, n);
    const lastDelivery = Math.max(...orders.map((o) => o.deliveredAt));
    const requests = rng.sample(orders, k).map((x) => {
      // All requests inside five days after the last delivery: ≥5 in 7 days with room to spare.
      const at = lastDelivery + rng.int(HOUR, 5 * DAY);
      return sim.honestReturn(
        rng,
        x.order,
        at,
        rng.pick(['changed_mind', 'not_as_described', 'other'] as const),
      );
    });
    return single(buyer, [{ ruleId: 'refund-frequency', event: sortByTime(requests)[need - 1]! }]);
  },
};

const refundOnlyAfterDelivery: ProfileSpec = {
  abusive: true,
  rules: ['refund-only-after-delivery'],
  accounts: [1, 1],
  durationMs: 14 * DAY,
  models: 'Receives the goods, then asks for a refund only, claiming not received (seed Q2, Q15).',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const n = rng.int(2, 4);
    const reqs = [];
    for (let i = 0; i < n; i++) {
      const t = ctx.t0 + rng.int(0, 5 * DAY);
      const o = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: false });
      const { deliveredAt } = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
      const at = deliveredAt + rng.int(6 * HOUR, 3 * DAY);
      const { refund, event } = sim.requestRefund(o, at, 'refund_only', 'not_received');
      sim.resolveRefund(refund, at + rng.int(HOUR, 2 * DAY), rng.chance(0.7) ? 'rejected' : 'approved');
      reqs.push(event);
    }
    return single(buyer, [{ ruleId: 'refund-only-after-delivery', event: sortByTime(reqs)[1]! }]);
  },
};

const duplicateTracking: ProfileSpec = {
  abusive: true,
  rules: ['duplicate-return-tracking'],
  accounts: [1, 2],
  durationMs: 16 * DAY,
  models:
    'Fills in a false return tracking number — one already used for another refund, by the same or an accomplice account (seed Q2 "duplicate order number", Q13).',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyers = ctx.ids.map((id) => newBuyer(ctx, id));
    const first = buyers[0]!;
    const second = buyers[1] ?? first;
    const mk = (b: Buyer, t: number) => {
      const o = sim.place(rng, b, ctx.catalogue.pick(rng), t, { insured: false });
      const f = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
      const at = Math.max(f.deliveredAt + rng.int(HOUR, 2 * DAY), f.shippedAt + 72 * HOUR);
      return { o, at };
    };
    const a = mk(first, ctx.t0);
    const { refund: r1 } = sim.requestRefund(a.o, a.at, 'return_and_refund', 'not_as_described');
    const parcel = sim.trackingNo(rng);
    const sentA = a.at + rng.int(2 * HOUR, 24 * HOUR);
    sim.returnShipped(r1, sentA, parcel);
    sim.returnReceived(r1, sentA + rng.int(DAY, 3 * DAY), 'ok');
    sim.resolveRefund(r1, sentA + 3 * DAY + HOUR, 'approved');
    const b = mk(second, ctx.t0 + rng.int(DAY, 5 * DAY));
    const reqB = Math.max(b.at, sentA + HOUR);
    const { refund: r2 } = sim.requestRefund(
      b.o,
      reqB,
      'return_and_refund',
      rng.pick(['not_as_described', 'damaged'] as const),
    );
    const dup = sim.returnShipped(r2, reqB + rng.int(HOUR, 24 * HOUR), parcel);
    sim.resolveRefund(r2, reqB + rng.int(4 * DAY, 6 * DAY), 'rejected');
    // Only the re-user is expected: the trigger ("a tracking number already used by another
    // refund") describes the second use, and the first use looks like a genuine return. With two
    // accounts the first stays abusive (an accomplice of the same controller) but expects no rule.
    return new Map([
      [
        second.id,
        [{ ruleId: 'duplicate-return-tracking', event: dup, subject: { kind: 'buyer', id: second.id } }],
      ],
    ]);
  },
};

const abnormalReturn: ProfileSpec = {
  abusive: true,
  rules: ['abnormal-return-goods'],
  accounts: [1, 1],
  durationMs: 16 * DAY,
  models:
    'Returns an empty package, a parcel with pieces missing, or swapped goods, as the seller reports on receipt (seed Q2, Q13).',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const n = rng.int(1, 2);
    const received = [];
    for (let i = 0; i < n; i++) {
      const t = ctx.t0 + rng.int(0, 4 * DAY);
      const o = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: false });
      const f = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
      const at = Math.max(f.deliveredAt + rng.int(HOUR, 2 * DAY), f.shippedAt + 72 * HOUR);
      const { refund } = sim.requestRefund(
        o,
        at,
        'return_and_refund',
        rng.pick(['damaged', 'not_as_described'] as const),
      );
      const sent = at + rng.int(2 * HOUR, 24 * HOUR);
      sim.returnShipped(refund, sent, sim.trackingNo(rng));
      const recvAt = sent + rng.int(DAY, 3 * DAY);
      received.push(
        sim.returnReceived(
          refund,
          recvAt,
          rng.pick(['empty_package', 'missing_items', 'swapped_item'] as const),
        ),
      );
      sim.resolveRefund(refund, recvAt + rng.int(HOUR, DAY), 'rejected');
    }
    return single(buyer, [{ ruleId: 'abnormal-return-goods', event: sortByTime(received)[0]! }]);
  },
};

const freightInsurance: ProfileSpec = {
  abusive: true,
  rules: ['freight-insurance-abuse'],
  accounts: [1, 1],
  durationMs: 20 * DAY,
  models:
    'Farms freight insurance (seed Q14): insured orders returned "for a refund" within hours of shipping, three or four times in weeks.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const n = rng.int(3, 4);
    const reqs = [];
    for (let i = 0; i < n; i++) {
      const t = ctx.t0 + rng.int(0, 14 * DAY);
      const o = sim.place(rng, buyer, ctx.catalogue.pick(rng), t, { insured: true });
      const paidAt = t + rng.int(MINUTE, 10 * MINUTE);
      sim.pay(o, paidAt);
      const shippedAt = paidAt + rng.int(2 * HOUR, 24 * HOUR);
      sim.ship(rng, o, shippedAt);
      const deliveredAt = shippedAt + rng.int(18 * HOUR, 30 * HOUR);
      sim.deliver(o, deliveredAt);
      // At most 44 h after shipping: clearly inside the 48 h bound.
      const at = deliveredAt + rng.int(HOUR, 14 * HOUR);
      reqs.push(sim.honestReturn(rng, o, at, rng.pick(['changed_mind', 'not_as_described'] as const)));
    }
    return single(buyer, [{ ruleId: 'freight-insurance-abuse', event: sortByTime(reqs)[2]! }]);
  },
};

const wrongItemRing: ProfileSpec = {
  abusive: true,
  rules: ['linked-wrong-item-claims'],
  accounts: [2, 3],
  durationMs: 16 * DAY,
  models:
    'Near addresses, alternating wrong-size claims (seed Q10): accounts in one building each claim the seller sent the wrong size, and the seller pays the return postage.',
  run(ctx) {
    const { sim, rng } = ctx;
    const building = ctx.addresses.building(rng);
    const units = rng.sample([101, 102, 201, 301, 402, 503, 601, 702, 1201, 1502], ctx.ids.length);
    const buyers = ctx.ids.map((id, i) => newBuyer(ctx, id, { address: building(units[i]!, 40) }));
    const seller = ctx.catalogue.pickApparel(rng);
    const claims = [];
    let t = ctx.t0;
    for (const b of buyers) {
      const o = sim.place(rng, b, seller, t, { apparel: true, items: 1, insured: false });
      const f = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
      const at = Math.max(f.deliveredAt + rng.int(HOUR, DAY), f.shippedAt + 72 * HOUR);
      claims.push(sim.honestReturn(rng, o, at, 'wrong_item'));
      t += rng.int(DAY, 4 * DAY);
    }
    return groupJoin(buyers, { ruleId: 'linked-wrong-item-claims', event: sortByTime(claims)[1]! }, claims);
  },
};

/** A delivered order with a seller, then a threat chat; returns what follow-ups need. */
function threatSetup(ctx: ScenarioContext) {
  const { sim, rng } = ctx;
  const buyer = newBuyer(ctx, ctx.ids[0]!);
  // An earlier, unremarkable purchase: extortionists are customers with a history, and it keeps
  // their bad review out of the "accounts with ≤1 paid order" of a smear burst.
  const [seller, other] = ctx.catalogue.pickDistinct(rng, 2) as [Seller, Seller];
  const prior = sim.place(rng, buyer, other, ctx.t0, { insured: false });
  sim.fulfil(rng, prior, ctx.t0 + rng.int(MINUTE, 10 * MINUTE));
  const t = ctx.t0 + rng.int(6 * HOUR, 2 * DAY);
  const o = sim.place(rng, buyer, seller, t, { insured: false });
  const { deliveredAt } = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
  const threatAt = deliveredAt + rng.int(HOUR, 3 * DAY);
  const threat = sim.chat(
    buyer,
    seller.id,
    threatAt,
    'buyer',
    threatText(rng),
    rng.chance(0.7) ? o.id : undefined,
  );
  sim.chat(buyer, seller.id, threatAt + rng.int(MINUTE, 3 * HOUR), 'seller', rng.pick(TEXT.sellerFirm));
  return { buyer, seller, o, threat, threatAt };
}

const complaintExtortion: ProfileSpec = {
  abusive: true,
  rules: ['threat-chat', 'complaint-extortion'],
  accounts: [1, 1],
  durationMs: 14 * DAY,
  models:
    'Threatens a complaint to extract compensation (seed Q1.1, Q17: "lowest price" / advertising law as the lever), then files the complaint.',
  run(ctx) {
    const { sim, rng } = ctx;
    const s = threatSetup(ctx);
    const complaint = sim.complain(
      s.buyer,
      s.seller.id,
      s.threatAt + rng.int(3 * HOUR, 60 * HOUR),
      rng.pick(['false_advertising', 'other', 'late_delivery', 'invoice'] as const),
      rng.chance(0.6) ? s.o.id : undefined,
    );
    return single(s.buyer, [
      { ruleId: 'threat-chat', event: s.threat },
      { ruleId: 'complaint-extortion', event: complaint },
    ]);
  },
};

const reviewExtortion: ProfileSpec = {
  abusive: true,
  rules: ['threat-chat', 'review-extortion'],
  accounts: [1, 1],
  durationMs: 14 * DAY,
  models: 'Threatens a bad review unless paid (seed Q4, Q11: 不赔偿就给差评), then posts it.',
  run(ctx) {
    const { sim, rng } = ctx;
    const s = threatSetup(ctx);
    const review = sim.review(
      s.o,
      s.threatAt + rng.int(2 * HOUR, 60 * HOUR),
      rng.int(1, 2),
      rng.pick(TEXT.reviewSmear),
    );
    return single(s.buyer, [
      { ruleId: 'threat-chat', event: s.threat },
      { ruleId: 'review-extortion', event: review },
    ]);
  },
};

const threatOnly: ProfileSpec = {
  abusive: true,
  rules: ['threat-chat'],
  accounts: [1, 1],
  durationMs: 12 * DAY,
  models:
    'Sends an extortion threat and does not follow through (a low-severity suspicion that alerts the seller).',
  run(ctx) {
    const s = threatSetup(ctx);
    return single(s.buyer, [{ ruleId: 'threat-chat', event: s.threat }]);
  },
};

const complaintSpree: ProfileSpec = {
  abusive: true,
  rules: ['complaint-spree'],
  accounts: [1, 1],
  durationMs: 12 * DAY,
  models:
    'Serial complainer (seed Q2.3): complaints about delivery time, stock, invoices, postage, COD, credit cards, cashback against several sellers in days.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const sellers = ctx.catalogue.pickDistinct(rng, rng.int(3, 5));
    let last = ctx.t0;
    const orders = sellers.map((s) => {
      const t = ctx.t0 + rng.int(0, DAY);
      const o = sim.place(rng, buyer, s, t, { insured: false });
      const f = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
      last = Math.max(last, f.deliveredAt);
      return o;
    });
    const complaints = orders.map((o) =>
      sim.complain(
        buyer,
        o.seller.id,
        last + rng.int(HOUR, 4 * DAY),
        rng.pick([
          'late_delivery',
          'out_of_stock',
          'info_leak',
          'invoice',
          'postage',
          'cod',
          'credit_card',
          'cashback_for_review',
        ] as const),
        o.id,
      ),
    );
    return single(buyer, [{ ruleId: 'complaint-spree', event: sortByTime(complaints)[2]! }]);
  },
};

const negativeReviewSpree: ProfileSpec = {
  abusive: true,
  rules: ['negative-review-spree'],
  accounts: [1, 1],
  durationMs: 21 * DAY,
  models:
    'Serial bad reviewer (seed Q4): 1–2 star reviews on nearly everything bought, across several sellers.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    const n = rng.int(5, 8);
    const sellers = ctx.catalogue.pickDistinct(rng, rng.int(3, Math.min(6, n)));
    const orders: { o: Order; shippedAt: number; deliveredAt: number }[] = [];
    for (let i = 0; i < n; i++) {
      const t = ctx.t0 + rng.int(0, 8 * DAY);
      const o = sim.place(rng, buyer, sellers[i % sellers.length]!, t, { insured: false });
      orders.push({ o, ...sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE)) });
    }
    // At most one friendly review, and only once at least five low ones exist: ≥80% stays true.
    const friendly = n >= 6 && rng.chance(0.4) ? 1 : 0;
    const reviews = orders.map((x, i) => {
      const at = x.deliveredAt + rng.int(HOUR, 3 * DAY);
      const isFriendly = i === n - 1 && friendly === 1;
      return isFriendly
        ? sim.review(
            x.o,
            Math.max(at, ...orders.map((y) => y.deliveredAt)) + 4 * DAY,
            4,
            rng.pick(TEXT.reviewGood),
          )
        : sim.review(x.o, at, rng.int(1, 2), rng.pick(TEXT.reviewHarsh));
    });
    // Decisive: the first low review at which ≥5 low across ≥3 sellers hold (all in 30 days).
    const low = sortByTime(reviews.filter((r) => r.data.rating <= 2));
    const sellersSeen = new Set<string>();
    let decisive = low[low.length - 1]!;
    for (let i = 0; i < low.length; i++) {
      sellersSeen.add(low[i]!.sellerId);
      if (i + 1 >= 5 && sellersSeen.size >= 3) {
        decisive = low[i]!;
        break;
      }
    }
    return single(buyer, [{ ruleId: 'negative-review-spree', event: decisive }]);
  },
};

const competitorBurst: ProfileSpec = {
  abusive: true,
  rules: ['competitor-review-burst'],
  accounts: [5, 8],
  durationMs: 14 * DAY,
  models:
    'A competitor\u2019s smear campaign (seed Q2.4 "peer competitors give negative comments after trading"): fresh accounts each buy once from the victim, then post 1–2 star reviews within hours of each other.',
  run(ctx) {
    const { sim, rng } = ctx;
    const victim = ctx.catalogue.pickVictim(rng);
    const buyers = ctx.ids.map((id) => newBuyer(ctx, id));
    const burstAt = ctx.t0 + 9 * DAY + rng.int(0, 2 * DAY);
    const reviews = buyers.map((b) => {
      const t = ctx.t0 + rng.int(0, 3 * DAY);
      const o = sim.place(rng, b, victim, t, { insured: false, items: 1 });
      sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE));
      // All reviews inside a 2–18 h burst, well within 24 h.
      return sim.review(
        o,
        burstAt + rng.int(0, rng.int(2, 18) * HOUR),
        rng.int(1, 2),
        rng.pick(TEXT.reviewSmear),
      );
    });
    return groupJoin(
      buyers,
      {
        ruleId: 'competitor-review-burst',
        event: sortByTime(reviews)[4]!,
        subject: { kind: 'seller', id: victim.id },
      },
      reviews,
    );
  },
};

const LABELS_NO_SIDE_EFFECT: SellerLabel[] = [
  'no_purchase_intent',
  'ad_review',
  'commission_abuse',
  'deliberate_damage',
  'refund_only_after_receipt',
  'complaint_extortion',
];

const sellerLabels: ProfileSpec = {
  abusive: true,
  rules: ['seller-label-accumulation'],
  accounts: [1, 1],
  durationMs: 20 * DAY,
  models:
    'Sellers\u2019 "cloud labels" add up (seed Q4, Q5, Q13–Q15): several sellers each mark one of the buyer\u2019s orders, or one seller marks a fake return tracking number.',
  run(ctx) {
    const { sim, rng } = ctx;
    const buyer = newBuyer(ctx, ctx.ids[0]!);
    if (rng.chance(0.7)) {
      const sellers = ctx.catalogue.pickDistinct(rng, rng.int(2, 3));
      const labels = sellers.map((s) => {
        const t = ctx.t0 + rng.int(0, 10 * DAY);
        const o = sim.place(rng, buyer, s, t, { insured: false });
        let at: number;
        if (rng.chance(0.5)) {
          at = sim.fulfil(rng, o, t + rng.int(MINUTE, 10 * MINUTE)).deliveredAt + rng.int(HOUR, 3 * DAY);
        } else {
          sim.cancel(o, t + rng.int(MINUTE, 20 * MINUTE), 'buyer_request');
          at = t + rng.int(HOUR, 2 * DAY);
        }
        return sim.label(o, at, rng.pick(LABELS_NO_SIDE_EFFECT));
      });
      const sorted = sortByTime(labels);
      const firstSeller = sorted[0]!.sellerId;
      const decisive = sorted.find((l) => l.sellerId !== firstSeller)!;
      return single(buyer, [{ ruleId: 'seller-label-accumulation', event: decisive }]);
    }
    // A single label of a kind that counts on its own: a return tracking number that never arrives.
    const o = sim.place(rng, buyer, ctx.catalogue.pick(rng), ctx.t0, { insured: false });
    const f = sim.fulfil(rng, o, ctx.t0 + rng.int(MINUTE, 10 * MINUTE));
    const at = Math.max(f.deliveredAt + rng.int(HOUR, DAY), f.shippedAt + 72 * HOUR);
    const { refund } = sim.requestRefund(o, at, 'return_and_refund', 'not_as_described');
    sim.returnShipped(refund, at + rng.int(HOUR, DAY), sim.trackingNo(rng));
    const labelAt = at + rng.int(5 * DAY, 7 * DAY);
    sim.resolveRefund(refund, labelAt - HOUR, 'rejected');
    const label = sim.label(o, labelAt, 'fake_return_tracking', 'tracking shows no parcel');
    return single(buyer, [{ ruleId: 'seller-label-accumulation', event: label }]);
  },
};

export const HONEST_PROFILES = {
  ordinary,
  wholesale,
  family,
  defective,
  'harsh-reviewer': harshReviewer,
  'polite-complainer': politeComplainer,
} as const;

export const ABUSIVE_PROFILES = {
  'bulk-non-payment': bulkNonPayment,
  'linked-account-non-payment': linkedNonPayment,
  'invalid-address': invalidAddress,
  'refund-frequency': refundFrequency,
  'refund-only-after-delivery': refundOnlyAfterDelivery,
  'duplicate-return-tracking': duplicateTracking,
  'abnormal-return-goods': abnormalReturn,
  'freight-insurance-abuse': freightInsurance,
  'linked-wrong-item-claims': wrongItemRing,
  'complaint-extortion': complaintExtortion,
  'review-extortion': reviewExtortion,
  'threat-chat': threatOnly,
  'complaint-spree': complaintSpree,
  'negative-review-spree': negativeReviewSpree,
  'competitor-review-burst': competitorBurst,
  'seller-label-accumulation': sellerLabels,
} as const;

export type HonestProfile = keyof typeof HONEST_PROFILES;
export type AbusiveProfile = keyof typeof ABUSIVE_PROFILES;
export type ProfileName = HonestProfile | AbusiveProfile;
export const PROFILES: Record<ProfileName, ProfileSpec> = { ...HONEST_PROFILES, ...ABUSIVE_PROFILES };

/** Default share of honest accounts per honest profile (family counts its accounts). */
export const DEFAULT_HONEST_WEIGHTS: Record<HonestProfile, number> = {
  ordinary: 80,
  wholesale: 3,
  family: 6,
  defective: 3,
  'harsh-reviewer': 5,
  'polite-complainer': 3,
};

export { PAYMENT_TIMEOUT_MS };
