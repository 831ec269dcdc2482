import { writeFile } from 'node:fs/promises';
import { isRetriable } from '@vigil/common';
import type { MarketEvent } from '@vigil/events';
import { parseArgs, USAGE, UsageError } from './args';
import { generate } from './generate';
import { progressPrinter, pump } from './pump';
import { readReplay } from './replay';
import { createKafkaSink, type EventSink, fileSink } from './sinks';

// The composition root: the only place that reads process.env, argv and the real clock.
async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2), process.env);
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const say = (line: string) => process.stderr.write(`${line}\n`);

  let source: Iterable<MarketEvent> | AsyncIterable<MarketEvent>;
  let total: number | undefined;
  if (opts.replay) {
    source = readReplay(opts.replay);
    say(`replaying ${opts.replay}`);
  } else {
    const t0 = performance.now();
    const sim = generate({
      seed: opts.seed,
      buyers: opts.buyers,
      sellers: opts.sellers,
      days: opts.days,
      ...(opts.end ? { end: opts.end } : {}),
      abusiveRate: opts.abusiveRate,
    });
    const ms = performance.now() - t0;
    const abusive = sim.truth.filter((t) => t.abusive).length;
    say(
      `generated ${sim.events.length} events for ${sim.truth.length} buyers (${abusive} abusive) ` +
        `over ${sim.start.toISOString()} .. ${sim.end.toISOString()} in ${(ms / 1000).toFixed(2)}s ` +
        `(${Math.round((sim.events.length * 1000) / ms)} events/s; seed ${opts.seed}, tag ${sim.tag})`,
    );
    if (opts.truth) {
      await writeFile(opts.truth, sim.truth.map((t) => JSON.stringify(t)).join('\n') + '\n', 'utf8');
      say(`ground truth: ${opts.truth}`);
    }
    source = sim.events;
    total = sim.events.length;
  }

  const sinks: EventSink[] = [];
  if (opts.out) sinks.push(fileSink(opts.out));
  if (opts.kafka) {
    sinks.push(
      await createKafkaSink({
        brokers: opts.brokers,
        ...(opts.topicPrefix ? { topicPrefix: opts.topicPrefix } : {}),
      }),
    );
  }
  if (sinks.length === 0) return 0;

  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    say('\nstopping after the batch in flight (signal again to exit now)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await pump(source, sinks, {
      rate: opts.rate,
      batchSize: opts.batchSize,
      ...(opts.duration !== undefined ? { durationMs: opts.duration * 1000 } : {}),
      ...(total !== undefined ? { total } : {}),
      onProgress: progressPrinter(process.stderr),
      progressEveryMs: process.stderr.isTTY ? 200 : 1000,
      signal: abort.signal,
    });
    say(
      `sent ${result.sent} events to ${sinks.map((s) => s.name).join(' and ')} in ${(result.elapsedMs / 1000).toFixed(2)}s ` +
        `(${Math.round((result.sent * 1000) / Math.max(1, result.elapsedMs))} events/s; stopped by ${result.stoppedBy})`,
    );
  } finally {
    for (const s of sinks) await s.close();
  }
  return abort.signal.aborted ? 130 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    const e = err as Error & { code?: string; cause?: unknown };
    const cause = e.cause instanceof Error ? ` (cause: ${e.cause.message})` : '';
    process.stderr.write(
      `error: ${e.code ? `[${e.code}] ` : ''}${e.message}${cause}${isRetriable(err) ? ' — retriable' : ''}\n`,
    );
    process.exit(1);
  },
);
