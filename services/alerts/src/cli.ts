// Manage sellers' webhooks:
//   tsx services/alerts/src/cli.ts set --seller s-1 --url https://seller.example/hooks/vigil --secret <16+ chars> [--inactive]
//   tsx services/alerts/src/cli.ts remove --seller s-1
//   tsx services/alerts/src/cli.ts show --seller s-1
// DATABASE_URL selects the database (default the local one); run `npm run migrate` first.

import { parseArgs } from 'node:util';
import { loadConfig } from '@vigil/common';
import { Pool } from 'pg';
import { z } from 'zod';
import { createWebhookStore, type WebhookStore } from './store';

export const USAGE = `usage:
  cli.ts set --seller <id> --url <http(s) url> --secret <at least 16 chars> [--inactive]
  cli.ts remove --seller <id>
  cli.ts show --seller <id>`;

/** A command line the user got wrong; the message names the flag. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const Seller = z.string().min(1, 'must not be empty').max(64, 'at most 64 characters');
const Url = z
  .string()
  .url('must be an absolute URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must start with http:// or https://');
const Secret = z.string().min(16, 'must be at least 16 characters').max(256, 'at most 256 characters');

export type Command =
  | { kind: 'set'; sellerId: string; url: string; secret: string; active: boolean }
  | { kind: 'remove'; sellerId: string }
  | { kind: 'show'; sellerId: string };

function flag<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const r = schema.safeParse(value);
  if (!r.success) throw new UsageError(`--${name} ${r.error.issues[0]?.message ?? 'is invalid'}`);
  return r.data;
}

/** Parses and validates the arguments (without the node and script paths). */
export function parseCommand(argv: string[]): Command {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        seller: { type: 'string' },
        url: { type: 'string' },
        secret: { type: 'string' },
        inactive: { type: 'boolean' },
      },
    });
  } catch (err) {
    // node's message already names the unknown or malformed flag.
    throw new UsageError((err as Error).message);
  }
  const [verb, ...rest] = parsed.positionals;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  if (verb !== 'set' && verb !== 'remove' && verb !== 'show') {
    throw new UsageError(
      verb === undefined ? 'missing command (set, remove or show)' : `unknown command "${verb}"`,
    );
  }
  const v = parsed.values;
  const sellerId = flag('seller', Seller, v['seller']);
  switch (verb) {
    case 'set':
      return {
        kind: 'set',
        sellerId,
        url: flag('url', Url, v['url']),
        secret: flag('secret', Secret, v['secret']),
        active: v['inactive'] !== true,
      };
    default:
      for (const extra of ['url', 'secret', 'inactive']) {
        if (v[extra] !== undefined) throw new UsageError(`--${extra} is not allowed with ${verb}`);
      }
      return { kind: verb, sellerId };
  }
}

/** Runs one command against the store; returns the line to print. */
export async function runCommand(command: Command, store: WebhookStore): Promise<string> {
  switch (command.kind) {
    case 'set':
      await store.set(command);
      return `webhook for ${command.sellerId} set to ${command.url}${command.active ? '' : ' (inactive)'}`;
    case 'remove':
      return (await store.remove(command.sellerId))
        ? `webhook for ${command.sellerId} removed`
        : `no webhook for ${command.sellerId}`;
    case 'show': {
      const hook = await store.lookup(command.sellerId);
      // Never print the secret: terminals end up in screenshots and tickets.
      return hook
        ? `${hook.sellerId} ${hook.url} ${hook.active ? 'active' : 'inactive'}`
        : `no webhook for ${command.sellerId}`;
    }
  }
}

async function main(): Promise<void> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  const { DATABASE_URL } = loadConfig(
    z.object({ DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/vigil') }),
  );
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  try {
    console.log(await runCommand(command, createWebhookStore({ pool, cacheMs: 0 })));
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
