import type { SellerAlert } from '@vigil/events';
import { ALERT_ID_HEADER, SIGNATURE_HEADER, signPayload, TIMESTAMP_HEADER } from '@vigil/webhooks';
import type { AttemptOutcome } from './store';

/** What one POST to a seller's webhook came to. */
export interface AttemptResult {
  outcome: Exclude<AttemptOutcome, 'no_webhook'>;
  statusCode?: number;
  /** Short reason for a failed attempt (never the receiver's body). */
  error?: string;
  durationMs: number;
}

/** Options for {@link postAlert}. */
export interface PostAlertOptions {
  url: string;
  secret: string;
  alert: SellerAlert;
  /** Abort the request after this many ms. */
  timeoutMs: number;
  /** Clock in ms (the signature timestamp). Default `Date.now`. */
  now?: () => number;
  /** fetch implementation (tests). Default the global one. */
  fetchImpl?: typeof fetch;
}

/**
 * The request body: exactly the SellerAlert fields, in contract order, so a field added to a job
 * by mistake never leaks to a seller.
 */
export function alertBody(alert: SellerAlert): string {
  return JSON.stringify({
    alertId: alert.alertId,
    sellerId: alert.sellerId,
    buyerId: alert.buyerId,
    orderIds: alert.orderIds,
    ruleId: alert.ruleId,
    severity: alert.severity,
    caseId: alert.caseId,
    recommendedActions: alert.recommendedActions,
    createdAt: alert.createdAt,
  });
}

/** The headers of one signed request. */
export function signedHeaders(
  secret: string,
  alertId: string,
  body: string,
  nowMs: number,
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'Content-Type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
    [ALERT_ID_HEADER]: alertId,
    'User-Agent': 'vigil-alerts/1',
  };
}

/**
 * POSTs one alert. Never throws: every failure becomes an outcome the worker records and retries.
 * 2xx is delivered; a redirect is not followed (the signed request goes only to the configured
 * URL) and counts as an HTTP error like any other status.
 */
export async function postAlert(options: PostAlertOptions): Promise<AttemptResult> {
  const now = options.now ?? Date.now;
  const doFetch = options.fetchImpl ?? fetch;
  const body = alertBody(options.alert);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  try {
    const res = await doFetch(options.url, {
      method: 'POST',
      headers: signedHeaders(options.secret, options.alert.alertId, body, now()),
      body,
      redirect: 'manual',
      signal: controller.signal,
    });
    // Only the status matters; drop the body so the connection is freed at once.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) {
      return { outcome: 'delivered', statusCode: res.status, durationMs: elapsed() };
    }
    return {
      outcome: 'http_error',
      statusCode: res.status,
      error: `HTTP ${res.status}`,
      durationMs: elapsed(),
    };
  } catch (err) {
    if (controller.signal.aborted) {
      return { outcome: 'timeout', error: `timed out after ${options.timeoutMs} ms`, durationMs: elapsed() };
    }
    return { outcome: 'network_error', error: describeNetworkError(err), durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** undici wraps the socket error in `cause`; its code (ECONNREFUSED, ENOTFOUND…) is what helps. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const detail = typeof cause?.message === 'string' ? cause.message : undefined;
  return [code, detail ?? message].filter(Boolean).join(': ').slice(0, 300);
}
