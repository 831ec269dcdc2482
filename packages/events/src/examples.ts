import type { EventOf, EventType, MarketEvent } from './market';

const base = {
  version: 1 as const,
  occurredAt: '2026-11-26T10:00:00.000Z',
  buyerId: 'b-1',
  sellerId: 's-1',
  orderId: 'o-1',
};

/** One valid event of each type: fixtures for tests and documentation. */
export const EXAMPLES: { [T in EventType]: EventOf<T> } = {
  'order.placed': {
    ...base,
    id: 'e-placed',
    type: 'order.placed',
    data: {
      items: [{ skuId: 'sku-1', qty: 2, unitPrice: 19.9 }],
      total: 39.8,
      currency: 'CNY',
      shippingAddress: {
        country: 'CN',
        region: 'Zhejiang',
        city: 'Hangzhou',
        line: '1 West Lake Rd',
        postcode: '310000',
      },
      shippingInsurance: true,
      paymentMethod: 'online',
      deviceId: 'd-1',
    },
  },
  'order.paid': { ...base, id: 'e-paid', type: 'order.paid', data: { amount: 39.8 } },
  'order.cancelled': {
    ...base,
    id: 'e-cancel',
    type: 'order.cancelled',
    data: { reason: 'payment_timeout' },
  },
  'order.shipped': {
    ...base,
    id: 'e-ship',
    type: 'order.shipped',
    data: { carrier: 'SF', trackingNo: 'SF123' },
  },
  'order.delivered': { ...base, id: 'e-deliv', type: 'order.delivered', data: {} },
  'order.delivery_failed': {
    ...base,
    id: 'e-fail',
    type: 'order.delivery_failed',
    data: { reason: 'address_invalid' },
  },
  'refund.requested': {
    ...base,
    id: 'e-refreq',
    type: 'refund.requested',
    data: { refundId: 'r-1', kind: 'refund_only', reason: 'not_received', amount: 39.8 },
  },
  'refund.resolved': {
    ...base,
    id: 'e-refres',
    type: 'refund.resolved',
    data: { refundId: 'r-1', outcome: 'approved' },
  },
  'return.shipped': {
    ...base,
    id: 'e-retship',
    type: 'return.shipped',
    data: { refundId: 'r-1', carrier: 'YTO', trackingNo: 'YT999' },
  },
  'return.received': {
    ...base,
    id: 'e-retrecv',
    type: 'return.received',
    data: { refundId: 'r-1', condition: 'ok' },
  },
  'review.posted': {
    ...base,
    id: 'e-review',
    type: 'review.posted',
    data: { reviewId: 'rv-1', rating: 1, text: 'bad' },
  },
  'chat.message': { ...base, id: 'e-chat', type: 'chat.message', data: { from: 'buyer', text: 'hello' } },
  'complaint.filed': {
    ...base,
    id: 'e-compl',
    type: 'complaint.filed',
    data: { complaintId: 'c-1', category: 'false_advertising' },
  },
  'seller.label': { ...base, id: 'e-label', type: 'seller.label', data: { label: 'fake_return_tracking' } },
};

export const EXAMPLE_LIST: MarketEvent[] = Object.values(EXAMPLES);
