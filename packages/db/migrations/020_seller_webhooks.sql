-- Seller alert delivery (services/alerts). One webhook per seller; every delivery attempt is
-- recorded so ops and sellers can see what was sent, when, and what the receiver answered.
-- The secret is stored as given: the worker needs it to compute each request's HMAC.
CREATE TABLE seller_webhooks (
  seller_id text PRIMARY KEY CHECK (char_length(seller_id) BETWEEN 1 AND 64),
  url text NOT NULL CHECK (url ~ '^https?://'),
  secret text NOT NULL CHECK (char_length(secret) >= 16),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- No foreign key to seller_webhooks: attempts for sellers without a webhook are recorded too,
-- and the record must outlive a removed webhook.
CREATE TABLE alert_deliveries (
  id bigserial PRIMARY KEY,
  alert_id text NOT NULL,
  seller_id text NOT NULL,
  attempt integer NOT NULL CHECK (attempt >= 1),
  outcome text NOT NULL
    CHECK (outcome IN ('delivered', 'http_error', 'network_error', 'timeout', 'no_webhook')),
  status_code integer,
  error text,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  delivered boolean NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alert_deliveries_alert_idx ON alert_deliveries (alert_id, attempt);
CREATE INDEX alert_deliveries_seller_idx ON alert_deliveries (seller_id, at DESC);
