-- 商家券 coupons held by mini-program users, keyed as WeChat Pay keys them:
-- (stock_id, coupon_code) (a merchant-code stock's codes are unique only within
-- the stock). out_request_no is the send's number the server issued; returns
-- counts the 退券 so far, from which the next use_request_no is derived (a
-- coupon used again after a return is a new redemption at WeChat Pay).
-- wechatpay_notifications keeps the ids of notifications already handled, so
-- WeChat Pay's retries and replays change nothing.

-- +goose Up
CREATE TABLE coupons (
    stock_id       TEXT     NOT NULL,
    coupon_code    TEXT     NOT NULL,
    openid         TEXT     NOT NULL,
    status         TEXT     NOT NULL,
    out_request_no TEXT     NOT NULL DEFAULT '',
    returns        INTEGER  NOT NULL DEFAULT 0,
    received_at    DATETIME NOT NULL,
    consumed_at    DATETIME NULL,
    checked_at     DATETIME NULL,
    updated_at     DATETIME NOT NULL,
    PRIMARY KEY (stock_id, coupon_code)
);
CREATE INDEX idx_coupons_openid ON coupons (openid, received_at);
CREATE INDEX idx_coupons_stock_status ON coupons (stock_id, status);
CREATE INDEX idx_coupons_received_at ON coupons (received_at);

CREATE TABLE wechatpay_notifications (
    id          TEXT     NOT NULL PRIMARY KEY,
    event_type  TEXT     NOT NULL DEFAULT '',
    received_at DATETIME NOT NULL
);
CREATE INDEX idx_wechatpay_notifications_received_at ON wechatpay_notifications (received_at);

-- +goose Down
DROP TABLE IF EXISTS wechatpay_notifications;
DROP TABLE IF EXISTS coupons;
