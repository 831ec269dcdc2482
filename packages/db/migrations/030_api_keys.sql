-- API keys of the case API (services/api). Only the SHA-256 hash of a key is stored: a leaked
-- table does not leak usable keys. The plaintext is shown once, by the CLI that creates it.
CREATE TABLE api_keys (
  id bigserial PRIMARY KEY,
  key_hash text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
  role text NOT NULL CHECK (role IN ('ops', 'seller')),
  -- A seller key acts for exactly one seller; an ops key for none.
  seller_id text CHECK (seller_id IS NULL OR length(seller_id) BETWEEN 1 AND 64),
  label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CHECK ((role = 'seller') = (seller_id IS NOT NULL))
);
