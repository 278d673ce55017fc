-- 商家券 coupons held by mini-program users, keyed as WeChat Pay keys them:
-- (stock_id, coupon_code) (a merchant-code stock's codes are unique only within
-- the stock). out_request_no is the send's number the server issued; returns
-- counts the 退券 so far, from which the next use_request_no is derived (a
-- coupon used again after a return is a new redemption at WeChat Pay).
-- wechatpay_notifications keeps the ids of notifications already handled, so
-- WeChat Pay's retries and replays change nothing.

-- +goose Up
CREATE TABLE coupons (
    stock_id       VARCHAR(64)  NOT NULL,
    coupon_code    VARCHAR(128) NOT NULL,
    openid         VARCHAR(128) NOT NULL,
    status         VARCHAR(16)  NOT NULL,
    out_request_no VARCHAR(128) NOT NULL DEFAULT '',
    returns        INT          NOT NULL DEFAULT 0,
    received_at    DATETIME(3)  NOT NULL,
    consumed_at    DATETIME(3)  NULL,
    checked_at     DATETIME(3)  NULL,
    updated_at     DATETIME(3)  NOT NULL,
    PRIMARY KEY (stock_id, coupon_code),
    KEY idx_coupons_openid (openid, received_at),
    KEY idx_coupons_stock_status (stock_id, status),
    KEY idx_coupons_received_at (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE wechatpay_notifications (
    id          VARCHAR(64)  NOT NULL,
    event_type  VARCHAR(64)  NOT NULL DEFAULT '',
    received_at DATETIME(3)  NOT NULL,
    PRIMARY KEY (id),
    KEY idx_wechatpay_notifications_received_at (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS wechatpay_notifications;
DROP TABLE IF EXISTS coupons;
