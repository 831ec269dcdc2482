import { type EventOf, type EventType, MarketEvent } from '@vigil/events';
import { EXAMPLES } from '@vigil/events/src/examples';

// Test-only builders of valid market events (validated with the contract schema, so a test can
// never feed the engine something the consumer would have dead-lettered).

const T0 = Date.parse('2026-11-20T08:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

let seq = 0;

export function at(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

export function ev<T extends EventType>(
  type: T,
  fields: { buyerId: string; sellerId?: string; orderId?: string; at: number; id?: string },
  data: Partial<EventOf<T>['data']> = {},
): EventOf<T> {
  const example = EXAMPLES[type] as EventOf<T>;
  const raw = {
    ...example,
    id: fields.id ?? `ev-${type}-${++seq}`,
    buyerId: fields.buyerId,
    sellerId: fields.sellerId ?? 's-1',
    ...(fields.orderId !== undefined || 'orderId' in example ? { orderId: fields.orderId ?? 'o-1' } : {}),
    occurredAt: at(fields.at),
    data: { ...example.data, ...data },
  };
  return MarketEvent.parse(raw) as EventOf<T>;
}
