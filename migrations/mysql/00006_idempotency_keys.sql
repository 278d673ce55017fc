-- Idempotency keys of merchant writes (POST /admin/v1/cards): one row per
-- (scope, key), claimed before the upstream call so that concurrent retries on
-- any replica create one card. A row lives 24 hours; an older one is replaced.
-- state: pending (the upstream call is in flight or its outcome is unknown),
-- done (result holds the created card_id). body_hash is the SHA-256 of the
-- canonical request body: the same key with another body is refused.

-- +goose Up
CREATE TABLE idempotency_keys (
    scope      VARCHAR(32)  NOT NULL,
    idem_key   VARCHAR(64)  NOT NULL,
    body_hash  CHAR(64)     NOT NULL,
    state      VARCHAR(16)  NOT NULL,
    result     VARCHAR(128) NOT NULL DEFAULT '',
    created_at DATETIME(3)  NOT NULL,
    updated_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (scope, idem_key),
    KEY idx_idempotency_keys_scope_created_at (scope, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS idempotency_keys;
