-- Seller labels accepted by the API (and published as seller.label events), kept so that each
-- seller's label precision can be measured against ops decisions, plus the per-seller daily quota
-- counter that stops one seller from flooding the label rule.
CREATE TABLE seller_labels (
  event_id text PRIMARY KEY,
  seller_id text NOT NULL,
  buyer_id text NOT NULL,
  order_id text NOT NULL,
  label text NOT NULL,
  api_key_id bigint NOT NULL REFERENCES api_keys (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The same label on the same order twice adds nothing but weight; it is refused.
  UNIQUE (seller_id, order_id, label)
);
CREATE INDEX seller_labels_seller ON seller_labels (seller_id, created_at);
CREATE INDEX seller_labels_buyer ON seller_labels (buyer_id);

CREATE TABLE seller_label_quota (
  seller_id text NOT NULL,
  day date NOT NULL,
  used integer NOT NULL,
  PRIMARY KEY (seller_id, day)
);
