-- Idempotency keys of merchant writes (POST /admin/v1/cards): one row per
-- (scope, key), claimed before the upstream call so that concurrent retries
-- create one card. A row lives 24 hours; an older one is replaced.
-- state: pending (in flight, or outcome unknown), done (result: card_id).

-- +goose Up
CREATE TABLE idempotency_keys (
    scope      TEXT     NOT NULL,
    idem_key   TEXT     NOT NULL,
    body_hash  TEXT     NOT NULL,
    state      TEXT     NOT NULL,
    result     TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idx_idempotency_keys_scope_created_at ON idempotency_keys (scope, created_at);

-- +goose Down
DROP TABLE IF EXISTS idempotency_keys;
