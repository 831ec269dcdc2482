-- (order, buyer, seller) as learnt by the API from order.placed events on market.orders.v1. The
-- API refuses a seller label unless the labelling seller really sold that order to that buyer,
-- and uses the same facts to hide other sellers' orders from a seller's view of a case.
CREATE TABLE api_orders (
  order_id text PRIMARY KEY,
  buyer_id text NOT NULL,
  seller_id text NOT NULL,
  placed_at timestamptz NOT NULL,
  event_id text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_orders_buyer ON api_orders (buyer_id);
