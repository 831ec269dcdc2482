// API key administration: `node --import tsx services/api/src/cli.ts create|revoke|list`.
// Uses DATABASE_URL (default the local vigil database) and applies migrations first.

import { loadConfig } from '@vigil/common';
import { ensureDatabase, migrate } from '@vigil/db';
import { Pool } from 'pg';
import { z } from 'zod';
import { ApiKeyStore } from './auth';
import { parseArgs, USAGE, UsageError } from './cli-args';

const Config = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/vigil'),
});

/** Runs one CLI command, writing to `out`; returns the exit code. */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
): Promise<number> {
  let cmd: ReturnType<typeof parseArgs>;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`error: ${err.message}\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const { DATABASE_URL } = loadConfig(Config, env);
  await ensureDatabase(DATABASE_URL);
  const pool = new Pool({ connectionString: DATABASE_URL, max: 1 });
  try {
    await migrate(pool);
    const store = new ApiKeyStore(pool);
    if (cmd.command === 'create') {
      const { key, row } = await store.create(cmd);
      out(
        `id=${row.id} role=${row.role}${row.seller_id ? ` seller=${row.seller_id}` : ''} label=${JSON.stringify(row.label)}`,
      );
      out(`key=${key}`);
      out('store this key now: only its SHA-256 hash is kept, it cannot be shown again');
      return 0;
    }
    if (cmd.command === 'revoke') {
      if (await store.revoke(cmd.id)) {
        out(`revoked key ${cmd.id}`);
        return 0;
      }
      out(`error: --id: no active key with id ${cmd.id}`);
      return 1;
    }
    for (const k of await store.list()) {
      out(
        [
          `id=${k.id}`,
          `role=${k.role}`,
          `seller=${k.seller_id ?? '-'}`,
          `label=${JSON.stringify(k.label)}`,
          `created=${k.created_at.toISOString()}`,
          `revoked=${k.revoked_at ? k.revoked_at.toISOString() : '-'}`,
        ].join(' '),
      );
    }
    return 0;
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
