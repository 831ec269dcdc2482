import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listMigrations, migrate } from '@vigil/db';
import { createTestDatabase, type TestDatabase } from '@vigil/testkit';

describe('PostgreSQL migrations (real server)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(() => db.drop());

  it('applies every migration once, in order, and records them', async () => {
    const all = listMigrations().map((m) => m.name);
    expect(await migrate(db.pool)).toEqual(all);
    expect(await migrate(db.pool)).toEqual([]);
    const rows = await db.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(rows.rows.map((r) => r.name)).toEqual(all);
  });

  it('refuses a migration that changed after it was applied, and rolls back a failing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-mig-'));
    writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE t_a (id int);');
    const other = await createTestDatabase({ migrate: false });
    try {
      await migrate(other.pool, dir);
      writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE t_a (id bigint);');
      await expect(migrate(other.pool, dir)).rejects.toThrow('001_a.sql changed');
      writeFileSync(join(dir, '001_a.sql'), 'CREATE TABLE t_a (id int);');
      writeFileSync(join(dir, '002_b.sql'), 'CREATE TABLE t_b (id int); SELECT broken syntax here;');
      await expect(migrate(other.pool, dir)).rejects.toThrow('002_b.sql failed');
      const t = await other.pool.query("SELECT to_regclass('t_b') AS t");
      expect(t.rows[0].t).toBeNull();
    } finally {
      await other.drop();
    }
  });
});
