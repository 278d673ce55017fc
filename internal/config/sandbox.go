package config

import (
	"strconv"
	"strings"
)

// decideSandbox applies SANDBOX (api.md, Configuration). Unset, sandbox mode
// is only for a bare start: any sign of a production deployment (a WeChat
// account, a WeChat Pay merchant, MySQL, Redis) turns it off, and production
// storage without WECHAT_APP_ID is refused rather than guessed at, since a
// sandbox over production data writes a known admin password into it and
// mounts an emulator that mints tokens the real replicas accept.
func decideSandbox(c Config, getenv func(string) string) (bool, error) {
	raw := strings.TrimSpace(getenv("SANDBOX"))
	// Read only for this rule; wechatpay.go parses the WECHATPAY_* settings.
	mchID := strings.TrimSpace(getenv("WECHATPAY_MCH_ID"))
	if raw != "" {
		on, err := strconv.ParseBool(raw)
		if err != nil {
			return false, &Error{"SANDBOX", "want true or false (or leave it unset)"}
		}
		switch {
		case on && c.WeChatAppID != "":
			return false, &Error{"SANDBOX", "SANDBOX=true uses the emulator's accounts: unset WECHAT_APP_ID, or unset SANDBOX"}
		case !on && c.WeChatAppID == "":
			return false, &Error{"WECHAT_APP_ID", "required when SANDBOX=false"}
		}
		return on, nil
	}
	if c.WeChatAppID != "" {
		return false, nil
	}
	if c.MySQLDSN != "" || c.RedisURL != "" {
		return false, &Error{"WECHAT_APP_ID", "not set, but MYSQL_DSN or REDIS_URL is: set WECHAT_APP_ID (check its spelling) for production, or SANDBOX=true to run the emulator over this storage"}
	}
	if mchID != "" {
		return false, &Error{"WECHAT_APP_ID", "not set, but WECHATPAY_MCH_ID is: set WECHAT_APP_ID for production, or SANDBOX=true for the emulator"}
	}
	return true, nil
}
