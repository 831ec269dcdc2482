import { dropDatabase, ensureDatabase, migrate } from '@vigil/db';
import { Pool } from 'pg';
import { uniqueName } from './names';

export interface TestDatabase {
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

/**
 * A fresh, migrated PostgreSQL database for one test file, so tests never share rows.
 * The server comes from `TEST_DATABASE_URL` (default the local one).
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const base = new URL(process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/vigil');
  base.pathname = `/${uniqueName('vigil_test')}`;
  const url = base.toString();
  await ensureDatabase(url);
  const pool = new Pool({ connectionString: url, max: 5 });
  if (options.migrate !== false) await migrate(pool);
  return {
    url,
    pool,
    drop: async () => {
      // pool.end() resolves before the clients' sockets are closed; dropping the database WITH
      // (FORCE) then would kill them and raise an unhandled 'error'. Wait for every removal.
      let open = pool.totalCount;
      const closed = new Promise<void>((resolve) => {
        if (open === 0) resolve();
        pool.on('remove', () => {
          open -= 1;
          if (open <= 0) resolve();
        });
      });
      await pool.end();
      await closed;
      await dropDatabase(url);
    },
  };
}
