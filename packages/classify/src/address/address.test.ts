import type { ShippingAddress } from '@vigil/events';
import fc from 'fast-check';
import { addressClusterKey, addressFingerprint, buildingFingerprint } from './fingerprint';
import { geohash, geohashBounds } from './geohash';
import { normaliseAddress } from './normalise';

const uk = (line: string, extra: Partial<ShippingAddress> = {}): ShippingAddress => ({
  country: 'GB',
  region: 'England',
  city: 'London',
  line,
  postcode: 'NW1 6XE',
  ...extra,
});
const cn = (line: string, extra: Partial<ShippingAddress> = {}): ShippingAddress => ({
  country: 'CN',
  region: '北京市',
  city: '北京市',
  line,
  ...extra,
});

describe('normaliseAddress', () => {
  it('ignores case, whitespace and punctuation, and expands abbreviations', () => {
    expect(normaliseAddress(uk('221B Baker St., Apt. 4'))).toBe(
      normaliseAddress(uk('221b  BAKER STREET apartment 4')),
    );
    expect(normaliseAddress(uk('10 Downing Rd'))).toBe(normaliseAddress(uk('10 downing road')));
    expect(normaliseAddress(uk('1 Elm Ave'))).toBe(normaliseAddress(uk('1, Elm Avenue')));
  });

  it('turns full-width characters into half-width ones', () => {
    expect(normaliseAddress(uk('２２１Ｂ　Ｂａｋｅｒ　Ｓｔ'))).toBe(normaliseAddress(uk('221B Baker St')));
    expect(normaliseAddress(cn('朝阳区建国路８８号５号楼２单元１２０３室'))).toBe(
      normaliseAddress(cn('朝阳区建国路88号5号楼2单元1203室')),
    );
  });

  it('treats the postcode without spaces and the 省/市 suffix as the same place', () => {
    expect(normaliseAddress(uk('1 Elm Ave', { postcode: 'nw16xe' }))).toBe(normaliseAddress(uk('1 Elm Ave')));
    expect(normaliseAddress(cn('建国路88号', { region: '北京', city: '北京' }))).toBe(
      normaliseAddress(cn('建国路88号')),
    );
  });

  it('keeps the unit, so two flats differ', () => {
    expect(normaliseAddress(uk('221B Baker St, Apt 4'))).not.toBe(
      normaliseAddress(uk('221B Baker St, Apt 5')),
    );
    expect(normaliseAddress(uk('No. 88 Jianguo Rd'))).toContain('88');
  });
});

describe('addressFingerprint', () => {
  it('gives equivalent spellings the same short hex fingerprint', () => {
    const a = addressFingerprint(uk('221B Baker St., Apt. 4'));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(addressFingerprint(uk('221b baker street APARTMENT 4'))).toBe(a);
    expect(addressFingerprint(uk('２２１Ｂ Ｂａｋｅｒ Ｓｔｒｅｅｔ, Apt #4'))).toBe(a);
    expect(addressFingerprint(uk('221B Baker St Flat 4'))).toBe(a);
    expect(addressFingerprint(cn('朝阳区 建国路 88号 3-2-1203'))).toBe(
      addressFingerprint(cn('朝阳区建国路88号3栋2单元1203室')),
    );
  });

  it('gives different addresses different fingerprints', () => {
    const fps = new Set(
      [
        uk('221B Baker St'),
        uk('222B Baker St'),
        uk('221B Baker St', { city: 'Leeds' }),
        uk('221B Baker St', { postcode: 'NW1 6XF' }),
        uk('221B Baker St', { country: 'US' }),
        uk('221B Baker St, Apt 4'),
        cn('建国路88号'),
        cn('建国路89号'),
      ].map((a) => addressFingerprint(a)),
    );
    expect(fps.size).toBe(8);
  });

  it('does not contain or reveal the address and depends on the key when one is set', () => {
    const addr = uk('221B Baker St');
    const plain = addressFingerprint(addr);
    const keyed = addressFingerprint(addr, { key: 'deployment-secret' });
    expect(keyed).not.toBe(plain);
    expect(addressFingerprint(addr, { key: 'deployment-secret' })).toBe(keyed);
    expect(addressFingerprint(addr, { key: 'other' })).not.toBe(keyed);
    expect(addressFingerprint(addr, { length: 32 })).toHaveLength(32);
    expect(() => addressFingerprint(addr, { length: 2 })).toThrow(RangeError);
  });

  it('never equals the building fingerprint of the same text', () => {
    const addr = uk('221B Baker St');
    expect(addressFingerprint(addr)).not.toBe(buildingFingerprint(addr));
  });
});

