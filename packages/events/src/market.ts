import { z } from 'zod';

// Event contract v1 (DESIGN.md, "Event contract v1"). Each schema shares its name with its type.
// Unknown extra fields are stripped (the contract says they are ignored).

// Identifiers become Redis keys, BullMQ job ids and PostgreSQL text. A lone surrogate (possible
// through a JSON \u escape) is lost in the UTF-8 encoding, so two distinct ids would share one key
// (one event deduped away as the other), and PostgreSQL rejects NUL: such ids are dead-lettered.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const str = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine(
      (s) => !LONE_SURROGATE.test(s) && !s.includes('\u0000'),
      'must be well-formed Unicode without NUL',
    );
const nonNegative = z.number().finite().min(0);

export const BuyerId = str(64);
export const SellerId = str(64);
export const OrderId = str(64);
export const EventId = str(128);
/** ISO-8601 UTC instant, e.g. `2026-11-26T10:00:00Z` or with milliseconds. */
export const Instant = z.iso.datetime({ offset: false, local: false });

export const SELLER_LABELS = [
  'bulk_non_payment',
  'invalid_address',
  'ad_review',
  'commission_abuse',
  'freight_insurance_abuse',
  'no_purchase_intent',
  'fake_return_tracking',
  'empty_package_return',
  'refund_only_after_receipt',
  'deliberate_damage',
  'complaint_extortion',
  'review_extortion',
  'competitor_review',
] as const;
export const SellerLabel = z.enum(SELLER_LABELS);
export type SellerLabel = z.infer<typeof SellerLabel>;

export const ShippingAddress = z.object({
  country: z.string().regex(/^[A-Za-z]{2}$/, 'expected a 2-letter country code'),
  region: z.string().max(200),
  city: z.string().max(200),
  line: z.string().max(500),
  postcode: z.string().max(32).optional(),
  geo: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
});
export type ShippingAddress = z.infer<typeof ShippingAddress>;

export const OrderItem = z.object({
  skuId: str(64),
  qty: z.number().int().min(1),
  unitPrice: nonNegative,
});

export const OrderPlacedData = z.object({
  items: z.array(OrderItem).min(1).max(100),
  total: nonNegative,
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected a 3-letter currency code'),
  shippingAddress: ShippingAddress,
  shippingInsurance: z.boolean(),
  paymentMethod: z.enum(['online', 'cod', 'credit_card', 'installments']),
  promotionId: str(64).optional(),
  deviceId: str(128).optional(),
  ipHash: str(128).optional(),
});
export const OrderPaidData = z.object({ amount: nonNegative });
export const CancelReason = z.enum([
  'buyer_request',
  'payment_timeout',
  'address_invalid',
  'seller_out_of_stock',
  'other',
]);
export const OrderCancelledData = z.object({ reason: CancelReason });
export const OrderShippedData = z.object({ carrier: str(64), trackingNo: str(128) });
export const OrderDeliveredData = z.object({});
export const DeliveryFailedReason = z.enum(['address_invalid', 'recipient_unreachable', 'refused', 'other']);
export const OrderDeliveryFailedData = z.object({ reason: DeliveryFailedReason });
export const RefundKind = z.enum(['refund_only', 'return_and_refund']);
export const RefundReason = z.enum([
  'not_received',
  'wrong_item',
  'damaged',
  'not_as_described',
  'changed_mind',
  'other',
]);
export const RefundRequestedData = z.object({
  refundId: str(64),
  kind: RefundKind,
  reason: RefundReason,
  amount: nonNegative,
});
export const RefundResolvedData = z.object({
  refundId: str(64),
  outcome: z.enum(['approved', 'rejected', 'withdrawn']),
});
export const ReturnShippedData = z.object({ refundId: str(64), carrier: str(64), trackingNo: str(128) });
export const ReturnCondition = z.enum(['ok', 'empty_package', 'missing_items', 'damaged', 'swapped_item']);
export const ReturnReceivedData = z.object({ refundId: str(64), condition: ReturnCondition });
export const ReviewPostedData = z.object({
  reviewId: str(64),
  rating: z.number().int().min(1).max(5),
  text: z.string().max(4000),
});
export const ChatMessageData = z.object({ from: z.enum(['buyer', 'seller']), text: z.string().max(4000) });
export const ComplaintCategory = z.enum([
  'late_delivery',
  'out_of_stock',
  'info_leak',
  'invoice',
  'postage',
  'cod',
  'credit_card',
  'cashback_for_review',
  'false_advertising',
  'other',
]);
export const ComplaintFiledData = z.object({ complaintId: str(64), category: ComplaintCategory });
export const SellerLabelData = z.object({
  label: SellerLabel,
  note: z.string().max(1000).optional(),
  evidenceRefs: z.array(str(256)).max(50).optional(),
});

const envelope = {
  id: EventId,
  version: z.literal(1),
  occurredAt: Instant,
  buyerId: BuyerId,
  sellerId: SellerId,
};
const withOrder = { ...envelope, orderId: OrderId };
const optionalOrder = { ...envelope, orderId: OrderId.optional() };

