package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/config"
)

const (
	testDSN    = "root:@tcp(127.0.0.1:3306)/coupon?parseTime=true"
	testRedis  = "redis://127.0.0.1:6379/0"
	testSecret = "0123456789abcdef0123456789abcdef"
)

// Sandbox mode only when asked for or on a bare start; production storage
// without an Official Account is refused, never taken for a sandbox.
func TestSandboxRule(t *testing.T) {
	t.Parallel()
	prodWeChat := map[string]string{"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_MINIAPP_ID": "wx2", "WECHAT_MINIAPP_SECRET": "s2", "JWT_SECRET": testSecret}
	plus := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		env      map[string]string
		sandbox  bool
		wantVars []string // non-empty: refused, the message names all of these
	}{
		{"bare start", nil, true, nil},
		{"sqlite path only", map[string]string{"SQLITE_PATH": "/tmp/x.db"}, true, nil},
		{"production", plus(prodWeChat, "MYSQL_DSN", testDSN, "REDIS_URL", testRedis), false, nil},
		{"SANDBOX=true over MySQL and Redis", map[string]string{"SANDBOX": "true", "MYSQL_DSN": testDSN, "REDIS_URL": testRedis}, true, nil},
		{"SANDBOX=false with WeChat", plus(prodWeChat, "SANDBOX", "false"), false, nil},
		{"misspelled app id next to production storage",
			map[string]string{"WECHAT_APPID": "wx1", "MYSQL_DSN": testDSN, "REDIS_URL": testRedis, "JWT_SECRET": testSecret},
			false, []string{"WECHAT_APP_ID", "SANDBOX"}},
		{"MySQL only", map[string]string{"MYSQL_DSN": testDSN}, false, []string{"WECHAT_APP_ID", "SANDBOX"}},
		{"Redis only", map[string]string{"REDIS_URL": testRedis}, false, []string{"WECHAT_APP_ID", "SANDBOX"}},
		{"WeChat Pay merchant only", map[string]string{"WECHATPAY_MCH_ID": "1900000001"}, false, []string{"WECHAT_APP_ID", "SANDBOX"}},
		{"SANDBOX=false without app id", map[string]string{"SANDBOX": "false", "JWT_SECRET": testSecret}, false, []string{"WECHAT_APP_ID", "SANDBOX"}},
		{"SANDBOX=true with an app id", plus(prodWeChat, "SANDBOX", "true"), false, []string{"SANDBOX", "WECHAT_APP_ID"}},
		{"SANDBOX not a boolean", map[string]string{"SANDBOX": "maybe"}, false, []string{"SANDBOX"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(env(tt.env))
			if len(tt.wantVars) == 0 {
				if err != nil {
					t.Fatalf("Load = %v, want a configuration", err)
				}
				if c.Sandbox != tt.sandbox {
					t.Errorf("Sandbox = %v, want %v", c.Sandbox, tt.sandbox)
				}
				return
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v (sandbox %v), want a refusal", err, c.Sandbox)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			for _, v := range tt.wantVars {
				if !strings.Contains(msg, v) {
					t.Errorf("message %q does not name %s", msg, v)
				}
			}
		})
	}
}
