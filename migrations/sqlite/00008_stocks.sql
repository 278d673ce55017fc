-- The local catalogue of 商家券 stocks (WeChat Pay 批次). stock_id is WeChat
-- Pay's; out_request_no is the create request's number, unique so that a
-- retried create records one stock (NULL for stocks created elsewhere), and
-- request_digest tells a retry from another use of that number. The columns
-- beside definition (the create object as JSON) are what lists filter and show.

-- +goose Up
CREATE TABLE stocks (
    stock_id             TEXT     NOT NULL PRIMARY KEY,
    out_request_no       TEXT     NULL,
    request_digest       TEXT     NOT NULL DEFAULT '',
    stock_name           TEXT     NOT NULL DEFAULT '',
    stock_type           TEXT     NOT NULL DEFAULT '',
    status               TEXT     NOT NULL DEFAULT '',
    goods_name           TEXT     NOT NULL DEFAULT '',
    available_begin_time DATETIME NULL,
    available_end_time   DATETIME NULL,
    max_coupons          INTEGER  NOT NULL DEFAULT 0,
    max_coupons_per_user INTEGER  NOT NULL DEFAULT 0,
    max_coupons_by_day   INTEGER  NOT NULL DEFAULT 0,
    sent                 INTEGER  NOT NULL DEFAULT 0,
    definition           TEXT     NOT NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_stocks_out_request_no ON stocks (out_request_no);
CREATE INDEX idx_stocks_status_created_at ON stocks (status, created_at);
CREATE INDEX idx_stocks_created_at ON stocks (created_at);

-- +goose Down
DROP TABLE IF EXISTS stocks;
