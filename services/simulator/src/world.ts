import type { ShippingAddress } from '@vigil/events';
import type { Rng } from './prng';

/** One SKU a seller lists. */
export interface Sku {
  skuId: string;
  price: number;
  /** Apparel comes in sizes; the wrong-size claims of the seed guide (Q10) target it. */
  apparel: boolean;
}

/** A seller with its listings and running promotions. */
export interface Seller {
  id: string;
  skus: Sku[];
  promotionIds: string[];
}

/** Where a buyer account ships to. `household` identifies the building for ground truth. */
export interface Address {
  value: ShippingAddress;
  /** Exact-address key: accounts sharing it share one address. */
  key: string;
}

const CITIES = [
  { region: 'Zhejiang', city: 'Hangzhou', postcode: '310000', lat: 30.27, lon: 120.15 },
  { region: 'Shanghai', city: 'Shanghai', postcode: '200000', lat: 31.23, lon: 121.47 },
  { region: 'Beijing', city: 'Beijing', postcode: '100000', lat: 39.9, lon: 116.4 },
  { region: 'Guangdong', city: 'Guangzhou', postcode: '510000', lat: 23.13, lon: 113.26 },
  { region: 'Guangdong', city: 'Shenzhen', postcode: '518000', lat: 22.54, lon: 114.06 },
  { region: 'Sichuan', city: 'Chengdu', postcode: '610000', lat: 30.57, lon: 104.07 },
  { region: 'Hubei', city: 'Wuhan', postcode: '430000', lat: 30.59, lon: 114.3 },
  { region: 'Jiangsu', city: 'Nanjing', postcode: '210000', lat: 32.06, lon: 118.8 },
  { region: 'Shaanxi', city: "Xi'an", postcode: '710000', lat: 34.34, lon: 108.94 },
  { region: 'Chongqing', city: 'Chongqing', postcode: '400000', lat: 29.56, lon: 106.55 },
] as const;
const STREETS = ['West Lake', 'Wensan', 'Jiefang', 'Renmin', 'Zhongshan', 'Huaihai', 'Nanjing', 'Yan’an'];
/** Lattice spacing between households, in degrees (~600 m): honest households never look "near". */
const LATTICE = 0.006;
const LATTICE_COLS = 200;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Hands out buildings. Every building gets its own street number and its own lattice point, far
 * from any other building, so two honest households never fall into one address cluster; only
 * scenarios that ask for it (a family, a wrong-item ring, linked accounts) share a building.
 */
export class AddressBook {
  private next = 0;

  /** A new building; `unit` distinguishes flats in it. */
  building(rng: Rng): (unit: number, jitterMeters?: number) => Address {
    const h = this.next++;
    const c = CITIES[h % CITIES.length]!;
    const k = Math.floor(h / CITIES.length);
    const street = STREETS[k % STREETS.length]!;
    const number = Math.floor(k / STREETS.length) + 1;
    const row = Math.floor(k / LATTICE_COLS);
    const col = k % LATTICE_COLS;
    const lat = c.lat + (row - 50) * LATTICE;
    const lon = c.lon + (col - LATTICE_COLS / 2) * LATTICE;
    const line = `${number} ${street} Rd`;
    // One postcode per ~1.8 km district (3×3 lattice cells), as real postcodes cover a district
    // rather than a whole city: a coarse "same postcode" reading of address clusters still
    // separates most honest households.
    const district = (Math.floor(row / 3) * 67 + Math.floor(col / 3)) % 1000;
    const postcode = `${c.postcode.slice(0, 3)}${String(district).padStart(3, '0')}`;
    return (unit: number, jitterMeters = 0) => {
      // ~1e-5 degrees per metre; jitter keeps a ring's flats apart on the map but in one building.
      const j = jitterMeters / 1e5;
      const value: ShippingAddress = {
        country: 'CN',
        region: c.region,
        city: c.city,
        line: `${line}, Unit ${unit}`,
        postcode,
        geo: { lat: round6(lat + (j ? rng.real(-j, j) : 0)), lon: round6(lon + (j ? rng.real(-j, j) : 0)) },
      };
      return { value, key: `${h}/${unit}` };
    };
  }

  /** A household: one building, one flat. */
  household(rng: Rng): Address {
    return this.building(rng)(rng.int(101, 2808));
  }

  /** An address no courier can deliver to (seed guide: "invalid or inaccurate receiving address"). */
  invalid(rng: Rng): Address {
    const h = this.next++;
    const c = CITIES[h % CITIES.length]!;
    const line = rng.pick([
      'near the big tree',
      'xxx',
      'no such street 000',
      '??',
      'call me when you arrive',
      '1',
    ]);
    return {
      value: { country: 'CN', region: c.region, city: c.city, line: `${line} #${h}` },
      key: `${h}/invalid`,
    };
  }
}

/** The marketplace's sellers, picked with a skewed popularity (a few big shops, many small ones). */
export class Catalogue {
  readonly sellers: Seller[];
  private readonly cumulative: number[];

