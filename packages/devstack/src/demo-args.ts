import { z } from 'zod';

/** Options of `npm run demo`. */
export interface DemoOptions {
  /** Seconds of producing events (the rate is chosen to take about this long). Default 50. */
  seconds: number;
  /** Simulated buyer accounts. Default 1500. */
  buyers: number;
  /** Simulator seed. Default `42`. */
  seed: string;
  /** Exit after the summary instead of keeping the services up until Ctrl-C. Default false. */
  exit: boolean;
  help: boolean;
}

/** A command line the user got wrong; the message names the flag. */
export class DemoUsageError extends Error {
  override name = 'DemoUsageError';
}

export const DEMO_USAGE = `usage: npm run demo -- [--seconds N] [--buyers N] [--seed S] [--exit]

  --seconds N   seconds of producing simulated events, 5–3600          [50]
  --buyers N    simulated buyer accounts, 100–100000                   [1500]
  --seed S      simulator seed (same seed → same events)               [42]
  --exit        exit after the summary (also when stdin is not a TTY)
  --help        this text
`;

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const Schema = z.object({
  seconds: whole(5, 3600).default(50),
  buyers: whole(100, 100_000).default(1500),
  seed: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1–64 letters, digits, ".", "_" or "-"')
    .default('42'),
  exit: z.boolean().default(false),
  help: z.boolean().default(false),
});

const BOOLEAN = new Set(['exit', 'help']);
const VALUED = new Set(['seconds', 'buyers', 'seed']);

/** Parses the demo's flags (`--name value` or `--name=value`); throws {@link DemoUsageError}. */
export function parseDemoArgs(argv: readonly string[]): DemoOptions {
  const raw: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new DemoUsageError(`unexpected argument ${JSON.stringify(arg)} (flags start with --)`);
    const name = m[1]!;
    if (name in raw) throw new DemoUsageError(`--${name} given twice`);
    if (BOOLEAN.has(name)) {
      if (m[2] !== undefined) throw new DemoUsageError(`--${name} takes no value`);
      raw[name] = true;
    } else if (VALUED.has(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith('--')))
        throw new DemoUsageError(`--${name} needs a value`);
      raw[name] = value;
    } else {
      throw new DemoUsageError(`unknown flag --${name} (see --help)`);
    }
  }
  const r = Schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const flag = String(issue.path[0]);
    throw new DemoUsageError(`--${flag}: ${issue.message} (got ${JSON.stringify(raw[flag])})`);
  }
  return r.data;
}
