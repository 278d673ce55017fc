-- Indexes for large tables: cursor pages (?after=) of a card's codes with a
-- status and of a stock's coupons seek through an index that ends with the
-- list's order (received_at, then the primary key InnoDB appends), and the
-- retention job prunes card_events and idempotency_keys by age. The two
-- (…, status) indexes are replaced by the longer ones they are prefixes of.
-- Online: each ALTER builds its indexes without blocking writes.

-- +goose Up
ALTER TABLE issued_codes
    ADD INDEX idx_issued_codes_card_status_received (card_id, status, received_at),
    DROP INDEX idx_issued_codes_card_id_status,
    ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE coupons
    ADD INDEX idx_coupons_stock_received_at (stock_id, received_at),
    ADD INDEX idx_coupons_stock_status_received (stock_id, status, received_at),
    DROP INDEX idx_coupons_stock_status,
    ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE card_events
    ADD INDEX idx_card_events_received_at (received_at),
    ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE idempotency_keys
    ADD INDEX idx_idempotency_keys_created_at (created_at),
    ALGORITHM=INPLACE, LOCK=NONE;

-- +goose Down
ALTER TABLE idempotency_keys DROP INDEX idx_idempotency_keys_created_at;
ALTER TABLE card_events DROP INDEX idx_card_events_received_at;
ALTER TABLE coupons
    ADD INDEX idx_coupons_stock_status (stock_id, status),
    DROP INDEX idx_coupons_stock_status_received,
    DROP INDEX idx_coupons_stock_received_at;
ALTER TABLE issued_codes
    ADD INDEX idx_issued_codes_card_id_status (card_id, status),
    DROP INDEX idx_issued_codes_card_status_received;
