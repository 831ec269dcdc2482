import { VigilError } from '@vigil/common';
import type { RulesConfig } from '@vigil/rules';
import { fmtDuration } from '@vigil/rules/src/engine';
import { createKeys } from '@vigil/windows';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BuyerWindowReader } from './windows';

/**
 * One of the rule engine's per-buyer event windows: its Redis window name (packages/rules writes
 * it with `buyer.keys.window(key)`), the name shown (as the rule names it in evidence, with the
 * configured length), and the configured length.
 */
interface BuyerWindowSpec {
  key: string;
  name: (c: RulesConfig) => string;
  lengthMs: (c: RulesConfig) => number;
}

const r = (c: RulesConfig) => c.rules;
const spec = (key: string, prefix: string, lengthMs: (c: RulesConfig) => number): BuyerWindowSpec => ({
  key,
  lengthMs,
  name: (c) => `${prefix}_${fmtDuration(lengthMs(c))}`,
});

/**
 * The buyer windows of the catalogue rules whose value is "events of this kind within the
 * window" (the value the rule compares with its threshold, before distinct-seller or ratio
 * conditions). Windows kept per device, address or tracking number are not the buyer's and are
 * not read here.
 */
export const BUYER_WINDOWS: BuyerWindowSpec[] = [
  spec('ptimeout', 'payment_timeouts', (c) => r(c)['bulk-non-payment'].timeoutWindow),
  spec('dfail', 'delivery_failures', (c) => r(c)['invalid-address'].failureWindow),
  spec('addrcancel', 'address_invalid_cancellations', (c) => r(c)['invalid-address'].cancelWindow),
  spec('refunds', 'refund_requests', (c) => r(c)['refund-frequency'].window),
  spec('placed', 'orders_placed', (c) => r(c)['refund-frequency'].ratioWindow),
  spec('rnr', 'not_received_after_delivery', (c) => r(c)['refund-only-after-delivery'].window),
  spec('abret', 'abnormal_returns', (c) => r(c)['abnormal-return-goods'].window),
  spec('insret', 'insured_quick_returns', (c) => r(c)['freight-insurance-abuse'].window),
  spec('complaints', 'complaints', (c) => r(c)['complaint-spree'].window),
  spec('reviews', 'reviews', (c) => r(c)['negative-review-spree'].window),
  spec('labels', 'seller_labels', (c) => r(c)['seller-label-accumulation'].window),
];

/** Options for {@link RulesWindowReader}. */
export interface RulesWindowReaderOptions {
  /** The rules config the detectors run with (durations decide what is "in" a window). */
  config: RulesConfig;
  /** Key prefix of the detectors' windows (config VIGIL_KEY_PREFIX). Default `vigil`. */
  prefix?: string;
}

const Watermark = z.coerce.number().finite();

/**
 * Reads a buyer's live window values from the rule engine's Redis keys (@vigil/windows layout):
 * for each window, the number of entries within [watermark − length, watermark], where the
 * watermark is the highest event time seen for the buyer (windows run on event time, so "now" is
 * the buyer's latest event, not the wall clock). One pipeline, read-only. Windows with no entry are
 * left out; a buyer Vigil has never seen gets `{}`.
 */
export class RulesWindowReader implements BuyerWindowReader {
  private readonly keys: ReturnType<typeof createKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly options: RulesWindowReaderOptions,
  ) {
    this.keys = createKeys(options.prefix ?? 'vigil');
  }

  async read(buyerId: string): Promise<Record<string, number>> {
    const buyer = this.keys.buyer(buyerId);
    let wmRaw: string | null;
    try {
      wmRaw = await this.redis.hget(buyer.meta, 'wm');
    } catch (err) {
      throw new VigilError('REDIS_UNAVAILABLE', 'could not read buyer windows', {
        retriable: true,
        cause: err,
      });
    }
    if (wmRaw === null) return {};
    const wm = Watermark.safeParse(wmRaw);
    if (!wm.success)
      throw new VigilError('REDIS_BAD_REPLY', `buyer watermark is not a number: ${wmRaw.slice(0, 40)}`);
    const pipeline = this.redis.pipeline();
    for (const w of BUYER_WINDOWS) {
      pipeline.zcount(buyer.window(w.key), wm.data - w.lengthMs(this.options.config), '+inf');
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new VigilError('REDIS_UNAVAILABLE', 'pipeline aborted', { retriable: true });
    const out: Record<string, number> = {};
    BUYER_WINDOWS.forEach((w, i) => {
      const [err, value] = replies[i] ?? [new Error('missing reply'), null];
      if (err)
        throw new VigilError('REDIS_UNAVAILABLE', 'could not read buyer windows', {
          retriable: true,
          cause: err,
        });
      const n = z.number().int().min(0).safeParse(value);
      if (!n.success) throw new VigilError('REDIS_BAD_REPLY', `unexpected ZCOUNT reply for window ${w.key}`);
      if (n.data > 0) out[w.name(this.options.config)] = n.data;
    });
    return out;
  }
}
