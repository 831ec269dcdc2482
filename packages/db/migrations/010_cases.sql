-- Cases (DESIGN.md "Cases, penalties, relief"), owned by services/cases and packages/cases.
-- A case's subject is a buyer, or a seller for seller-victim rules (competitor-review-burst).
-- Device and address suspicions never own a case: their evidence goes to each buyer's case.
CREATE TABLE cases (
  id uuid PRIMARY KEY,
  subject_kind text NOT NULL CHECK (subject_kind IN ('buyer', 'seller')),
  subject_id text NOT NULL,
  -- The buyer for a buyer case; NULL for a seller-victim case (its buyers are in buyer_ids).
  buyer_id text,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'dismissed')),
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  -- In order of first appearance: rule_ids[1] is the case's first rule (metrics label).
  rule_ids text[] NOT NULL DEFAULT '{}',
  seller_ids text[] NOT NULL DEFAULT '{}',
  order_ids text[] NOT NULL DEFAULT '{}',
  -- Every buyer named by the case's suspicions (the people penalised on confirmation).
  buyer_ids text[] NOT NULL DEFAULT '{}',
  suspicion_count integer NOT NULL DEFAULT 0,
  first_detected_at timestamptz NOT NULL,
  last_detected_at timestamptz NOT NULL,
  penalty_level integer NOT NULL DEFAULT 0 CHECK (penalty_level BETWEEN 0 AND 4),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  decided_at timestamptz,
  decided_by text,
  decision_note text,
  CHECK ((subject_kind = 'buyer') = (buyer_id IS NOT NULL))
);

-- The guarantee that a subject has at most ONE open case, whatever the concurrency.
CREATE UNIQUE INDEX cases_one_open_per_subject ON cases (subject_kind, subject_id) WHERE status = 'open';
CREATE INDEX cases_buyer_idx ON cases (buyer_id, created_at DESC);
CREATE INDEX cases_status_idx ON cases (status, created_at DESC);
CREATE INDEX cases_buyer_ids_idx ON cases USING gin (buyer_ids);
CREATE INDEX cases_seller_ids_idx ON cases USING gin (seller_ids);

-- One row per suspicion applied to a case (a device suspicion gives one row in each buyer case).
CREATE TABLE case_evidence (
  id bigserial PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  job_id text NOT NULL,
  rule_id text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  subject_kind text NOT NULL,
  subject_id text NOT NULL,
  buyer_ids text[] NOT NULL,
  seller_ids text[] NOT NULL,
  order_ids text[] NOT NULL,
  detected_at timestamptz NOT NULL,
  event_time timestamptz NOT NULL,
  windows jsonb NOT NULL,
  event_ids text[] NOT NULL,
  crossed jsonb NOT NULL DEFAULT '[]',
  snippets text[],
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, job_id)
);
CREATE INDEX case_evidence_case_idx ON case_evidence (case_id, detected_at);

-- Orders of a case with what we know of their parties. buyer_id/seller_id are NULL when no
-- suspicion attributed the order (a multi-seller suspicion does not say which seller owns it).
CREATE TABLE case_orders (
  case_id uuid NOT NULL REFERENCES cases (id),
  order_id text NOT NULL,
  buyer_id text,
  seller_id text,
  rule_ids text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (case_id, order_id)
);
CREATE INDEX case_orders_seller_idx ON case_orders (seller_id);

-- Idempotency: a BullMQ job id is applied once, whatever the redeliveries.
CREATE TABLE processed_jobs (
  job_id text PRIMARY KEY,
  rule_id text,
  case_ids uuid[] NOT NULL DEFAULT '{}',
  outcome text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);

-- The decision on a case; one per case (a second decision is a conflict).
CREATE TABLE case_decisions (
  case_id uuid PRIMARY KEY REFERENCES cases (id),
  decision text NOT NULL CHECK (decision IN ('confirm', 'dismiss')),
  actor text NOT NULL,
  note text,
  automatic boolean NOT NULL DEFAULT false,
  decided_at timestamptz NOT NULL DEFAULT now()
);

-- Penalties applied: one row per (confirmed case, penalised buyer). A buyer's ladder step is the
-- number of its earlier rows + 1, capped at 4.
CREATE TABLE enforcements (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  buyer_id text NOT NULL,
  level integer NOT NULL CHECK (level BETWEEN 1 AND 4),
  action text NOT NULL CHECK (action IN ('warning', 'real_name_verification', 'rights_stripped', 'login_suspended')),
  applied_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, buyer_id)
);
CREATE INDEX enforcements_buyer_idx ON enforcements (buyer_id, applied_at);

-- Relief granted to sellers on confirmation: one row per (case, seller, order).
CREATE TABLE seller_reliefs (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES cases (id),
  seller_id text NOT NULL,
  buyer_id text NOT NULL,
  order_id text NOT NULL,
  actions text[] NOT NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (case_id, seller_id, order_id)
);

-- Transactional outbox: written in the same transaction as the case change, published by the
-- relay. `destination` is logical (enforcement | seller-relief | seller-alerts); the relay maps
-- it to the configured topic or queue, so the API can write rows without knowing topic names.
-- `id` is the deterministic event id (consumers dedupe on it); for queue rows `key` is the job id.
CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('kafka', 'queue')),
  destination text NOT NULL,
  key text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  published_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX outbox_pending_idx ON outbox (created_at) WHERE published_at IS NULL;
