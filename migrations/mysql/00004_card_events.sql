-- Card events pushed by WeChat: one row per event, unique per dedupe key, so a
-- retried push is recognised and counted events (views, sessions) count once.

-- +goose Up
CREATE TABLE card_events (
    id          BIGINT       NOT NULL AUTO_INCREMENT,
    dedupe_key  VARCHAR(255) NOT NULL,
    event       VARCHAR(64)  NOT NULL,
    card_id     VARCHAR(64)  NOT NULL DEFAULT '',
    code        VARCHAR(64)  NOT NULL DEFAULT '',
    openid      VARCHAR(64)  NOT NULL DEFAULT '',
    created_at  DATETIME(3)  NOT NULL,
    received_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_card_events_dedupe_key (dedupe_key),
    KEY idx_card_events_card_id_event (card_id, event)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS card_events;
