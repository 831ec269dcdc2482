import type { ShippingAddress } from '@vigil/events';

// Address normalisation for linking accounts (linked-account-non-payment, linked-wrong-item-claims).
// Two spellings of one address must normalise to the same string; the result is only ever
// hashed (fingerprint.ts), never stored or logged.

/** Whole-word abbreviations expanded to one canonical form (after lower-casing, punctuation removed). */
const ABBREVIATIONS: Record<string, string> = {
  rd: 'road',
  st: 'street',
  str: 'street',
  ave: 'avenue',
  av: 'avenue',
  blvd: 'boulevard',
  dr: 'drive',
  ln: 'lane',
  ct: 'court',
  pl: 'place',
  sq: 'square',
  hwy: 'highway',
  pkwy: 'parkway',
  cres: 'crescent',
  ter: 'terrace',
  cir: 'circle',
  mt: 'mount',
  apt: 'apartment',
  appt: 'apartment',
  ste: 'suite',
  rm: 'room',
  fl: 'floor',
  flr: 'floor',
  bldg: 'building',
  blk: 'block',
  no: 'number',
  nr: 'number',
};

/** Words that introduce a unit inside a building; the unit is dropped at the building level. */
const UNIT_WORDS = ['apartment', 'suite', 'unit', 'room', 'flat', 'floor', 'level'];
const UNIT_VALUE = String.raw`(?:[a-z]?\d+[a-z]?(?:-\d+)?|[a-z])`;
// "number" is not a unit word: "No. 88 Jianguo Road" is the street number.
const EN_UNIT = new RegExp(String.raw`\b(?:(?:${UNIT_WORDS.join('|')})\s+)+${UNIT_VALUE}\b`, 'g');
// Apt 4, Flat 4, Unit 4, Suite 4 and #4 all name unit 4 of the building.
const EN_UNIT_DESIGNATOR = new RegExp(
  String.raw`\b(?:(?:apartment|suite|unit|room|flat)\s+)+(${UNIT_VALUE})\b`,
  'g',
);
const EN_ORDINAL_FLOOR = /\b\d+(?:st|nd|rd|th)\s+floor\b/g;

// Chinese units: 2单元 (entrance), 1203室 / 1203房 / 1203户 (room), 12层 / 12楼 (floor, but not
// 5号楼 which is the building). Building markers 号楼/幢 are written 栋, and the
// "building-entrance-room" shorthand 3-2-1203 is spelled out, before units are stripped.
const ZH_UNITS: RegExp[] = [
  /[\d一二三四五六七八九十]+\s*单元/g,
  /[a-z]?\d+[a-z]?\s*(室|房|户)/g,
  /(?<!\d)[\d一二三四五六七八九十]+\s*(层|楼)(?![a-z\d])/g,
];
const HAN = /\p{Script=Han}/u;

function canonicalChinese(line: string): string {
  if (!HAN.test(line)) return line;
  return line
    .replace(/(\d+)-(\d+)-([a-z]?\d+[a-z]?)(?![\d-])/g, '$1栋$2单元$3室')
    .replace(/(\d+)\s*(号楼|幢)/g, '$1栋')
    .replace(/栋\s*-?\s*([a-z]?\d+[a-z]?)\s*(号)?$/, '栋$1室');
}

export interface NormalisedAddress {
  /** `country|region|city|line|postcode` with the unit kept. */
  full: string;
  /** The same with the unit / room / floor removed: every flat of one building gives one value. */
  building: string;
}

function basic(s: string): string {
  return (
    s
      // Full-width letters, digits and punctuation to half-width; compatibility forms unified.
      .normalize('NFKC')
      .toLowerCase()
      // "#12" is a unit number in most address styles.
      .replace(/#\s*/g, ' unit ')
      // Keep the hyphen between digits (3-2-1203 and 12-14 are meaningful); other punctuation is noise.
      .replace(/(\d)\s*[-–—]\s*(?=\d)/g, '$1-')
      .replace(/[^\p{L}\p{N}-]+/gu, ' ')
      .replace(/(?<!\d)-|-(?!\d)/g, ' ')
      .split(' ')
      .filter((w) => w.length > 0)
      .map((w) => ABBREVIATIONS[w] ?? w)
      .join(' ')
  );
}

function stripUnits(line: string): string {
  let s = line.replace(EN_ORDINAL_FLOOR, ' ').replace(EN_UNIT, ' ');
  for (const re of ZH_UNITS) s = s.replace(re, ' ');
  return s.replace(/\s+/g, ' ').trim();
}

// "北京市" and "北京", "广东省" and "广东" name the same place.
function stripAdminSuffix(s: string): string {
  return s.replace(/(省|市|自治区|特别行政区)$/u, '').trim();
}

/** Removes the spaces Chinese text does not need, so "建国路 88号 SOHO" equals "建国路88号SOHO". */
function joinCjk(s: string): string {
  return s.replace(/(?<=\p{Script=Han}) | (?=\p{Script=Han})/gu, '');
}

/**
 * Normalises a shipping address for fingerprinting: NFKC (full-width → half-width), lower case,
 * punctuation and repeated whitespace removed, common abbreviations expanded (Rd → road,
 * St → street, Apt → apartment ...), region/city suffixes 省/市 dropped, postcode without spaces.
 * `building` additionally drops the unit, room and floor so neighbours in one building match.
 * The geo point is not part of it (it feeds `addressClusterKey`).
 */
export function normaliseAddressParts(addr: ShippingAddress): NormalisedAddress {
  const country = basic(addr.country);
  const region = stripAdminSuffix(joinCjk(basic(addr.region)));
  const city = stripAdminSuffix(joinCjk(basic(addr.city)));
  const line = canonicalChinese(joinCjk(basic(addr.line))).replace(EN_UNIT_DESIGNATOR, 'unit $1');
  const postcode = (addr.postcode ?? '')
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
  const building = joinCjk(stripUnits(line));
  return {
    full: [country, region, city, line, postcode].join('|'),
    building: [country, region, city, building, postcode].join('|'),
  };
}

/** The normalised address, unit included (see `normaliseAddressParts`). */
export function normaliseAddress(addr: ShippingAddress): string {
  return normaliseAddressParts(addr).full;
}
