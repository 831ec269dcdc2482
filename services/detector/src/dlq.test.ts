import { DeadLetter, decodeEvent } from '@vigil/events';
import { buildDeadLetter } from './dlq';

describe('buildDeadLetter', () => {
  const failedAt = new Date('2026-11-26T12:00:00.000Z');

  it('keeps reason, code, source position, key and the original bytes', () => {
    const original = Buffer.from([0x7b, 0xff, 0x00, 0x22]); // "{", invalid UTF-8, NUL, quote
    const rejection = decodeEvent(original, 'market.orders.v1');
    if (rejection.ok) throw new Error('expected a rejection');
    const { record, message } = buildDeadLetter(
      { topic: 'market.orders.v1', partition: 2, offset: '41', key: Buffer.from('b-7'), value: original },
      rejection,
      failedAt,
    );
    expect(record).toEqual({
      reason: 'message is not valid UTF-8',
      code: 'not_utf8',
      source: { topic: 'market.orders.v1', partition: 2, offset: '41' },
      key: 'b-7',
      value: original.toString('base64'),
      failedAt: '2026-11-26T12:00:00.000Z',
    });
    expect(Buffer.from(record.value, 'base64').equals(original)).toBe(true);
    // The DLQ message is keyed like the original and its value is the schema-valid record.
    expect(message.key?.toString()).toBe('b-7');
    expect(DeadLetter.parse(JSON.parse(message.value.toString('utf8')))).toEqual(record);
    expect(message.headers['vigil-dlq-code']).toBe('not_utf8');
  });

  it('handles a null key and a null (tombstone) value', () => {
    const { record, message } = buildDeadLetter(
      { topic: 't', partition: 0, offset: '0', key: null, value: null },
      { code: 'empty', reason: 'empty message' },
      failedAt,
    );
    expect(record.key).toBeNull();
    expect(record.value).toBe('');
    expect(message.key).toBeNull();
  });
});
