package config_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// loadExpecting loads m. With wrongVar set it checks that Load refused m
// naming wrongVar and reports false; otherwise Load must succeed.
func loadExpecting(t *testing.T, m map[string]string, wrongVar string) (config.Config, bool) {
	t.Helper()
	c, err := config.Load(env(m))
	if wrongVar != "" {
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Var != wrongVar {
			t.Fatalf("Load = %v, want a config.Error for %s", err, wrongVar)
		}
		return config.Config{}, false
	}
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c, true
}

func TestLoadDefaultsAreSandbox(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Sandbox || c.WeChatAppID != config.SandboxAppID || c.WeChatMiniAppID != config.SandboxMiniAppID {
		t.Errorf("sandbox = %v app %q mini %q, want sandbox credentials", c.Sandbox, c.WeChatAppID, c.WeChatMiniAppID)
	}
	if c.HTTPAddr != ":8080" || c.SQLitePath != "data/coupon.db" || c.RateLimitPerMinute != 120 || c.WeChatTimeout != 5*time.Second {
		t.Errorf("defaults = %+v", c)
	}
	if !c.JWTSecretGenerated || len(c.JWTSecret) < 32 {
		t.Errorf("sandbox JWT secret generated = %v len %d, want a random one", c.JWTSecretGenerated, len(c.JWTSecret))
	}
}

func TestLoadProduction(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(map[string]string{
		"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_MINIAPP_ID": "wx2", "WECHAT_MINIAPP_SECRET": "s2",
		"JWT_SECRET": "0123456789abcdef0123456789abcdef", "MYSQL_DSN": "root:@tcp(127.0.0.1:3306)/coupon?parseTime=true",
		"REDIS_URL": "redis://127.0.0.1:6379/0", "RATE_LIMIT_PER_MINUTE": "0", "WECHAT_TIMEOUT": "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Sandbox || c.RateLimitPerMinute != 0 || c.WeChatTimeout != 2*time.Second {
		t.Errorf("got sandbox %v rate %d timeout %v", c.Sandbox, c.RateLimitPerMinute, c.WeChatTimeout)
	}
}

func TestLoadRejectsNamingTheVariable(t *testing.T) {
	t.Parallel()
	prod := map[string]string{"WECHAT_APP_ID": "wx1", "WECHAT_APP_SECRET": "s", "WECHAT_MINIAPP_ID": "wx2", "WECHAT_MINIAPP_SECRET": "s2", "JWT_SECRET": "0123456789abcdef0123456789abcdef"}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range base {
			m[kk] = vv
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantVar string
	}{
		{"bad listen address", map[string]string{"HTTP_ADDR": "8080"}, "HTTP_ADDR"},
		{"bad metrics address", map[string]string{"METRICS_ADDR": "9090"}, "METRICS_ADDR"},
		{"metrics on the main address", map[string]string{"HTTP_ADDR": ":8080", "METRICS_ADDR": ":8080"}, "METRICS_ADDR"},
		{"timeout not a duration", map[string]string{"WECHAT_TIMEOUT": "5"}, "WECHAT_TIMEOUT"},
		{"negative timeout", map[string]string{"WECHAT_TIMEOUT": "-1s"}, "WECHAT_TIMEOUT"},
		{"rate limit not a number", map[string]string{"RATE_LIMIT_PER_MINUTE": "lots"}, "RATE_LIMIT_PER_MINUTE"},
		{"negative rate limit", map[string]string{"RATE_LIMIT_PER_MINUTE": "-1"}, "RATE_LIMIT_PER_MINUTE"},
		{"redis url scheme", map[string]string{"REDIS_URL": "http://x"}, "REDIS_URL"},
		{"redis sentinel without master", map[string]string{"REDIS_URL": "redis+sentinel://h:26379"}, "REDIS_URL"},
		{"redis tls ca without url", map[string]string{"REDIS_TLS_CA_FILE": "/ca.pem"}, "REDIS_TLS_CA_FILE"},
		{"redis tls ca unreadable", map[string]string{"REDIS_URL": "rediss://h:6379", "REDIS_TLS_CA_FILE": "/nonexistent/ca.pem"}, "REDIS_URL"},
		{"mysql dsn without database", map[string]string{"MYSQL_DSN": "garbage"}, "MYSQL_DSN"},
		{"api base not a url", map[string]string{"WECHAT_API_BASE": "api.weixin.qq.com"}, "WECHAT_API_BASE"},
		{"aes key length", map[string]string{"WECHAT_ENCODING_AES_KEY": "short"}, "WECHAT_ENCODING_AES_KEY"},
		{"admin password without name", map[string]string{"ADMIN_PASSWORD": "longenough"}, "ADMIN_PASSWORD"},
		{"admin password short", map[string]string{"ADMIN_USERNAME": "a", "ADMIN_PASSWORD": "short"}, "ADMIN_PASSWORD"},
		{"log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"auto migrate not a boolean", map[string]string{"AUTO_MIGRATE": "sometimes"}, "AUTO_MIGRATE"},
		{"secret without app id", map[string]string{"WECHAT_APP_SECRET": "s"}, "WECHAT_APP_ID"},
		{"production without jwt secret", with(prod, "JWT_SECRET", ""), "JWT_SECRET"},
		{"production short jwt secret", with(prod, "JWT_SECRET", "short"), "JWT_SECRET"},
		{"short previous jwt secret", with(prod, "JWT_SECRET_PREVIOUS", "short"), "JWT_SECRET_PREVIOUS"},
		{"production without app secret", with(prod, "WECHAT_APP_SECRET", ""), "WECHAT_APP_SECRET"},
		{"production without mini-program", with(prod, "WECHAT_MINIAPP_ID", ""), "WECHAT_MINIAPP_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tt.env))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, want *config.Error", err)
			}
			if ce.Var != tt.wantVar {
				t.Errorf("variable = %s, want %s (%v)", ce.Var, tt.wantVar, err)
			}
		})
	}
}

// TestNamesAreRead keeps Names in step with Load: every name listed is read.
func TestNamesAreRead(t *testing.T) {
	t.Parallel()
	read := map[string]bool{}
	_, _ = config.Load(func(k string) string { read[k] = true; return "" })
	for _, n := range config.Names() {
		if !read[n] {
			t.Errorf("%s is listed but Load does not read it", n)
		}
	}
	for k := range read {
		found := false
		for _, n := range config.Names() {
			found = found || n == k
		}
		if !found {
			t.Errorf("Load reads %s but Names does not list it", k)
		}
	}
}

func TestAutoMigrate(t *testing.T) {
	t.Parallel()
	for value, want := range map[string]bool{"": true, "true": true, " false ": false, "0": false, "FALSE": false, "1": true} {
		c, err := config.Load(env(map[string]string{"AUTO_MIGRATE": value}))
		if err != nil || c.AutoMigrate != want {
			t.Errorf("AUTO_MIGRATE=%q: AutoMigrate = %v, %v; want %v", value, c.AutoMigrate, err, want)
		}
	}
}
