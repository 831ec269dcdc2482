import { signPayload, verifySignature } from './signature';

const SECRET = 'whsec_test_0123456789';
const TS = 1700000000;
const BODY = '{"alertId":"a-1"}';
// Computed independently: printf '%s' '1700000000.{"alertId":"a-1"}' | openssl dgst -sha256 -hmac whsec_test_0123456789
const VECTOR = 'sha256=3f25823d4e8f3f1028211d4329df605183833893601330860c3592c693b5258d';

describe('signPayload', () => {
  it('matches an independently computed HMAC-SHA256 over "timestamp.body"', () => {
    expect(signPayload(SECRET, TS, BODY)).toBe(VECTOR);
    expect(signPayload(SECRET, String(TS), Buffer.from(BODY))).toBe(VECTOR);
  });
});

describe('verifySignature', () => {
  const at = { nowSeconds: TS + 10 };

  it('accepts the signature of the exact body within the tolerance', () => {
    expect(verifySignature(SECRET, TS, BODY, VECTOR, at)).toBe(true);
    expect(verifySignature(SECRET, String(TS), Buffer.from(BODY), VECTOR, at)).toBe(true);
  });

  it('rejects a tampered body', () => {
    expect(verifySignature(SECRET, TS, '{"alertId":"a-2"}', VECTOR, at)).toBe(false);
    expect(verifySignature(SECRET, TS, `${BODY} `, VECTOR, at)).toBe(false);
  });

  it('rejects the wrong secret', () => {
    expect(verifySignature('whsec_other_0123456789', TS, BODY, VECTOR, at)).toBe(false);
  });

  it('rejects a timestamp changed after signing (it is inside the MAC)', () => {
    expect(verifySignature(SECRET, TS + 1, BODY, VECTOR, { nowSeconds: TS })).toBe(false);
  });

  it('rejects a stale or future timestamp outside the tolerance', () => {
    expect(verifySignature(SECRET, TS, BODY, VECTOR, { nowSeconds: TS + 301 })).toBe(false);
    expect(verifySignature(SECRET, TS, BODY, VECTOR, { nowSeconds: TS - 301 })).toBe(false);
    expect(verifySignature(SECRET, TS, BODY, VECTOR, { nowSeconds: TS + 301, toleranceSeconds: 600 })).toBe(
      true,
    );
  });

  it('rejects missing, malformed or truncated headers without throwing', () => {
    expect(verifySignature(SECRET, TS, BODY, undefined, at)).toBe(false);
    expect(verifySignature(SECRET, undefined, BODY, VECTOR, at)).toBe(false);
    expect(verifySignature(SECRET, TS, BODY, VECTOR.slice(0, -2), at)).toBe(false);
    expect(verifySignature(SECRET, TS, BODY, VECTOR.replace('sha256=', 'sha1='), at)).toBe(false);
    expect(verifySignature(SECRET, '1700000000.5', BODY, VECTOR, at)).toBe(false);
  });

  it('uses the system clock by default', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(verifySignature(SECRET, now, BODY, signPayload(SECRET, now, BODY))).toBe(true);
  });
});
