import { type Logger, VigilError } from '@vigil/common';
import { type SellerAlert, SellerAlertJob } from '@vigil/events';
import { type Job, type MinimalJob, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type AlertBackoffOptions, DEFAULT_JITTER, delayUntilNextAttempt } from './backoff';
import { type AttemptResult, postAlert } from './deliver';
import type { AlertMetrics } from './metrics';
import type { AttemptOutcome, WebhookStore } from './store';

/** Options for {@link createAlertWorker}. */
export interface AlertWorkerOptions {
  /** ioredis connection created with `maxRetriesPerRequest: null` (BullMQ requires it). */
  connection: Redis;
  /** Queue name. Default `vigil-seller-alerts` comes from config. */
  queueName: string;
  /** BullMQ key prefix, the producers' one. */
  prefix: string;
  /** Jobs processed at once. Default (config) 16. */
  concurrency: number;
  /** Per-request timeout, ms. Default (config) 10 000. */
  timeoutMs: number;
  /** Retry schedule; `jitter` defaults to 0.2. */
  backoff: Omit<AlertBackoffOptions, 'jitter'> & { jitter?: number };
  /** Alert age (from createdAt) after which a failed attempt ends the job. Default (config) one day. */
  giveUpAfterMs: number;
  store: WebhookStore;
  metrics: AlertMetrics;
  logger: Logger;
  /** Clock in ms (tests). Default `Date.now`. */
  now?: () => number;
  /** fetch implementation (tests). Default the global one. */
  fetchImpl?: typeof fetch;
  /** Start processing at once. Default true. */
  autorun?: boolean;
}

/** What a completed job returns (stored by BullMQ as the job's return value). */
export interface AlertJobResult {
  outcome: 'delivered' | 'no_webhook';
  attempt: number;
  statusCode?: number;
}

/**
 * The processor of one alert job, apart from BullMQ so its decisions are plain to read:
 * - invalid data → UnrecoverableError (no retry; counted);
 * - no webhook or an inactive one → recorded, completed (retrying cannot help; ops see it in
 *   `vigil_alert_attempts_total{outcome="no_webhook"}`);
 * - 2xx → completed; anything else → a retriable error, unless the alert is past the give-up age
 *   or this was the last allowed attempt: then UnrecoverableError with the last error.
 */
export function createAlertProcessor(options: AlertWorkerOptions): (job: Job) => Promise<AlertJobResult> {
  const now = options.now ?? Date.now;
  const log = options.logger;
  const { metrics, store } = options;

  const record = async (
    alert: SellerAlert,
    attempt: number,
    outcome: AttemptOutcome,
    result?: AttemptResult,
  ) => {
    try {
      await store.record({
        alertId: alert.alertId,
        sellerId: alert.sellerId,
        attempt,
        outcome,
        statusCode: result?.statusCode,
        error: result?.error,
        durationMs: result?.durationMs ?? 0,
      });
    } catch (err) {
      // The attempt happened whatever the audit table says; failing the job here would re-send a
      // delivered alert for as long as PostgreSQL is down. Counted and logged instead.
      metrics.recordErrors.inc();
      log.error({ err, alertId: alert.alertId, attempt }, 'could not record delivery attempt');
    }
  };

  return async (job) => {
    const attempt = job.attemptsMade + 1;
    const parsed = SellerAlertJob.safeParse(job.data);
    if (!parsed.success) {
      metrics.invalid.inc();
      log.error({ jobId: job.id, issues: z.prettifyError(parsed.error) }, 'invalid alert job, not retried');
      throw new UnrecoverableError(`invalid SellerAlertJob: ${z.prettifyError(parsed.error)}`);
    }
    const { alert } = parsed.data;
    const giveUpIfDue = (reason: string, cause?: unknown): never => {
      const ageMs = now() - Date.parse(alert.createdAt);
      const maxAttempts = job.opts.attempts ?? 1;
      if (ageMs >= options.giveUpAfterMs || attempt >= maxAttempts) {
        metrics.failed.inc();
        log.warn(
          { alertId: alert.alertId, attempt, ageMs, reason },
          'giving up on seller alert; it stays in the failed set',
        );
        throw new UnrecoverableError(
          `gave up after ${attempt} attempt(s), alert age ${Math.round(ageMs / 1000)} s; last error: ${reason}`,
        );
      }
      // BullMQ retries it with the vigil-alert backoff.
      throw new VigilError('ALERT_DELIVERY_FAILED', reason, { retriable: true, cause });
    };

    let webhook: Awaited<ReturnType<WebhookStore['lookup']>>;
    try {
      webhook = await store.lookup(alert.sellerId);
    } catch (err) {
      log.error({ err, alertId: alert.alertId }, 'webhook lookup failed');
      return giveUpIfDue(`webhook lookup failed: ${(err as Error).message}`, err);
    }
    if (!webhook?.active) {
      metrics.attempts.inc({ outcome: 'no_webhook' });
      await record(alert, attempt, 'no_webhook');
      log.warn(
        { alertId: alert.alertId, sellerId: alert.sellerId, configured: Boolean(webhook) },
        'seller has no active webhook; alert not sent',
      );
      return { outcome: 'no_webhook', attempt };
    }

    const result = await postAlert({
      url: webhook.url,
      secret: webhook.secret,
      alert,
      timeoutMs: options.timeoutMs,
      now,
      fetchImpl: options.fetchImpl,
    });
    metrics.attempts.inc({ outcome: result.outcome });
    metrics.duration.observe({ outcome: result.outcome }, result.durationMs / 1000);
    await record(alert, attempt, result.outcome, result);
    if (result.outcome === 'delivered') {
      metrics.delivered.inc();
      log.info({ alertId: alert.alertId, attempt, status: result.statusCode }, 'seller alert delivered');
      return { outcome: 'delivered', attempt, statusCode: result.statusCode };
    }
    log.warn(
      { alertId: alert.alertId, attempt, outcome: result.outcome, error: result.error },
      'delivery failed',
    );
    return giveUpIfDue(result.error ?? result.outcome);
  };
}

const AlertCreatedAt = z.object({ alert: z.object({ createdAt: z.string() }) });

/**
 * The `vigil-alert` backoff strategy (BullMQ `settings.backoffStrategy`). BullMQ passes the
 * number of attempts made so far including the failed one, so 1 means "first retry".
 */
export function alertBackoffStrategy(
  options: Pick<AlertWorkerOptions, 'backoff' | 'giveUpAfterMs' | 'now'>,
): (attemptsMade: number, type?: string, err?: Error, job?: MinimalJob) => number {
  const now = options.now ?? Date.now;
  const backoff: AlertBackoffOptions = {
    ...options.backoff,
    jitter: options.backoff.jitter ?? DEFAULT_JITTER,
  };
  return (attemptsMade, _type, _err, job) => {
    const data = AlertCreatedAt.safeParse(job?.data);
    const created = data.success ? Date.parse(data.data.alert.createdAt) : Number.NaN;
    const deadline = Number.isFinite(created) ? created + options.giveUpAfterMs : undefined;
    return delayUntilNextAttempt(attemptsMade, backoff, now(), deadline);
  };
}

/** A BullMQ worker delivering seller alerts. Close it with `worker.close()` (waits for active jobs). */
export function createAlertWorker(options: AlertWorkerOptions): Worker {
  const worker = new Worker(options.queueName, createAlertProcessor(options), {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    autorun: options.autorun ?? true,
    settings: { backoffStrategy: alertBackoffStrategy(options) },
  });
  worker.on('error', (err) => options.logger.error({ err }, 'alert worker error'));
  return worker;
}
