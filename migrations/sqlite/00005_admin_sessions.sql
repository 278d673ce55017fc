-- Merchant accounts that can be revoked: a token carries the token_version it
-- was issued under, and any change that must end a user's sessions (password,
-- role, disabled) bumps it; disabled users cannot sign in; last_login_at is
-- shown in the user list.

-- +goose Up
ALTER TABLE admin_users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admin_users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE admin_users ADD COLUMN last_login_at DATETIME NULL;

-- +goose Down
ALTER TABLE admin_users DROP COLUMN last_login_at;
ALTER TABLE admin_users DROP COLUMN disabled;
ALTER TABLE admin_users DROP COLUMN token_version;
