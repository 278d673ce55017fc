-- Card events pushed by WeChat: one row per event, unique per dedupe key, so a
-- retried push is recognised and counted events (views, sessions) count once.

-- +goose Up
CREATE TABLE card_events (
    id          INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    dedupe_key  TEXT     NOT NULL,
    event       TEXT     NOT NULL,
    card_id     TEXT     NOT NULL DEFAULT '',
    code        TEXT     NOT NULL DEFAULT '',
    openid      TEXT     NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    received_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_card_events_dedupe_key ON card_events (dedupe_key);
CREATE INDEX idx_card_events_card_id_event ON card_events (card_id, event);

-- +goose Down
DROP TABLE IF EXISTS card_events;
