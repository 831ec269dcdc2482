import { z } from 'zod';

/** The simulator's command-line options, validated. */
export interface CliOptions {
  help: boolean;
  seed: string;
  buyers: number;
  sellers: number;
  days: number;
  /** End of the simulated span; undefined = now. */
  end?: Date;
  abusiveRate: number;
  rate: number | 'max';
  out?: string;
  truth?: string;
  kafka: boolean;
  brokers: string[];
  topicPrefix?: string;
  replay?: string;
  /** Seconds of producing before stopping. */
  duration?: number;
  batchSize: number;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm start -w @vigil/simulator -- [flags]

Generate (default) or replay marketplace events to a JSON-lines file and/or Kafka.

  --seed S            PRNG seed (same seed and flags → identical events)        [1]
  --buyers N          buyer accounts                                             [2000]
  --sellers N         sellers (≥ 10)                                             [200]
  --days D            simulated span in days, ending at --end                    [30]
  --end ISO           end of the span, e.g. 2026-11-26T00:00:00Z                 [now]
  --abusive-rate R    share of abusive accounts, 0–1                             [0.03]
  --rate N|max        events per second (token bucket) or as fast as possible    [max]
  --out FILE          write events as JSON lines
  --truth FILE        write ground truth (one JSON line per buyer)
  --kafka, --no-kafka produce to Kafka                    [on unless --out is given]
  --brokers LIST      host:port[,host:port]                 [$KAFKA_BROKERS or 127.0.0.1:9092]
  --topic-prefix P    prefix every topic name (e.g. "demo.")
  --replay FILE       send the events of a JSON-lines file instead of generating
  --duration SEC      stop after SEC seconds of producing
  --batch-size N      most events per send                                       [500]
  --help              this text
`;

const BOOLEAN_FLAGS = new Set(['kafka', 'help']);
const VALUE_FLAGS = new Set([
  'seed',
  'buyers',
  'sellers',
  'days',
  'end',
  'abusive-rate',
  'rate',
  'out',
  'truth',
  'brokers',
  'topic-prefix',
  'replay',
  'duration',
  'batch-size',
]);

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const num = (check: (n: number) => boolean, message: string) =>
  z
    .string()
    .refine((s) => s.trim() !== '' && Number.isFinite(Number(s)) && check(Number(s)), message)
    .transform(Number);

const Schema = z.object({
  help: z.boolean().default(false),
  seed: z.string().min(1, 'must not be empty').max(64, 'at most 64 characters').default('1'),
  buyers: int(1, 10_000_000).default(2000),
  sellers: int(10, 1_000_000).default(200),
  days: num((n) => n > 0 && n <= 365, 'expected a number of days in (0, 365]').default(30),
  end: z
    .string()
    .refine(
      (s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)),
      'expected an ISO-8601 instant',
    )
    .transform((s) => new Date(s))
    .optional(),
  'abusive-rate': num((n) => n >= 0 && n <= 1, 'expected a share between 0 and 1').default(0.03),
  rate: z
    .string()
    .refine(
      (s) => s === 'max' || (Number.isFinite(Number(s)) && Number(s) > 0),
      "expected a positive number or 'max'",
    )
    .transform((s): number | 'max' => (s === 'max' ? 'max' : Number(s)))
    .default('max'),
  out: z.string().min(1).optional(),
  truth: z.string().min(1).optional(),
  kafka: z.boolean().optional(),
  brokers: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .refine(
      (l) => l.length > 0 && l.every((b) => /^[^:\s]+:\d{1,5}$/.test(b)),
      'expected host:port[,host:port...]',
    ),
  'topic-prefix': z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'expected letters, digits, ".", "_" or "-"')
    .optional(),
  replay: z.string().min(1).optional(),
  duration: num((n) => n > 0, 'expected a positive number of seconds').optional(),
  'batch-size': int(1, 10_000).default(500),
});

/** Splits argv into flag → value, rejecting unknown flags and missing values. */
function tokenize(argv: readonly string[]): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}" (flags start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (name.startsWith('no-') && BOOLEAN_FLAGS.has(name.slice(3)) && eq === -1) {
      out[name.slice(3)] = false;
      continue;
    }
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq !== -1) throw new UsageError(`flag --${name} takes no value`);
      out[name] = true;
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new UsageError(`unknown flag --${name} (see --help)`);
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq === -1 && value.startsWith('--')))
      throw new UsageError(`flag --${name} needs a value`);
    if (name in out) throw new UsageError(`flag --${name} given twice`);
    out[name] = value;
  }
  return out;
}

/**
 * Parses and validates the command line. Errors name the bad flag and what was expected, e.g.
 * `invalid flag --rate: expected a positive number or 'max' (got "fast")`.
 */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliOptions {
  const raw = tokenize(argv);
  const result = Schema.safeParse({ brokers: env['KAFKA_BROKERS'] ?? '127.0.0.1:9092', ...raw });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const flag = String(issue.path[0] ?? '');
    const got = raw[flag];
    const shown =
      got === undefined
        ? flag === 'brokers'
          ? ` (got KAFKA_BROKERS=${JSON.stringify(env['KAFKA_BROKERS'])})`
          : ''
        : ` (got ${JSON.stringify(got)})`;
    throw new UsageError(`invalid flag --${flag}: ${issue.message}${shown}`);
  }
  const o = result.data;
  const kafka = o.kafka ?? o.out === undefined;
  if (!o.help && !kafka && o.out === undefined && o.truth === undefined) {
    throw new UsageError('nothing to do: give --out FILE and/or --kafka (or --truth FILE)');
  }
  if (o.replay !== undefined && o.truth !== undefined) {
    throw new UsageError(
      'flag --truth cannot be used with --replay (a replayed file carries no ground truth)',
    );
  }
  return {
    help: o.help,
    seed: o.seed,
    buyers: o.buyers,
    sellers: o.sellers,
    days: o.days,
    ...(o.end ? { end: o.end } : {}),
    abusiveRate: o['abusive-rate'],
    rate: o.rate,
    ...(o.out ? { out: o.out } : {}),
    ...(o.truth ? { truth: o.truth } : {}),
    kafka,
    brokers: o.brokers,
    ...(o['topic-prefix'] ? { topicPrefix: o['topic-prefix'] } : {}),
    ...(o.replay ? { replay: o.replay } : {}),
    ...(o.duration !== undefined ? { duration: o.duration } : {}),
    batchSize: o['batch-size'],
  };
}
