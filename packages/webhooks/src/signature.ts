import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header Vigil sends the signature in: `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'X-Vigil-Signature';
/** The header Vigil sends the signing time in: Unix seconds. */
export const TIMESTAMP_HEADER = 'X-Vigil-Timestamp';
/** The header Vigil sends the alert id in (receivers dedupe on it). */
export const ALERT_ID_HEADER = 'X-Vigil-Alert-Id';

/** Default for {@link VerifyOptions.toleranceSeconds}: five minutes either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

type Body = string | Uint8Array;

/**
 * The signature header value for one request: `sha256=` + hex HMAC-SHA256 keyed by `secret` over
 * `timestamp + "." + body`. The timestamp is inside the MAC so a captured request cannot be
 * replayed later with a fresh timestamp; the body must be the exact bytes sent.
 */
export function signPayload(secret: string, timestamp: number | string, body: Body): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return `sha256=${mac.digest('hex')}`;
}

/** Options for {@link verifySignature}. */
export interface VerifyOptions {
  /** Largest accepted distance between the timestamp and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** Current time in Unix seconds (tests). Default the system clock. */
  nowSeconds?: number;
}

/**
 * True when `header` (the `X-Vigil-Signature` value) is the signature of `timestamp` and the raw
 * request `body` under `secret`, and `timestamp` is within the tolerance of now. Compares in
 * constant time. Pass the body bytes as received: a re-serialised JSON object will not verify.
 */
export function verifySignature(
  secret: string,
  timestamp: number | string | undefined,
  body: Body,
  header: string | undefined,
  options: VerifyOptions = {},
): boolean {
  if (header === undefined || timestamp === undefined) return false;
  const ts = String(timestamp);
  // Only plain integer seconds: anything else could sign the same bytes under another meaning.
  if (!/^\d{1,12}$/.test(ts)) return false;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(ts)) > tolerance) return false;
  const expected = Buffer.from(signPayload(secret, ts, body), 'utf8');
  const given = Buffer.from(header.trim(), 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a valid signature is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