export const OrderPlaced = z.object({ ...withOrder, type: z.literal('order.placed'), data: OrderPlacedData });
export const OrderPaid = z.object({ ...withOrder, type: z.literal('order.paid'), data: OrderPaidData });
export const OrderCancelled = z.object({
  ...withOrder,
  type: z.literal('order.cancelled'),
  data: OrderCancelledData,
});
export const OrderShipped = z.object({
  ...withOrder,
  type: z.literal('order.shipped'),
  data: OrderShippedData,
});
export const OrderDelivered = z.object({
  ...withOrder,
  type: z.literal('order.delivered'),
  data: OrderDeliveredData,
});
export const OrderDeliveryFailed = z.object({
  ...withOrder,
  type: z.literal('order.delivery_failed'),
  data: OrderDeliveryFailedData,
});
export const RefundRequested = z.object({
  ...withOrder,
  type: z.literal('refund.requested'),
  data: RefundRequestedData,
});
export const RefundResolved = z.object({
  ...withOrder,
  type: z.literal('refund.resolved'),
  data: RefundResolvedData,
});
export const ReturnShipped = z.object({
  ...withOrder,
  type: z.literal('return.shipped'),
  data: ReturnShippedData,
});
export const ReturnReceived = z.object({
  ...withOrder,
  type: z.literal('return.received'),
  data: ReturnReceivedData,
});
export const ReviewPosted = z.object({
  ...withOrder,
  type: z.literal('review.posted'),
  data: ReviewPostedData,
});
export const ChatMessage = z.object({
  ...optionalOrder,
  type: z.literal('chat.message'),
  data: ChatMessageData,
});
export const ComplaintFiled = z.object({
  ...optionalOrder,
  type: z.literal('complaint.filed'),
  data: ComplaintFiledData,
});
export const SellerLabelled = z.object({
  ...withOrder,
  type: z.literal('seller.label'),
  data: SellerLabelData,
});

export type OrderPlaced = z.infer<typeof OrderPlaced>;
export type OrderPaid = z.infer<typeof OrderPaid>;
export type OrderCancelled = z.infer<typeof OrderCancelled>;
export type OrderShipped = z.infer<typeof OrderShipped>;
export type OrderDelivered = z.infer<typeof OrderDelivered>;
export type OrderDeliveryFailed = z.infer<typeof OrderDeliveryFailed>;
export type RefundRequested = z.infer<typeof RefundRequested>;
export type RefundResolved = z.infer<typeof RefundResolved>;
export type ReturnShipped = z.infer<typeof ReturnShipped>;
export type ReturnReceived = z.infer<typeof ReturnReceived>;
export type ReviewPosted = z.infer<typeof ReviewPosted>;
export type ChatMessage = z.infer<typeof ChatMessage>;
export type ComplaintFiled = z.infer<typeof ComplaintFiled>;
export type SellerLabelled = z.infer<typeof SellerLabelled>;

/** Every market event, discriminated by `type`. */
export const MarketEvent = z.discriminatedUnion('type', [
  OrderPlaced,
  OrderPaid,
  OrderCancelled,
  OrderShipped,
  OrderDelivered,
  OrderDeliveryFailed,
  RefundRequested,
  RefundResolved,
  ReturnShipped,
  ReturnReceived,
  ReviewPosted,
  ChatMessage,
  ComplaintFiled,
  SellerLabelled,
]);
export type MarketEvent = z.infer<typeof MarketEvent>;
export type EventType = MarketEvent['type'];
/** The event of one type, e.g. `EventOf<'order.paid'>`. */
export type EventOf<T extends EventType> = Extract<MarketEvent, { type: T }>;

export const TOPICS = {
  orders: 'market.orders.v1',
  refunds: 'market.refunds.v1',
  reviews: 'market.reviews.v1',
  chats: 'market.chats.v1',
  complaints: 'market.complaints.v1',
  sellerLabels: 'market.seller-labels.v1',
  dlq: 'vigil.dlq.v1',
  enforcement: 'vigil.enforcement.v1',
  sellerRelief: 'vigil.seller-relief.v1',
} as const;

/** The topics detectors consume. */
export const MARKET_TOPICS = [
  TOPICS.orders,
  TOPICS.refunds,
  TOPICS.reviews,
  TOPICS.chats,
  TOPICS.complaints,
  TOPICS.sellerLabels,
] as const;
export type MarketTopic = (typeof MARKET_TOPICS)[number];

export const TOPIC_BY_TYPE: Record<EventType, MarketTopic> = {
  'order.placed': TOPICS.orders,
  'order.paid': TOPICS.orders,
  'order.cancelled': TOPICS.orders,
  'order.shipped': TOPICS.orders,
  'order.delivered': TOPICS.orders,
  'order.delivery_failed': TOPICS.orders,
  'refund.requested': TOPICS.refunds,
  'refund.resolved': TOPICS.refunds,
  'return.shipped': TOPICS.refunds,
  'return.received': TOPICS.refunds,
  'review.posted': TOPICS.reviews,
  'chat.message': TOPICS.chats,
  'complaint.filed': TOPICS.complaints,
  'seller.label': TOPICS.sellerLabels,
};
export const EVENT_TYPES = Object.keys(TOPIC_BY_TYPE) as EventType[];