  constructor(rng: Rng, count: number, tag: string) {
    this.sellers = [];
    this.cumulative = [];
    let acc = 0;
    for (let i = 0; i < count; i++) {
      const id = `s-${tag}-${String(i + 1).padStart(4, '0')}`;
      const apparelShop = rng.chance(0.35);
      const skus: Sku[] = [];
      const n = rng.int(4, 24);
      for (let k = 0; k < n; k++) {
        // Log-uniform prices between 5 and 2000 CNY, in cents.
        const price = Math.round(Math.exp(rng.real(Math.log(5), Math.log(2000))) * 100) / 100;
        skus.push({ skuId: `${id}-sku-${k + 1}`, price, apparel: apparelShop && rng.chance(0.8) });
      }
      const promotionIds = rng.chance(0.4)
        ? Array.from({ length: rng.int(1, 3) }, (_, k) => `${id}-promo-${k + 1}`)
        : [];
      this.sellers.push({ id, skus, promotionIds });
      acc += 1 / (i + 1) ** 0.8;
      this.cumulative.push(acc);
    }
  }

  /** A seller by popularity. */
  pick(rng: Rng): Seller {
    const total = this.cumulative[this.cumulative.length - 1]!;
    const r = rng.next() * total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return this.sellers[lo]!;
  }

  /** `k` distinct sellers by popularity (k is capped at the number of sellers). */
  pickDistinct(rng: Rng, k: number): Seller[] {
    const want = Math.min(k, this.sellers.length);
    const chosen = new Set<Seller>();
    for (let tries = 0; chosen.size < want && tries < want * 50; tries++) chosen.add(this.pick(rng));
    // A tiny catalogue can starve the popularity draw; fill up uniformly.
    for (const s of rng.shuffle([...this.sellers])) {
      if (chosen.size >= want) break;
      chosen.add(s);
    }
    return [...chosen];
  }

  private readonly victims = new Set<Seller>();

  /**
   * A seller no earlier smear campaign targeted (uniformly), so two simulated campaigns never
   * overlap on one victim and blur each other's ground truth. Falls back to any seller.
   */
  pickVictim(rng: Rng): Seller {
    const free = this.sellers.filter((s) => !this.victims.has(s));
    const s = free.length > 0 ? rng.pick(free) : this.pick(rng);
    this.victims.add(s);
    return s;
  }

  /** A seller that sells apparel (the wrong-size ring needs one), else any. */
  pickApparel(rng: Rng): Seller {
    const apparel = this.sellers.filter((s) => s.skus.some((k) => k.apparel));
    return apparel.length > 0 ? rng.pick(apparel) : this.pick(rng);
  }
}

export const CARRIERS = ['SF', 'YTO', 'ZTO', 'STO', 'YUNDA', 'JD', 'EMS'] as const;

export const TEXT = {
  reviewGood: [
    'Great quality, fast shipping.',
    'Exactly as described, will buy again.',
    '质量很好，物流很快',
    'Good value for the price.',
    '包装完好，和描述一致',
    'Fits well, nice material.',
  ],
  reviewOk: [
    'It is okay, a bit smaller than expected.',
    '一般般，还可以',
    'Average quality, arrived on time.',
  ],
  reviewHarsh: [
    'Poor quality, the seams came apart after one wash.',
    'Not worth the money at all.',
    '质量太差了，不推荐',
    'Colour is nothing like the photos.',
  ],
  reviewSmear: [
    'Terrible shop, fake goods, do not buy!!!',
    '假货，大家别买',
    'Worst seller ever, total scam.',
    '垃圾店铺，质量极差',
    'Cheap knock-off, avoid.',
  ],
  presaleBuyer: [
    'Hi, is this still in stock?',
    '你好，这个有货吗？',
    'Does this come in blue?',
    'When will you ship if I order today?',
    '请问什么时候发货？',
  ],
  presaleSeller: [
    'Yes, in stock, ships within 24 hours.',
    '有货的亲，24小时内发货',
    'Thanks for asking, we ship daily.',
  ],
  politeLate: [
    'Hi, my order has not shipped yet, could you please check? Thanks.',
    '你好，我的订单还没发货，麻烦帮忙看一下，谢谢',
    'Hello, the parcel has not moved for three days, could you ask the courier?',
  ],
  politeRefund: [
    'Sorry, I no longer need it, could I get a refund please?',
    '不好意思，不需要了，可以退款吗？谢谢',
  ],
  sellerSorry: [
    'Sorry for the delay, we are checking with the courier.',
    '抱歉亲，我们马上核实',
    'Apologies, we will sort it out.',
  ],
  sellerFirm: [
    'We are sorry you are unhappy; please use the official after-sales process.',
    '亲，请走正常售后流程',
    'We cannot do that, but we can help with a return.',
  ],
} as const;

/** Threat chats of the seed guide (Q1, Q11, Q17): benefit demanded, complaint or bad review as lever. */
export function threatText(rng: Rng): string {
  const n = rng.pick([20, 30, 50, 80, 100, 200]);
  return rng.pick([
    `Give me ${n} yuan compensation or I'll complain that your listing says lowest price, that violates the advertising law.`,
    `不赔偿就给差评`,
    `不赔偿${n}元就给差评`,
    `你们详情页写着全网最低价，违反广告法，给我${n}元补偿，不然我就投诉`,
    `Refund me ${n} yuan now or I will leave a bad review on every item you sell.`,
    `Send me a ${n} yuan coupon, otherwise I will file a complaint for false advertising.`,
    `不给我退${n}元我就投诉你们，再给差评`,
    `Your page says "lowest price on the whole network". That breaks the advertising law. Pay me ${n} yuan compensation or I complain.`,
  ]);
}
