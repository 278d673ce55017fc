-- Member cards (会员卡): activated members and the ledger of their points
-- (bonus) and stored value (balance, fen). A member's totals always equal the
-- sum of its entries' deltas; an entry is pending until WeChat confirmed the
-- totals it is part of. request_id makes a merchant's change happen once.

-- +goose Up
CREATE TABLE members (
    id                INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    card_id           TEXT     NOT NULL,
    code              TEXT     NOT NULL,
    openid            TEXT     NOT NULL,
    membership_number TEXT     NOT NULL,
    bonus             INTEGER  NOT NULL DEFAULT 0,
    balance           INTEGER  NOT NULL DEFAULT 0,
    form              TEXT     NOT NULL,
    version           INTEGER  NOT NULL DEFAULT 0,
    activated_at      DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_members_card_id_code ON members (card_id, code);
CREATE UNIQUE INDEX uq_members_card_id_number ON members (card_id, membership_number);
CREATE INDEX idx_members_openid ON members (openid, activated_at);
CREATE INDEX idx_members_card_id_activated_at ON members (card_id, activated_at);

CREATE TABLE member_ledger (
    id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    card_id    TEXT     NOT NULL,
    code       TEXT     NOT NULL,
    request_id TEXT     NOT NULL,
    kind       TEXT     NOT NULL,
    delta      INTEGER  NOT NULL,
    total      INTEGER  NOT NULL,
    record     TEXT     NOT NULL DEFAULT '',
    actor      TEXT     NOT NULL DEFAULT '',
    status     TEXT     NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_member_ledger_request ON member_ledger (card_id, code, request_id);
CREATE INDEX idx_member_ledger_status ON member_ledger (card_id, code, status, id);

-- +goose Down
DROP TABLE IF EXISTS member_ledger;
DROP TABLE IF EXISTS members;
