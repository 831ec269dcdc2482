import { geohash } from '@vigil/classify';
import type { PlanContext } from './engine';

// Order lifecycle state, kept per order in the buyer's slot for the rules that need it (placed at,
// seller, paid, shipped, delivered, insured, device, address fingerprint). First write of a field
// wins (HSETNX), so a redelivered or reordered event cannot rewrite history.

export const ORDER_READ = 'order';

export function planLifecycle(ctx: PlanContext): void {
  const { event, t, buyer, config } = ctx;
  if (!('orderId' in event) || event.orderId === undefined || !event.type.startsWith('order.')) return;
  const key = buyer.keys.order(event.orderId);
  const ts = String(t);
  const fields: Record<string, string> = {};
  switch (event.type) {
    case 'order.placed':
      fields['seller'] = event.sellerId;
      fields['placedAt'] = ts;
      fields['insured'] = event.data.shippingInsurance ? '1' : '0';
      fields['pm'] = event.data.paymentMethod;
      if (event.data.deviceId) fields['device'] = event.data.deviceId;
      fields['addr'] = ctx.fingerprint(event.data.shippingAddress);
      fields['cluster'] = ctx.clusterKey(event.data.shippingAddress);
      if (event.data.shippingAddress.geo) {
        // ~38 m × 19 m cell: enough to tell "near" without keeping the exact point.
        const { lat, lon } = event.data.shippingAddress.geo;
        fields['pos'] = geohash(lat, lon, 8);
      }
      break;
    case 'order.paid':
      fields['paidAt'] = ts;
      break;
    case 'order.shipped':
      fields['shippedAt'] = ts;
      break;
    case 'order.delivered':
      fields['deliveredAt'] = ts;
      break;
    case 'order.cancelled':
      fields['cancelledAt'] = ts;
      fields['cancelReason'] = event.data.reason;
      break;
    case 'order.delivery_failed':
      fields['deliveryFailedAt'] = ts;
      break;
  }
  buyer.write({ op: 'hset', key, fields, onlyNew: true, ttlMs: config.orderTtl });
}
