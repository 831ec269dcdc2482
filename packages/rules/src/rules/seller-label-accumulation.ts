import { type EvalContext, type Finding, fmtDuration, member, type PlanContext, type Rule } from '../engine';
import { attributeOrders } from '../parties';
import { type Entry, firstDistinctSpan, sortEntries, unique } from '../span';

// seller-label-accumulation: sellers' "cloud labels" on a buyer add up.
//  high:   labels from ≥ highSellerThreshold distinct sellers within the window;
//  medium: one label of a grave kind (fake_return_tracking, empty_package_return by default).
// A single other label from one seller raises nothing.

const LABELS = 'sla.labels';

interface Label extends Entry {
  label: string;
  orderId: string;
}

export const sellerLabelAccumulation: Rule = {
  id: 'seller-label-accumulation',
  enabled: (c) => c.rules['seller-label-accumulation'].enabled,

  planBuyer({ event, t, buyer, config }: PlanContext) {
    if (event.type !== 'seller.label') return;
    const cfg = config.rules['seller-label-accumulation'];
    const key = buyer.keys.window('labels');
    buyer.write({
      op: 'zadd',
      key,
      member: member(event.id, event.sellerId, event.data.label, event.orderId),
      score: t,
      retentionMs: cfg.window + config.lateness,
      cap: config.windowCap,
      ttlMs: cfg.window + config.lateness,
    });
    buyer.read(LABELS, {
      op: 'zrange',
      key,
      from: t - cfg.window,
      to: t + cfg.window,
      limit: config.readLimit,
    });
  },

  evaluate({ event, config, buyer }: EvalContext): Finding[] {
    if (event.type !== 'seller.label') return [];
    const cfg = config.rules['seller-label-accumulation'];
    const labels: Label[] = buyer
      .zset(LABELS)
      .map(({ fields: [id = '', sellerId = '', label = '', orderId = ''], time }) => ({
        id,
        sellerId,
        label,
        orderId,
        time,
      }));
    const w = fmtDuration(cfg.window);
    const base = {
      ruleId: 'seller-label-accumulation' as const,
      subject: { kind: 'buyer' as const, id: event.buyerId },
      buyerIds: [event.buyerId],
    };
    const high = firstDistinctSpan(labels, cfg.window, cfg.highSellerThreshold, event.id);
    if (high) {
      // Raised by the label that completes the evidence; later labels add nothing new.
      if (!high.evidence.some((e) => e.id === event.id)) return [];
      const sellers = unique(high.span.map((e) => e.sellerId));
      const orderIds = unique(high.span.map((e) => e.orderId));
      return [
        {
          ...base,
          trigger: ['sellers', high.evidence.map((e) => e.id)],
          severity: 'high',
          sellerIds: sellers,
          orderIds,
          orderParties: attributeOrders(
            orderIds,
            high.span.map((e) => ({ orderId: e.orderId, buyerId: event.buyerId, sellerId: e.sellerId })),
          ),
          windows: { [`label_sellers_${w}`]: sellers.length, [`labels_${w}`]: high.span.length },
          eventIds: high.span.map((e) => e.id),
          crossed: [
            {
              window: `label_sellers_${w}`,
              value: sellers.length,
              op: '>=',
              threshold: cfg.highSellerThreshold,
            },
          ],
        },
      ];
    }
    if (!(cfg.mediumLabels as string[]).includes(event.data.label)) return [];
    const me = labels.find((l) => l.id === event.id);
    if (!me) return [];
    // Medium once per window: only the earliest grave label within the window before it raises.
    const grave = sortEntries(
      labels.filter(
        (l) => (cfg.mediumLabels as string[]).includes(l.label) && l.time >= me.time - cfg.window,
      ),
    );
    if (grave[0]?.id !== event.id) return [];
    const count = grave.filter((l) => l.time <= me.time + cfg.window).length;
    return [
      {
        ...base,
        trigger: ['grave', event.id],
        severity: 'medium',
        sellerIds: [event.sellerId],
        orderIds: [event.orderId],
        orderParties: attributeOrders(
          [event.orderId],
          [{ orderId: event.orderId, buyerId: event.buyerId, sellerId: event.sellerId }],
        ),
        windows: { [`grave_labels_${w}`]: count },
        eventIds: [event.id],
        crossed: [{ window: `grave_labels_${w}`, value: count, op: '>=', threshold: 1 }],
      },
    ];
  },
};
