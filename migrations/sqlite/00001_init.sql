-- The initial schema: the card catalogue, the codes users hold, merchant accounts.
-- The same tables as mysql/00001_init.sql. Times are stored as UTC text to the
-- millisecond (declared DATETIME so the driver reads them back as times);
-- booleans are 0/1.

-- +goose Up
CREATE TABLE cards (
    card_id         TEXT     NOT NULL PRIMARY KEY,
    card_type       TEXT     NOT NULL DEFAULT '',
    title           TEXT     NOT NULL DEFAULT '',
    brand_name      TEXT     NOT NULL DEFAULT '',
    logo_url        TEXT     NOT NULL DEFAULT '',
    color           TEXT     NOT NULL DEFAULT '',
    status          TEXT     NOT NULL DEFAULT '',
    quantity        INTEGER  NOT NULL DEFAULT 0,
    total_quantity  INTEGER  NOT NULL DEFAULT 0,
    date_info       TEXT     NOT NULL DEFAULT '{}',
    bind_openid     INTEGER  NOT NULL DEFAULT 0,
    use_custom_code INTEGER  NOT NULL DEFAULT 0,
    get_limit       INTEGER  NOT NULL DEFAULT 0,
    definition      TEXT     NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX idx_cards_status_created_at ON cards (status, created_at);
CREATE INDEX idx_cards_created_at ON cards (created_at);

CREATE TABLE issued_codes (
    id          INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    card_id     TEXT     NOT NULL,
    code        TEXT     NOT NULL,
    openid      TEXT     NOT NULL,
    status      TEXT     NOT NULL,
    outer_str   TEXT     NOT NULL DEFAULT '',
    received_at DATETIME NOT NULL,
    consumed_at DATETIME NULL,
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_issued_codes_card_id_code ON issued_codes (card_id, code);
CREATE INDEX idx_issued_codes_openid_received_at ON issued_codes (openid, received_at);
CREATE INDEX idx_issued_codes_card_id_status ON issued_codes (card_id, status);

CREATE TABLE admin_users (
    id            INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    username      TEXT     NOT NULL,
    password_hash TEXT     NOT NULL,
    role          TEXT     NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_admin_users_username ON admin_users (username);

-- +goose Down
DROP TABLE IF EXISTS admin_users;
DROP TABLE IF EXISTS issued_codes;
DROP TABLE IF EXISTS cards;
