import { type EvalContext, type Finding, fmtDuration, member, type PlanContext, type Rule } from '../engine';
import { attributeOrders } from '../parties';
import { sortEntries, unique } from '../span';

// Threat rules. A buyer chat message the classifier calls a threat is remembered on the buyer's
// keys (with its matched snippets, never the text) and raises `threat-chat` (low: alerts the
// seller). A complaint (complaint-extortion) or a review ≤ maxRating (review-extortion) against
// the SAME seller within `within` after the threat raises high. One job per threat episode: the
// trigger is the earliest threat of the window.

/** What the engine needs of a threat classifier (packages/classify implements it). */
export interface ThreatClassifier {
  classify(text: string): { threat: boolean; snippets: string[] };
}

const THREATS = 'threats';
const READ = 'thr.threats';

/** The classifier is injected per core; rules read it from here. */
export interface WithClassifier {
  classifier: ThreatClassifier;
}

function threatWindow(config: PlanContext['config']): number {
  const r = config.rules;
  return Math.max(r['threat-chat'].remember, r['complaint-extortion'].within, r['review-extortion'].within);
}

export function createThreatRules(classifier: ThreatClassifier): Rule[] {
  const verdicts = new WeakMap<object, { threat: boolean; snippets: string[] }>();
  const classify = (event: object, text: string) => {
    let v = verdicts.get(event);
    if (!v) {
      const r = classifier.classify(text);
      v = { threat: r.threat, snippets: r.snippets.map((s) => s.slice(0, 200)).slice(0, 3) };
      verdicts.set(event, v);
    }
    return v;
  };
  const anyEnabled = (c: PlanContext['config']) =>
    c.rules['threat-chat'].enabled ||
    c.rules['complaint-extortion'].enabled ||
    c.rules['review-extortion'].enabled;

  const threatChat: Rule = {
    id: 'threat-chat',
    enabled: anyEnabled,
    planBuyer({ event, t, buyer, config }: PlanContext) {
      if (event.type !== 'chat.message' || event.data.from !== 'buyer') return;
      const v = classify(event, event.data.text);
      if (!v.threat) return;
      const keep = threatWindow(config);
      buyer.write({
        op: 'zadd',
        key: buyer.keys.window(THREATS),
        member: member(event.id, event.sellerId, event.orderId ?? '', ...v.snippets),
        score: t,
        retentionMs: keep + config.lateness,
        cap: config.windowCap,
        ttlMs: keep + config.lateness,
      });
    },
    evaluate({ event, config }: EvalContext): Finding[] {
      if (!config.rules['threat-chat'].enabled) return [];
      if (event.type !== 'chat.message' || event.data.from !== 'buyer') return [];
      const v = classify(event, event.data.text);
      if (!v.threat) return [];
      return [
        {
          ruleId: 'threat-chat',
          subject: { kind: 'buyer', id: event.buyerId },
          trigger: [event.id],
          severity: 'low',
          buyerIds: [event.buyerId],
          sellerIds: [event.sellerId],
          orderIds: event.orderId ? [event.orderId] : [],
          orderParties: event.orderId
            ? attributeOrders(
                [event.orderId],
                [{ orderId: event.orderId, buyerId: event.buyerId, sellerId: event.sellerId }],
              )
            : [],
          windows: { threat_messages: 1 },
          eventIds: [event.id],
          crossed: [{ window: 'threat_messages', value: 1, op: '>=', threshold: 1 }],
          snippets: v.snippets,
        },
      ];
    },
  };

  const extortion = (ruleId: 'complaint-extortion' | 'review-extortion'): Rule => ({
    id: ruleId,
    enabled: (c) => c.rules[ruleId].enabled,
    planBuyer({ event, t, buyer, config }: PlanContext) {
      const cfg = config.rules[ruleId];
      if (ruleId === 'complaint-extortion' && event.type !== 'complaint.filed') return;
      if (
        ruleId === 'review-extortion' &&
        (event.type !== 'review.posted' || event.data.rating > cfg.maxRating)
      )
        return;
      buyer.read(READ, {
        op: 'zrange',
        key: buyer.keys.window(THREATS),
        from: t - threatWindow(config),
        to: t,
        limit: config.readLimit,
      });
    },
    evaluate({ event, t, config, buyer }: EvalContext): Finding[] {
      const cfg = config.rules[ruleId];
      if (ruleId === 'complaint-extortion' && event.type !== 'complaint.filed') return [];
      if (
        ruleId === 'review-extortion' &&
        (event.type !== 'review.posted' || event.data.rating > cfg.maxRating)
      ) {
        return [];
      }
      const threats = sortEntries(
        buyer
          .zset(READ)
          .map(({ fields: [id = '', sellerId = '', orderId = '', ...snippets], time }) => ({
            id,
            sellerId,
            orderId,
            snippets,
            time,
          }))
          .filter((th) => th.sellerId === event.sellerId && th.time >= t - cfg.within && th.time <= t),
      );
      const first = threats[0];
      if (!first) return [];
      const name = `threats_to_seller_${fmtDuration(cfg.within)}`;
      const orderIds = unique(
        [...threats.map((th) => th.orderId), event.orderId ?? ''].filter((o) => o !== ''),
      );
      // Every threat kept is against this event's seller (filtered above), by this buyer.
      const facts = [...threats.map((th) => th.orderId), event.orderId ?? ''].map((orderId) => ({
        orderId,
        buyerId: event.buyerId,
        sellerId: event.sellerId,
      }));
      return [
        {
          ruleId,
          subject: { kind: 'buyer', id: event.buyerId },
          trigger: [first.id],
          severity: 'high',
          buyerIds: [event.buyerId],
          sellerIds: [event.sellerId],
          orderIds,
          orderParties: attributeOrders(orderIds, facts),
          windows: { [name]: threats.length },
          eventIds: [...threats.map((th) => th.id), event.id],
          crossed: [{ window: name, value: threats.length, op: '>=', threshold: 1 }],
          snippets: unique(threats.flatMap((th) => th.snippets)).slice(0, 5),
        },
      ];
    },
  });

  return [threatChat, extortion('complaint-extortion'), extortion('review-extortion')];
}