describe('buildingFingerprint', () => {
  it('is shared by every flat, room and floor of one building', () => {
    const english = [
      'Flat 3, 221B Baker Street',
      '221B Baker St, Apt 4',
      '221b baker street unit 12',
      '221B Baker Street #7',
      '221B Baker Street, 3rd Floor',
      '221B Baker St Suite 200',
    ].map((l) => buildingFingerprint(uk(l)));
    expect(new Set(english).size).toBe(1);
    const chinese = [
      '朝阳区建国路88号5号楼2单元1203室',
      '朝阳区建国路88号5栋3单元501室',
      '朝阳区建国路88号5-1-302',
      '朝阳区建国路88号5幢1101',
      '朝阳区 建国路 88号 5号楼 12层',
    ].map((l) => buildingFingerprint(cn(l)));
    expect(new Set(chinese).size).toBe(1);
  });

  it('differs between buildings', () => {
    expect(buildingFingerprint(uk('221B Baker St, Apt 4'))).not.toBe(
      buildingFingerprint(uk('223 Baker St, Apt 4')),
    );
    expect(buildingFingerprint(cn('建国路88号5号楼2单元1203室'))).not.toBe(
      buildingFingerprint(cn('建国路88号6号楼2单元1203室')),
    );
  });
});

describe('geohash', () => {
  it('matches known values', () => {
    expect(geohash(57.64911, 10.40744, 11)).toBe('u4pruydqqvj');
    expect(geohash(42.6, -5.6, 5)).toBe('ezs42');
    expect(geohash(0, 0, 1)).toBe('s');
    expect(geohash(-90, -180, 4)).toBe('0000');
    expect(geohash(90, 180, 4)).toBe('zzzz');
  });

  it('uses precision 7 by default, a cell of about 150 m', () => {
    const h = geohash(39.9087, 116.3975);
    expect(h).toHaveLength(7);
    const b = geohashBounds(h);
    const metresPerDegreeLat = 111_320;
    expect((b.latMax - b.latMin) * metresPerDegreeLat).toBeCloseTo(152.9, 0);
  });

  it('encodes a point inside its own cell, and a prefix is the coarser cell', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.integer({ min: 1, max: 12 }),
        (lat, lon, precision) => {
          const h = geohash(lat, lon, precision);
          const b = geohashBounds(h);
          expect(lat).toBeGreaterThanOrEqual(b.latMin);
          expect(lat).toBeLessThanOrEqual(b.latMax);
          expect(lon).toBeGreaterThanOrEqual(b.lonMin);
          expect(lon).toBeLessThanOrEqual(b.lonMax);
          expect(geohash(lat, lon, 12).startsWith(h)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects out-of-range input', () => {
    expect(() => geohash(91, 0)).toThrow(RangeError);
    expect(() => geohash(0, -181)).toThrow(RangeError);
    expect(() => geohash(0, 0, 13)).toThrow(RangeError);
    expect(() => geohash(Number.NaN, 0)).toThrow(RangeError);
  });
});

describe('addressClusterKey', () => {
  it('puts neighbours in one building in one cluster, by building fingerprint without geo', () => {
    const a = addressClusterKey(uk('221B Baker St, Apt 4'));
    expect(a).toBe(addressClusterKey(uk('Flat 9, 221B Baker Street')));
    expect(a).toBe(`b:${buildingFingerprint(uk('221B Baker Street'))}`);
    expect(a).not.toBe(addressClusterKey(uk('10 Downing St')));
  });

  it('uses the geohash cell when the address has a geo point', () => {
    // Two doors about 20 m apart in Beijing, and a point about 2 km away.
    const here = cn('建国路88号5号楼2单元1203室', { geo: { lat: 39.90871, lon: 116.46071 } });
    const nextDoor = cn('建国路90号1栋101室', { geo: { lat: 39.90875, lon: 116.46085 } });
    const far = cn('建国路188号', { geo: { lat: 39.9087, lon: 116.4844 } });
    expect(addressClusterKey(here)).toBe(`g:${geohash(39.90871, 116.46071, 7)}`);
    expect(addressClusterKey(nextDoor)).toBe(addressClusterKey(here));
    expect(addressClusterKey(far)).not.toBe(addressClusterKey(here));
    expect(addressClusterKey(here, { geohashPrecision: 5 })).toHaveLength(2 + 5);
  });
});
