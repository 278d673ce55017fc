-- The audit trail: one row per admin write (who, role, action, target, result).

-- +goose Up
CREATE TABLE audit_entries (
    id         BIGINT       NOT NULL AUTO_INCREMENT,
    at         DATETIME(3)  NOT NULL,
    actor      VARCHAR(64)  NOT NULL,
    role       VARCHAR(16)  NOT NULL,
    action     VARCHAR(64)  NOT NULL,
    target     VARCHAR(128) NOT NULL DEFAULT '',
    result     VARCHAR(64)  NOT NULL,
    request_id VARCHAR(128) NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY idx_audit_entries_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS audit_entries;
