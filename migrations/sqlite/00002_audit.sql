-- The audit trail: one row per admin write (who, role, action, target, result).

-- +goose Up
CREATE TABLE audit_entries (
    id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    at         DATETIME NOT NULL,
    actor      TEXT     NOT NULL,
    role       TEXT     NOT NULL,
    action     TEXT     NOT NULL,
    target     TEXT     NOT NULL DEFAULT '',
    result     TEXT     NOT NULL,
    request_id TEXT     NOT NULL DEFAULT ''
);
CREATE INDEX idx_audit_entries_at ON audit_entries (at);

-- +goose Down
DROP TABLE IF EXISTS audit_entries;
