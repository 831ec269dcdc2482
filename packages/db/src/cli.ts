// Applies pending migrations to DATABASE_URL, creating the database first when it is missing.

import { loadConfig } from '@vigil/common';
import { Pool } from 'pg';
import { z } from 'zod';
import { ensureDatabase } from './ensure-database';
import { migrate } from './migrate';

const Config = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/vigil'),
});

async function main(): Promise<void> {
  const { DATABASE_URL } = loadConfig(Config);
  await ensureDatabase(DATABASE_URL);
  const pool = new Pool({ connectionString: DATABASE_URL });
  try {
    const applied = await migrate(pool);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'migrations: up to date');
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
