import { createTestDatabase, type TestDatabase } from '@vigil/testkit';
import { ApiKeyStore, hashKey } from './auth';
import { runCli } from './cli';

// The key CLI against a real database: keys are printed once and stored only as hashes.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(argv, { DATABASE_URL: db.url }, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

it('creates a seller key, stores only its hash, lists and revokes it', async () => {
  const created = await run('create', '--role', 'seller', '--seller', 'shop-9', '--label', 'shop nine');
  expect(created.code).toBe(0);
  const key = /key=(vgl_[A-Za-z0-9_-]{43})/.exec(created.out)?.[1];
  expect(key).toBeDefined();
  const id = /id=(\d+)/.exec(created.out)![1]!;

  const stored = await db.pool.query('SELECT * FROM api_keys WHERE id = $1', [id]);
  expect(stored.rows[0].key_hash).toBe(hashKey(key!));
  expect(JSON.stringify(stored.rows)).not.toContain(key!);
  const store = new ApiKeyStore(db.pool);
  expect(await store.authenticate(key!)).toEqual({ keyId: id, role: 'seller', sellerId: 'shop-9' });

  const listed = await run('list');
  expect(listed.out).toContain(`id=${id} role=seller seller=shop-9 label="shop nine"`);
  expect(listed.out).toContain('revoked=-');
  expect(listed.out).not.toContain(key!);

  expect((await run('revoke', '--id', id)).code).toBe(0);
  expect(await store.authenticate(key!)).toBeNull();
  expect((await run('list')).out).not.toContain('revoked=-');
  const again = await run('revoke', '--id', id);
  expect(again.code).toBe(1);
  expect(again.out).toContain('--id');
});

it('exits 2 naming the bad flag, touching nothing', async () => {
  const bad = await run('create', '--role', 'root');
  expect(bad.code).toBe(2);
  expect(bad.out).toContain('--role: expected ops or seller');
});
