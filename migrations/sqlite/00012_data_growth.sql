-- Indexes for large tables: cursor pages (?after=) of a card's codes with a
-- status and of a stock's coupons, and the retention job's pruning of
-- card_events and idempotency_keys by age (see the MySQL file).

-- +goose Up
CREATE INDEX idx_issued_codes_card_status_received ON issued_codes (card_id, status, received_at, id);
DROP INDEX IF EXISTS idx_issued_codes_card_id_status;
CREATE INDEX idx_coupons_stock_received_at ON coupons (stock_id, received_at, coupon_code);
CREATE INDEX idx_coupons_stock_status_received ON coupons (stock_id, status, received_at, coupon_code);
DROP INDEX IF EXISTS idx_coupons_stock_status;
CREATE INDEX idx_card_events_received_at ON card_events (received_at);
CREATE INDEX idx_idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP INDEX IF EXISTS idx_idempotency_keys_created_at;
DROP INDEX IF EXISTS idx_card_events_received_at;
CREATE INDEX idx_coupons_stock_status ON coupons (stock_id, status);
DROP INDEX IF EXISTS idx_coupons_stock_status_received;
DROP INDEX IF EXISTS idx_coupons_stock_received_at;
CREATE INDEX idx_issued_codes_card_id_status ON issued_codes (card_id, status);
DROP INDEX IF EXISTS idx_issued_codes_card_status_received;
