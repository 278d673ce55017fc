-- The initial schema: the card catalogue, the codes users hold, merchant accounts.
-- Identifiers (card_id, code, openid) are case-sensitive on WeChat, so every table
-- uses a binary collation. Times are UTC, to the millisecond.

-- +goose Up
CREATE TABLE cards (
    card_id         VARCHAR(64)  NOT NULL,
    card_type       VARCHAR(32)  NOT NULL DEFAULT '',
    title           VARCHAR(128) NOT NULL DEFAULT '',
    brand_name      VARCHAR(128) NOT NULL DEFAULT '',
    logo_url        VARCHAR(512) NOT NULL DEFAULT '',
    color           VARCHAR(32)  NOT NULL DEFAULT '',
    status          VARCHAR(32)  NOT NULL DEFAULT '',
    quantity        BIGINT       NOT NULL DEFAULT 0,
    total_quantity  BIGINT       NOT NULL DEFAULT 0,
    date_info       TEXT         NOT NULL,
    bind_openid     BOOLEAN      NOT NULL DEFAULT FALSE,
    use_custom_code BOOLEAN      NOT NULL DEFAULT FALSE,
    get_limit       INT          NOT NULL DEFAULT 0,
    definition      MEDIUMTEXT   NOT NULL,
    created_at      DATETIME(3)  NOT NULL,
    updated_at      DATETIME(3)  NOT NULL,
    PRIMARY KEY (card_id),
    KEY idx_cards_status_created_at (status, created_at),
    KEY idx_cards_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE issued_codes (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    card_id     VARCHAR(64)  NOT NULL,
    code        VARCHAR(64)  NOT NULL,
    openid      VARCHAR(64)  NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    outer_str   VARCHAR(128) NOT NULL DEFAULT '',
    received_at DATETIME(3)  NOT NULL,
    consumed_at DATETIME(3)  NULL,
    updated_at  DATETIME(3)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_issued_codes_card_id_code (card_id, code),
    KEY idx_issued_codes_openid_received_at (openid, received_at),
    KEY idx_issued_codes_card_id_status (card_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE admin_users (
    id            BIGINT       NOT NULL AUTO_INCREMENT,
    username      VARCHAR(64)  NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    role          VARCHAR(16)  NOT NULL,
    created_at    DATETIME(3)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_admin_users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS admin_users;
DROP TABLE IF EXISTS issued_codes;
DROP TABLE IF EXISTS cards;
