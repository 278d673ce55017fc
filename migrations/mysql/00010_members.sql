-- Member cards (会员卡): activated members and the ledger of their points
-- (bonus) and stored value (balance, fen). A member's totals always equal the
-- sum of its entries' deltas; an entry is pending until WeChat confirmed the
-- totals it is part of. request_id makes a merchant's change happen once.

-- +goose Up
CREATE TABLE members (
    id                BIGINT       NOT NULL AUTO_INCREMENT,
    card_id           VARCHAR(64)  NOT NULL,
    code              VARCHAR(64)  NOT NULL,
    openid            VARCHAR(64)  NOT NULL,
    membership_number VARCHAR(64)  NOT NULL,
    bonus             BIGINT       NOT NULL DEFAULT 0,
    balance           BIGINT       NOT NULL DEFAULT 0,
    form              TEXT         NOT NULL,
    version           BIGINT       NOT NULL DEFAULT 0,
    activated_at      DATETIME(3)  NOT NULL,
    updated_at        DATETIME(3)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_members_card_id_code (card_id, code),
    UNIQUE KEY uq_members_card_id_number (card_id, membership_number),
    KEY idx_members_openid (openid, activated_at),
    KEY idx_members_card_id_activated_at (card_id, activated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE member_ledger (
    id         BIGINT       NOT NULL AUTO_INCREMENT,
    card_id    VARCHAR(64)  NOT NULL,
    code       VARCHAR(64)  NOT NULL,
    request_id VARCHAR(255) NOT NULL,
    kind       VARCHAR(16)  NOT NULL,
    delta      BIGINT       NOT NULL,
    total      BIGINT       NOT NULL,
    record     VARCHAR(128) NOT NULL DEFAULT '',
    actor      VARCHAR(128) NOT NULL DEFAULT '',
    status     VARCHAR(16)  NOT NULL,
    created_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_member_ledger_request (card_id, code, request_id),
    KEY idx_member_ledger_status (card_id, code, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS member_ledger;
DROP TABLE IF EXISTS members;
