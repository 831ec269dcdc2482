// Standard geohash (Niemeyer, base32 alphabet without a, i, l, o): interleaves longitude and
// latitude bisection bits, longitude first, 5 bits per character.

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/**
 * Encodes a point as a geohash of `precision` characters (1–12). Precision 7 is a cell of about
 * 153 m × 153 m at the equator (narrower east–west towards the poles).
 * Throws RangeError on an out-of-range latitude, longitude or precision.
 */
export function geohash(lat: number, lon: number, precision = 7): string {
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw new RangeError(`latitude out of range: ${lat}`);
  if (!Number.isFinite(lon) || lon < -180 || lon > 180)
    throw new RangeError(`longitude out of range: ${lon}`);
  if (!Number.isInteger(precision) || precision < 1 || precision > 12) {
    throw new RangeError(`geohash precision must be an integer in 1..12, got ${precision}`);
  }
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let out = '';
  let bits = 0;
  let bitCount = 0;
  let evenBit = true;
  while (out.length < precision) {
    if (evenBit) {
      const mid = (lonMin + lonMax) / 2;
      if (lon >= mid) {
        bits = (bits << 1) | 1;
        lonMin = mid;
      } else {
        bits <<= 1;
        lonMax = mid;
      }
    } else {
      const mid = (latMin + latMax) / 2;
      if (lat >= mid) {
        bits = (bits << 1) | 1;
        latMin = mid;
      } else {
        bits <<= 1;
        latMax = mid;
      }
    }
    evenBit = !evenBit;
    if (++bitCount === 5) {
      out += BASE32[bits];
      bits = 0;
      bitCount = 0;
    }
  }
  return out;
}

/** The cell a geohash stands for: its south-west and north-east corners. */
export function geohashBounds(hash: string): {
  latMin: number;
  latMax: number;
  lonMin: number;
  lonMax: number;
} {
  let latMin = -90;
  let latMax = 90;
  let lonMin = -180;
  let lonMax = 180;
  let evenBit = true;
  for (const ch of hash.toLowerCase()) {
    const value = BASE32.indexOf(ch);
    if (value < 0) throw new RangeError(`not a geohash character: ${ch}`);
    for (let bit = 4; bit >= 0; bit--) {
      const on = (value >> bit) & 1;
      if (evenBit) {
        const mid = (lonMin + lonMax) / 2;
        if (on) lonMin = mid;
        else lonMax = mid;
      } else {
        const mid = (latMin + latMax) / 2;
        if (on) latMin = mid;
        else latMax = mid;
      }
      evenBit = !evenBit;
    }
  }
  return { latMin, latMax, lonMin, lonMax };
}
