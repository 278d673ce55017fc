-- The local catalogue of 商家券 stocks (WeChat Pay 批次). stock_id is WeChat
-- Pay's; out_request_no is the create request's number, unique so that a
-- retried create records one stock (NULL for stocks created elsewhere), and
-- request_digest tells a retry from another use of that number. The columns
-- beside definition (the create object as JSON) are what lists filter and show.

-- +goose Up
CREATE TABLE stocks (
    stock_id             VARCHAR(64)  NOT NULL,
    out_request_no       VARCHAR(128) NULL,
    request_digest       VARCHAR(64)  NOT NULL DEFAULT '',
    stock_name           VARCHAR(128) NOT NULL DEFAULT '',
    stock_type           VARCHAR(16)  NOT NULL DEFAULT '',
    status               VARCHAR(16)  NOT NULL DEFAULT '',
    goods_name           VARCHAR(128) NOT NULL DEFAULT '',
    available_begin_time DATETIME(3)  NULL,
    available_end_time   DATETIME(3)  NULL,
    max_coupons          BIGINT       NOT NULL DEFAULT 0,
    max_coupons_per_user BIGINT       NOT NULL DEFAULT 0,
    max_coupons_by_day   BIGINT       NOT NULL DEFAULT 0,
    sent                 BIGINT       NOT NULL DEFAULT 0,
    definition           MEDIUMTEXT   NOT NULL,
    created_at           DATETIME(3)  NOT NULL,
    updated_at           DATETIME(3)  NOT NULL,
    PRIMARY KEY (stock_id),
    UNIQUE KEY uq_stocks_out_request_no (out_request_no),
    KEY idx_stocks_status_created_at (status, created_at),
    KEY idx_stocks_created_at (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS stocks;
