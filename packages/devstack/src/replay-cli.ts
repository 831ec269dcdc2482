// CLI of the rebuild-by-replay (docs/guarantees.md). Usage:
//   npm run replay -w @vigil/devstack -- --from-timestamp 2026-11-20T00:00:00Z [--group g] [--dry-run]
//   npm run replay -w @vigil/devstack -- --from-offset earliest
// The replaying detector inherits this process's environment (REDIS_URL, VIGIL_KEY_PREFIX,
// SUSPICIONS_QUEUE, BULLMQ_PREFIX, RULES_CONFIG …): give it the live detectors' values.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ReplayOptionsSchema, runReplay } from './replay';

/** Flags → validated options; throws naming each bad flag. */
export function parseReplayArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'from-timestamp': { type: 'string' },
      'from-offset': { type: 'string' },
      group: { type: 'string' },
      brokers: { type: 'string' },
      'topic-prefix': { type: 'string' },
      'http-port': { type: 'string' },
      'timeout-ms': { type: 'string' },
      force: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
  });
  const parsed = ReplayOptionsSchema.safeParse({
    fromTimestamp: values['from-timestamp'],
    fromOffset: values['from-offset'],
    group: values.group,
    brokers: values.brokers,
    topicPrefix: values['topic-prefix'],
    httpPort: values['http-port'],
    timeoutMs: values['timeout-ms'],
    force: values.force,
    dryRun: values['dry-run'],
  });
  if (!parsed.success) {
    const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new Error(
      parsed.error.issues.map((i) => `${flag(String(i.path[0] ?? 'args'))}: ${i.message}`).join('\n'),
    );
  }
  return parsed.data;
}

if (require.main === module) {
  const root = join(__dirname, '..', '..', '..');
  let options: ReturnType<typeof parseReplayArgs>;
  try {
    options = parseReplayArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const env = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
  );
  runReplay(options, root, env, (l) => console.error(l))
    .then((s) => console.log(JSON.stringify(s, null, 2)))
    .catch((err: unknown) => {
      console.error((err as Error).message);
      process.exit(1);
    });
}
