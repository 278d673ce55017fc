-- Listing a card's codes newest first (GET /admin/v1/cards/{card_id}/codes).

-- +goose Up
CREATE INDEX idx_issued_codes_card_id_received_at ON issued_codes (card_id, received_at, id);

-- +goose Down
DROP INDEX IF EXISTS idx_issued_codes_card_id_received_at;
