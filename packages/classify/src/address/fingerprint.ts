import { createHash, createHmac } from 'node:crypto';
import type { ShippingAddress } from '@vigil/events';
import { geohash } from './geohash';
import { normaliseAddressParts } from './normalise';

/** Options of the address fingerprint functions. */
export interface FingerprintOptions {
  /**
   * Secret key. When set the fingerprint is HMAC-SHA256(key, normalised address) instead of
   * SHA-256, so someone holding fingerprints cannot confirm a guessed address by hashing it
   * (addresses are low-entropy). Use one key per deployment and keep it stable: changing it
   * changes every fingerprint. Default: none (plain SHA-256).
   */
  key?: string;
  /** Hex characters kept (4–64). Default 16 (64 bits: collisions negligible below ~10⁸ addresses). */
  length?: number;
}

const DOMAIN = 'vigil-address-v1\u0000';

function digest(level: string, value: string, options: FingerprintOptions): string {
  const length = options.length ?? 16;
  if (!Number.isInteger(length) || length < 4 || length > 64) {
    throw new RangeError(`fingerprint length must be an integer in 4..64, got ${length}`);
  }
  // The level is part of the hashed input, so an address and a building never share a value.
  const input = `${DOMAIN}${level}\u0000${value}`;
  const h = options.key === undefined ? createHash('sha256') : createHmac('sha256', options.key);
  return h.update(input, 'utf8').digest('hex').slice(0, length);
}

/** Fingerprint of the exact normalised address, unit / room included. */
export function addressFingerprint(addr: ShippingAddress, options: FingerprintOptions = {}): string {
  return digest('address', normaliseAddressParts(addr).full, options);
}

/** Fingerprint of the building: the normalised address without unit, room or floor. */
export function buildingFingerprint(addr: ShippingAddress, options: FingerprintOptions = {}): string {
  return digest('building', normaliseAddressParts(addr).building, options);
}

/** Options of `addressClusterKey`. */
export interface ClusterKeyOptions extends FingerprintOptions {
  /** Geohash precision used when the address has a geo point (1–12). Default 7 (≈153 m × 153 m). */
  geohashPrecision?: number;
}

/**
 * The key that groups "near" addresses (linked-wrong-item-claims): `g:<geohash>` of the geo point
 * when the address has one, else `b:<building fingerprint>`. The prefixes keep the two kinds from
 * colliding; an address with a geo point and one without never share a key, which errs on the
 * side of not linking buyers.
 */
export function addressClusterKey(addr: ShippingAddress, options: ClusterKeyOptions = {}): string {
  if (addr.geo) return `g:${geohash(addr.geo.lat, addr.geo.lon, options.geohashPrecision ?? 7)}`;
  return `b:${buildingFingerprint(addr, options)}`;
}
