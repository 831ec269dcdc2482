import { type AutoConfirmPolicy, applySuspicion, type CaseMetrics } from '@vigil/cases';
import { isRetriable, type Logger } from '@vigil/common';
import { Suspicion } from '@vigil/events';
import { type ConnectionOptions, DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Options of {@link createCaseWorker}. */
export interface CaseWorkerOptions {
  pool: Pool;
  /** ioredis connection created with `maxRetriesPerRequest: null` (BullMQ blocking commands). */
  connection: Redis;
  /** Queue name. Default `vigil-suspicions` (set by the composition root from SUSPICIONS_QUEUE). */
  queueName: string;
  /** BullMQ key prefix; must match the producers'. */
  prefix: string;
  /** Jobs processed at once. Default 4. */
  concurrency?: number;
  /** Delay before a job that met an unreachable PostgreSQL runs again. Default 5000 ms. */
  retryDelayMs?: number;
  policy: AutoConfirmPolicy;
  caseMetrics: CaseMetrics;
  registry: Registry;
  logger: Logger;
  /** Start consuming at once. Default true (tests may start it later). */
  autorun?: boolean;
}

export interface CaseWorker {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * The BullMQ worker on the suspicions queue. Invalid job data fails the job with the parse error
 * (no retry). A job that meets an unreachable PostgreSQL is moved back to delayed and runs again
 * after `retryDelayMs`, without spending one of its attempts, so an outage of any length drops no
 * suspicion; other errors fail the attempt and BullMQ retries per the producer's attempts/backoff.
 */
export function createCaseWorker(options: CaseWorkerOptions): CaseWorker {
  const log = options.logger.child({ component: 'case-worker' });
  const registers = [options.registry];
  const jobs = new Counter({
    name: 'vigil_case_jobs_total',
    help: 'Suspicion jobs by outcome: processed, duplicate (job id already applied), invalid, error',
    labelNames: ['outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'vigil_case_job_duration_seconds',
    help: 'Time to apply one suspicion job (one PostgreSQL transaction)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const retryDelayMs = options.retryDelayMs ?? 5000;
  const m = options.caseMetrics;

  const processor = async (job: Job, token?: string) => {
    const parsed = Suspicion.safeParse(job.data);
    if (!parsed.success) {
      jobs.inc({ outcome: 'invalid' });
      log.warn({ jobId: job.id, issues: parsed.error.issues.slice(0, 5) }, 'invalid suspicion job');
      throw new UnrecoverableError(`invalid suspicion: ${parsed.error.message.slice(0, 1000)}`);
    }
    if (!job.id) throw new UnrecoverableError('job has no id');
    const end = duration.startTimer();
    let result: Awaited<ReturnType<typeof applySuspicion>>;
    try {
      result = await applySuspicion(options.pool, job.id, parsed.data, { policy: options.policy });
    } catch (err) {
      jobs.inc({ outcome: 'error' });
      if (isRetriable(err) && token) {
        log.warn({ err, jobId: job.id, retryDelayMs }, 'database unavailable; job delayed');
        await job.moveToDelayed(Date.now() + retryDelayMs, token);
        throw new DelayedError();
      }
      log.error({ err, jobId: job.id }, 'suspicion job failed');
      throw err;
    } finally {
      end();
    }
    jobs.inc({ outcome: result.outcome });
    for (const c of result.changes) {
      if (c.opened) m.opened.inc({ rule: c.firstRule, severity: c.severity });
      if (c.autoConfirmed) {
        m.recordDecision({
          status: 'confirmed',
          firstRule: c.firstRule,
          severity: c.severity,
          penalties: c.autoConfirmed.penalties,
        });
      }
    }
    log.debug(
      {
        jobId: job.id,
        ruleId: parsed.data.ruleId,
        outcome: result.outcome,
        cases: result.changes.map((c) => ({
          caseId: c.caseId,
          opened: c.opened,
          autoConfirmed: !!c.autoConfirmed,
        })),
      },
      'suspicion applied',
    );
    return { outcome: result.outcome, caseIds: result.changes.map((c) => c.caseId) };
  };

  const worker = new Worker(options.queueName, processor, {
    connection: options.connection as unknown as ConnectionOptions,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 4,
    autorun: options.autorun ?? true,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  return {
    worker,
    close: () => worker.close(),
  };
}
