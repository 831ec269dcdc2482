import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';

export type Role = 'ops' | 'seller';

/** Who is calling, as established from the bearer key. */
export type Principal = { keyId: string; role: 'ops' } | { keyId: string; role: 'seller'; sellerId: string };

/** Keys look like `vgl_<43 base64url chars>` (256 random bits); the prefix makes leaks greppable. */
export function generateKey(): string {
  return `vgl_${randomBytes(32).toString('base64url')}`;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export const ApiKeyRow = z.object({
  id: z.string(),
  role: z.enum(['ops', 'seller']),
  seller_id: z.string().nullable(),
  label: z.string(),
  created_at: z.date(),
  revoked_at: z.date().nullable(),
});
export type ApiKeyRow = z.infer<typeof ApiKeyRow>;

/** API keys in PostgreSQL (migration 030); only hashes are stored. */
export class ApiKeyStore {
  constructor(private readonly db: Pool) {}

  /** Creates a key and returns its plaintext (shown once) and row. */
  async create(input: {
    role: Role;
    sellerId?: string;
    label?: string;
  }): Promise<{ key: string; row: ApiKeyRow }> {
    const key = generateKey();
    const res = await this.db.query(
      `INSERT INTO api_keys (key_hash, role, seller_id, label) VALUES ($1, $2, $3, $4)
       RETURNING id::text, role, seller_id, label, created_at, revoked_at`,
      [hashKey(key), input.role, input.role === 'seller' ? input.sellerId : null, input.label ?? ''],
    );
    return { key, row: ApiKeyRow.parse(res.rows[0]) };
  }

  /** Revokes a key; false when no such unrevoked key exists. */
  async revoke(id: string): Promise<boolean> {
    const res = await this.db.query(
      'UPDATE api_keys SET revoked_at = now() WHERE id = $1::bigint AND revoked_at IS NULL',
      [id],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async list(): Promise<ApiKeyRow[]> {
    const res = await this.db.query(
      'SELECT id::text, role, seller_id, label, created_at, revoked_at FROM api_keys ORDER BY id',
    );
    return res.rows.map((r) => ApiKeyRow.parse(r));
  }

  /** The principal of an unrevoked key, or null. */
  async authenticate(key: string): Promise<Principal | null> {
    const res = await this.db.query(
      'SELECT id::text, role, seller_id, label, created_at, revoked_at FROM api_keys WHERE key_hash = $1',
      [hashKey(key)],
    );
    const parsed = ApiKeyRow.safeParse(res.rows[0]);
    if (!parsed.success || parsed.data.revoked_at !== null) return null;
    const row = parsed.data;
    if (row.role === 'seller') {
      if (row.seller_id === null) return null;
      return { keyId: row.id, role: 'seller', sellerId: row.seller_id };
    }
    return { keyId: row.id, role: 'ops' };
  }
}
