import { decodeEvent, encodeEvent, MAX_EVENT_BYTES, validateEvent } from './codec';
import { EXAMPLE_LIST, EXAMPLES } from './examples';
import { EVENT_TYPES, TOPIC_BY_TYPE } from './market';

const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
const clone = <T>(v: T): T => structuredClone(v);

function rejectReason(raw: unknown, topic?: string): string {
  const r = validateEvent(raw, topic);
  if (r.ok) throw new Error('expected rejection');
  return r.reason;
}

describe('event contract v1', () => {
  it('has an example of every type', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EXAMPLE_LIST.map((e) => [e.type, e]))('accepts a valid %s and round-trips it', (_type, event) => {
    const r = decodeEvent(encodeEvent(event), TOPIC_BY_TYPE[event.type]);
    expect(r).toEqual({ ok: true, event });
  });

  it('ignores unknown extra fields', () => {
    const e = { ...clone(EXAMPLES['order.paid']), extra: 1, data: { amount: 1, note: 'x' } };
    const r = validateEvent(e);
    expect(r.ok && r.event).toEqual({ ...EXAMPLES['order.paid'], data: { amount: 1 } });
  });

  const envelopeCases: [string, (e: Record<string, unknown>) => void, string][] = [
    ['empty id', (e) => (e['id'] = ''), 'id'],
    ['id over 128 chars', (e) => (e['id'] = 'x'.repeat(129)), 'id'],
    ['version 2', (e) => (e['version'] = 2), 'version'],
    ['occurredAt not ISO', (e) => (e['occurredAt'] = 'yesterday'), 'occurredAt'],
    [
      'occurredAt with offset (not UTC)',
      (e) => (e['occurredAt'] = '2026-11-26T10:00:00+08:00'),
      'occurredAt',
    ],
    ['buyerId missing', (e) => delete e['buyerId'], 'buyerId'],
    ['buyerId over 64', (e) => (e['buyerId'] = 'b'.repeat(65)), 'buyerId'],
    ['sellerId missing', (e) => delete e['sellerId'], 'sellerId'],
    ['orderId missing on an order event', (e) => delete e['orderId'], 'orderId'],
    ['data missing', (e) => delete e['data'], 'data'],
  ];
  it.each(envelopeCases)('rejects %s, naming the field', (_name, mutate, field) => {
    const e = clone(EXAMPLES['order.paid']) as unknown as Record<string, unknown>;
    mutate(e);
    expect(rejectReason(e)).toMatch(new RegExp(`^${field}|; ${field}`));
  });

  it('allows no orderId on chat.message and complaint.filed', () => {
    for (const t of ['chat.message', 'complaint.filed'] as const) {
      const { orderId: _drop, ...rest } = clone(EXAMPLES[t]);
      expect(validateEvent(rest).ok).toBe(true);
    }
  });

  const dataCases: [keyof typeof EXAMPLES, (d: Record<string, unknown>) => void, string][] = [
    ['order.placed', (d) => (d['items'] = []), 'data.items'],
    [
      'order.placed',
      (d) => (d['items'] = Array.from({ length: 101 }, () => ({ skuId: 's', qty: 1, unitPrice: 1 }))),
      'data.items',
    ],
    ['order.placed', (d) => (d['items'] = [{ skuId: 's', qty: 0, unitPrice: 1 }]), 'data.items.0.qty'],
    ['order.placed', (d) => (d['items'] = [{ skuId: 's', qty: 1, unitPrice: -1 }]), 'data.items.0.unitPrice'],
    ['order.placed', (d) => (d['total'] = -1), 'data.total'],
    ['order.placed', (d) => (d['currency'] = 'yuan'), 'data.currency'],
    [
      'order.placed',
      (d) => ((d['shippingAddress'] as Record<string, unknown>)['country'] = 'CHN'),
      'data.shippingAddress.country',
    ],
    [
      'order.placed',
      (d) => ((d['shippingAddress'] as Record<string, unknown>)['geo'] = { lat: 91, lon: 0 }),
      'data.shippingAddress.geo.lat',
    ],
    ['order.placed', (d) => (d['shippingInsurance'] = 'yes'), 'data.shippingInsurance'],
    ['order.placed', (d) => (d['paymentMethod'] = 'cash'), 'data.paymentMethod'],
    ['order.paid', (d) => (d['amount'] = -0.01), 'data.amount'],
    ['order.cancelled', (d) => (d['reason'] = 'bored'), 'data.reason'],
    ['order.shipped', (d) => delete d['trackingNo'], 'data.trackingNo'],
    ['order.delivery_failed', (d) => (d['reason'] = 'x'), 'data.reason'],
    ['refund.requested', (d) => (d['kind'] = 'partial'), 'data.kind'],
    ['refund.requested', (d) => (d['reason'] = 'x'), 'data.reason'],
    ['refund.requested', (d) => (d['amount'] = -5), 'data.amount'],
    ['refund.resolved', (d) => (d['outcome'] = 'x'), 'data.outcome'],
    ['return.shipped', (d) => delete d['refundId'], 'data.refundId'],
    ['return.received', (d) => (d['condition'] = 'wet'), 'data.condition'],
    ['review.posted', (d) => (d['rating'] = 6), 'data.rating'],
    ['review.posted', (d) => (d['rating'] = 2.5), 'data.rating'],
    ['review.posted', (d) => (d['text'] = 'x'.repeat(4001)), 'data.text'],
    ['chat.message', (d) => (d['from'] = 'bot'), 'data.from'],
    ['chat.message', (d) => (d['text'] = 'x'.repeat(4001)), 'data.text'],
    ['complaint.filed', (d) => (d['category'] = 'rude'), 'data.category'],
    ['seller.label', (d) => (d['label'] = 'annoying'), 'data.label'],
    ['seller.label', (d) => (d['note'] = 'x'.repeat(1001)), 'data.note'],
  ];
  it.each(dataCases)('%s: rejects a bad field, naming %s', (type, mutate, field) => {
    const e = clone(EXAMPLES[type]) as unknown as { data: Record<string, unknown> };
    mutate(e.data);
    expect(rejectReason(e)).toContain(`${field}:`);
  });

  it('rejects an unknown type, naming the field', () => {
    expect(rejectReason({ ...EXAMPLES['order.paid'], type: 'order.teleported' })).toMatch(
      /^type: expected one of/,
    );
  });

  it('rejects an event on the wrong topic', () => {
    expect(rejectReason(EXAMPLES['order.paid'], 'market.reviews.v1')).toContain(
      'belongs on market.orders.v1',
    );
  });

  it('rejects bytes that are not an event, with a code', () => {
    expect(decodeEvent(Buffer.from('{"id":'))).toMatchObject({ ok: false, code: 'invalid_json' });
    expect(decodeEvent(Buffer.from([0xff, 0xfe]))).toMatchObject({ ok: false, code: 'not_utf8' });
    expect(decodeEvent(Buffer.from('[1]'))).toMatchObject({ ok: false, code: 'not_object' });
    expect(decodeEvent(null)).toMatchObject({ ok: false, code: 'empty' });
    const big = { ...EXAMPLES['chat.message'], pad: 'x'.repeat(MAX_EVENT_BYTES) };
    expect(decodeEvent(bytes(big))).toMatchObject({ ok: false, code: 'too_large' });
  });
});
