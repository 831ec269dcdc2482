import type { MarketEvent } from '@vigil/events';
import type { EventSink } from './sinks';

/** Time source, injectable so rate limiting can be tested without real waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface Progress {
  sent: number;
  /** Known for generated runs, unknown while replaying a file. */
  total?: number;
  elapsedMs: number;
  /** Average events per second since the start. */
  rate: number;
  done: boolean;
}

/** Options of {@link pump}. */
export interface PumpOptions {
  /** Target events per second (token bucket), or `max` for as fast as the sinks take them. Default `max`. */
  rate?: number | 'max';
  /** Most events per sink write. Default 500. */
  batchSize?: number;
  /** Stop after producing for this long (wall clock). Default: until the source ends. */
  durationMs?: number;
  /** Events in the source, when known (for the progress bar). */
  total?: number;
  /** Called at most every `progressEveryMs` and once at the end. */
  onProgress?: (p: Progress) => void;
  /** Default 250 ms. */
  progressEveryMs?: number;
  /** Stops the pump after the batch in flight. */
  signal?: AbortSignal;
  clock?: Clock;
}

export interface PumpResult {
  sent: number;
  elapsedMs: number;
  stoppedBy: 'end' | 'duration' | 'signal';
}

/**
 * Moves events from a source to every sink in batches, at most `rate` events per second: a token
 * bucket refilled continuously, holding at most one batch, so the long-run rate is the target and
 * bursts never exceed a batch. A batch is written to all sinks before the next one is taken.
 */
export async function pump(
  source: Iterable<MarketEvent> | AsyncIterable<MarketEvent>,
  sinks: EventSink[],
  options: PumpOptions = {},
): Promise<PumpResult> {
  const clock = options.clock ?? realClock;
  const rate = options.rate ?? 'max';
  const maxBatch = options.batchSize ?? 500;
  // At a set rate, about ten writes a second keep the flow smooth without tiny batches.
  const batchSize = rate === 'max' ? maxBatch : Math.max(1, Math.min(maxBatch, Math.floor(rate / 10)));
  const started = clock.now();
  let tokens = batchSize;
  let lastRefill = started;
  let sent = 0;
  let lastProgress = -Infinity;
  const every = options.progressEveryMs ?? 250;
  const report = (done: boolean) => {
    const elapsedMs = clock.now() - started;
    options.onProgress?.({
      sent,
      ...(options.total === undefined ? {} : { total: options.total }),
      elapsedMs,
      rate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0,
      done,
    });
    lastProgress = clock.now();
  };
  const expired = () => options.durationMs !== undefined && clock.now() - started >= options.durationMs;

  const flush = async (batch: MarketEvent[]) => {
    if (rate !== 'max') {
      for (;;) {
        const now = clock.now();
        tokens = Math.min(batchSize, tokens + ((now - lastRefill) * rate) / 1000);
        lastRefill = now;
        if (tokens >= batch.length) break;
        await clock.sleep(Math.ceil(((batch.length - tokens) * 1000) / rate));
      }
      tokens -= batch.length;
    }
    for (const sink of sinks) await sink.write(batch);
    sent += batch.length;
    if (clock.now() - lastProgress >= every) report(false);
  };

  let stoppedBy: PumpResult['stoppedBy'] = 'end';
  let batch: MarketEvent[] = [];
  for await (const event of source) {
    if (options.signal?.aborted) {
      stoppedBy = 'signal';
      break;
    }
    if (expired()) {
      stoppedBy = 'duration';
      break;
    }
    batch.push(event);
    if (batch.length >= batchSize) {
      await flush(batch);
      batch = [];
    }
  }
  if (batch.length > 0 && stoppedBy === 'end') await flush(batch);
  report(true);
  return { sent, elapsedMs: clock.now() - started, stoppedBy };
}

/**
 * A progress printer: on a TTY one line redrawn in place (bar, events, rate, elapsed); otherwise a
 * plain line every `plainEveryMs` (default 5 s) and at the end, so logs stay readable.
 */
export function progressPrinter(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  plainEveryMs = 5000,
): (p: Progress) => void {
  let lastPlain = -Infinity;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return (p) => {
    const elapsed = `${(p.elapsedMs / 1000).toFixed(1)}s`;
    if (stream.isTTY) {
      const width = 24;
      const share = p.total ? Math.min(1, p.sent / p.total) : 0;
      const bar = p.total ? `[${'#'.repeat(Math.round(share * width)).padEnd(width, '.')}] ` : '';
      const count = p.total ? `${fmt(p.sent)}/${fmt(p.total)}` : fmt(p.sent);
      stream.write(`\r${bar}${count} events  ${fmt(p.rate)} ev/s  ${elapsed}\x1b[K${p.done ? '\n' : ''}`);
      return;
    }
    if (!p.done && p.elapsedMs - lastPlain < plainEveryMs) return;
    lastPlain = p.elapsedMs;
    const total = p.total === undefined ? '' : ` total=${p.total}`;
    stream.write(
      `progress sent=${p.sent}${total} rate=${Math.round(p.rate)}/s elapsed=${elapsed}${p.done ? ' done' : ''}\n`,
    );
  };
}
