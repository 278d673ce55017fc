// Package config turns the environment into a typed, validated configuration.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wxcoupon/coupon/internal/cache"
)

// Config is the service configuration; see the table in api.md and the README.
type Config struct {
	HTTPAddr string
	// MetricsAddr, when set, serves /metrics on a listener of its own (e.g.
	// 127.0.0.1:9090 or a pod port) and not on HTTPAddr (METRICS_ADDR).
	MetricsAddr string
	MySQLDSN    string // empty: embedded SQLite at SQLitePath
	SQLitePath  string
	RedisURL    string // empty: in-process cache
	// RedisTLSCAFile, RedisTLSCertFile and RedisTLSKeyFile go with a rediss URL.
	RedisTLSCAFile, RedisTLSCertFile, RedisTLSKeyFile string
	// RedisKeyPrefix namespaces every key, so several deployments can share one Redis.
	RedisKeyPrefix string
	// MySQLPool sizes the MySQL connection pool (pool.go).
	MySQLPool MySQLPool
	// Retention prunes the dedupe and audit tables (retention.go).
	Retention Retention

	WeChatAppID         string // the emulator's in sandbox mode
	WeChatAppSecret     string
	WeChatMiniAppID     string
	WeChatMiniAppSecret string
	WeChatAPIBase       string
	WeChatTimeout       time.Duration
	CallbackToken       string
	EncodingAESKey      string

	JWTSecret          string
	JWTSecretGenerated bool // sandbox mode made one up
	// JWTSecretPrevious still verifies tokens (never signs): JWT_SECRET can
	// be rotated replica by replica.
	JWTSecretPrevious string

	AdminUsername string
	AdminPassword string

	RateLimitPerMinute int
	LogLevel           string
	// AutoMigrate applies the migrations at start (AUTO_MIGRATE, default true).
	AutoMigrate bool
	// MemberNumberPattern makes member cards' membership numbers
	// (MEMBER_NUMBER_PATTERN, default {code}; see checkMemberNumberPattern).
	MemberNumberPattern string

	// TrustedProxies are the CIDRs whose X-Forwarded-For names the client.
	TrustedProxies []string
	// CORSAllowedOrigins may call from a browser; empty: none.
	CORSAllowedOrigins []string

	// Sandbox is true when the server mounts the WeChat emulator and talks to
	// it (SANDBOX; see sandbox.go for the rule when it is unset).
	Sandbox bool

	// WeChatPay is the 商家券 merchant (wechatpay.go).
	WeChatPay WeChatPay
}

// Sandbox credentials, the same as the emulator's defaults.
const (
	SandboxAppID         = "wxsandbox"
	SandboxAppSecret     = "sandbox-secret"
	SandboxMiniAppID     = "wxsandboxmini"
	SandboxMiniAppSecret = "sandbox-mini-secret"
	// SandboxCallbackToken signs the in-process emulator's event pushes.
	SandboxCallbackToken = "sandbox-callback-token"
)

// Error names the variable that is wrong.
type Error struct {
	Var    string
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Reason) }

// Load reads the configuration through getenv and validates it.
func Load(getenv func(string) string) (Config, error) {
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		HTTPAddr:            get("HTTP_ADDR", ":8080"),
		MetricsAddr:         get("METRICS_ADDR", ""),
		MySQLDSN:            get("MYSQL_DSN", ""),
		SQLitePath:          get("SQLITE_PATH", "data/coupon.db"),
		RedisURL:            get("REDIS_URL", ""),
		RedisKeyPrefix:      get("REDIS_KEY_PREFIX", "coupon:"),
		RedisTLSCAFile:      get("REDIS_TLS_CA_FILE", ""),
		RedisTLSCertFile:    get("REDIS_TLS_CERT_FILE", ""),
		RedisTLSKeyFile:     get("REDIS_TLS_KEY_FILE", ""),
		WeChatAppID:         get("WECHAT_APP_ID", ""),
		WeChatAppSecret:     get("WECHAT_APP_SECRET", ""),
		WeChatMiniAppID:     get("WECHAT_MINIAPP_ID", ""),
		WeChatMiniAppSecret: get("WECHAT_MINIAPP_SECRET", ""),
		WeChatAPIBase:       strings.TrimRight(get("WECHAT_API_BASE", "https://api.weixin.qq.com"), "/"),
		CallbackToken:       get("WECHAT_CALLBACK_TOKEN", ""),
		EncodingAESKey:      get("WECHAT_ENCODING_AES_KEY", ""),
		JWTSecret:           getenv("JWT_SECRET"),
		JWTSecretPrevious:   getenv("JWT_SECRET_PREVIOUS"),
		AdminUsername:       get("ADMIN_USERNAME", ""),
		AdminPassword:       getenv("ADMIN_PASSWORD"),
		LogLevel:            strings.ToLower(get("LOG_LEVEL", "info")),
		MemberNumberPattern: get("MEMBER_NUMBER_PATTERN", "{code}"),
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return Config{}, &Error{"HTTP_ADDR", "want host:port, e.g. :8080"}
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return Config{}, &Error{"METRICS_ADDR", "want host:port, e.g. 127.0.0.1:9090"}
		}
		if c.MetricsAddr == c.HTTPAddr {
			return Config{}, &Error{"METRICS_ADDR", "must differ from HTTP_ADDR (leave it empty to serve /metrics there)"}
		}
	}
	if c.MySQLDSN != "" && !strings.Contains(c.MySQLDSN, "/") {
		return Config{}, &Error{"MYSQL_DSN", "want a go-sql-driver DSN such as user:pass@tcp(host:3306)/coupon?parseTime=true"}
	}
	if c.RedisURL != "" {
		if _, err := cache.ParseRedisConfig(c.Redis()); err != nil {
			return Config{}, &Error{"REDIS_URL", strings.TrimPrefix(err.Error(), cache.ErrRedisURL.Error()+": ")}
		}
	} else if c.RedisTLSCAFile != "" || c.RedisTLSCertFile != "" || c.RedisTLSKeyFile != "" {
		return Config{}, &Error{"REDIS_TLS_CA_FILE", "REDIS_TLS_* is set but REDIS_URL is not"}
	}
	if u, err := url.Parse(c.WeChatAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Config{}, &Error{"WECHAT_API_BASE", "want an http(s) URL"}
	}
	var err error
	if c.MySQLPool, err = loadMySQLPool(get); err != nil {
		return Config{}, err
	}
	if c.Retention, err = loadRetention(get); err != nil {
		return Config{}, err
	}
	if c.WeChatTimeout, err = time.ParseDuration(get("WECHAT_TIMEOUT", "5s")); err != nil || c.WeChatTimeout <= 0 {
		return Config{}, &Error{"WECHAT_TIMEOUT", "want a positive duration such as 5s"}
	}
	if c.RateLimitPerMinute, err = strconv.Atoi(get("RATE_LIMIT_PER_MINUTE", "120")); err != nil || c.RateLimitPerMinute < 0 {
		return Config{}, &Error{"RATE_LIMIT_PER_MINUTE", "want a whole number ≥ 0 (0 turns the limit off)"}
	}
	if c.AutoMigrate, err = strconv.ParseBool(get("AUTO_MIGRATE", "true")); err != nil {
		return Config{}, &Error{"AUTO_MIGRATE", "want true or false"}
	}
	if err := checkMemberNumberPattern(c.MemberNumberPattern); err != nil {
		return Config{}, err
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return Config{}, &Error{"LOG_LEVEL", "want debug, info, warn or error"}
	}
	if c.EncodingAESKey != "" && len(c.EncodingAESKey) != 43 {
		return Config{}, &Error{"WECHAT_ENCODING_AES_KEY", "want 43 characters"}
	}
	if (c.AdminUsername == "") != (c.AdminPassword == "") {
		return Config{}, &Error{"ADMIN_PASSWORD", "ADMIN_USERNAME and ADMIN_PASSWORD go together"}
	}
	if n := utf8.RuneCountInString(c.AdminPassword); c.AdminPassword != "" && (n < 8 || n > 128) {
		return Config{}, &Error{"ADMIN_PASSWORD", "want 8 to 128 characters"}
	}

	if c.TrustedProxies, err = parseTrustedProxies(get("TRUSTED_PROXIES", defaultTrustedProxies)); err != nil {
		return Config{}, err
	}
	if c.CORSAllowedOrigins, err = parseOrigins(get("CORS_ALLOWED_ORIGINS", "")); err != nil {
		return Config{}, err
	}
	if c.Sandbox, err = decideSandbox(c, getenv); err != nil {
		return Config{}, err
	}
	if c.WeChatPay, err = loadWeChatPay(get); err != nil {
		return Config{}, err
	}
	if c.Sandbox {
		if !c.WeChatPay.Enabled() {
			c.WeChatPay = SandboxWeChatPay(c.WeChatPay.Timeout)
		}
		if c.WeChatAppSecret != "" {
			return Config{}, &Error{"WECHAT_APP_ID", "required when WECHAT_APP_SECRET is set"}
		}
		c.WeChatAppID, c.WeChatAppSecret = SandboxAppID, SandboxAppSecret
		if c.CallbackToken == "" {
			c.CallbackToken = SandboxCallbackToken
		}
		if c.WeChatMiniAppID == "" {
			c.WeChatMiniAppID, c.WeChatMiniAppSecret = SandboxMiniAppID, SandboxMiniAppSecret
		}
	} else {
		if c.WeChatAppSecret == "" {
			return Config{}, &Error{"WECHAT_APP_SECRET", "required with WECHAT_APP_ID"}
		}
		if c.WeChatMiniAppID == "" || c.WeChatMiniAppSecret == "" {
			return Config{}, &Error{"WECHAT_MINIAPP_ID", "WECHAT_MINIAPP_ID and WECHAT_MINIAPP_SECRET are required with WECHAT_APP_ID"}
		}
	}
	switch {
	case c.JWTSecret == "" && c.Sandbox:
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		c.JWTSecret, c.JWTSecretGenerated = base64.RawURLEncoding.EncodeToString(b), true
	case c.JWTSecret == "":
		return Config{}, &Error{"JWT_SECRET", "required outside sandbox mode"}
	case len(c.JWTSecret) < 32:
		return Config{}, &Error{"JWT_SECRET", "want at least 32 bytes"}
	}
	if c.JWTSecretPrevious != "" && len(c.JWTSecretPrevious) < 32 {
		return Config{}, &Error{"JWT_SECRET_PREVIOUS", "want at least 32 bytes, like JWT_SECRET"}
	}
	return c, nil
}

// LogAttrs shows the configuration with secrets masked.
func (c Config) LogAttrs() []any {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "***"
	}
	apiBase := c.WeChatAPIBase
	if c.Sandbox {
		apiBase = "in-process emulator under /sandbox/wechat/"
	}
	return append([]any{
		"http_addr", c.HTTPAddr, "sandbox", c.Sandbox,
		"store", storeKind(c), "cache", cacheKind(c),
		"wechat_app_id", c.WeChatAppID, "wechat_app_secret", mask(c.WeChatAppSecret),
		"wechat_miniapp_id", c.WeChatMiniAppID, "wechat_miniapp_secret", mask(c.WeChatMiniAppSecret),
		"wechat_api_base", apiBase, "wechat_timeout", c.WeChatTimeout.String(),
		"callback_token", mask(c.CallbackToken), "encoding_aes_key", mask(c.EncodingAESKey),
		"jwt_secret", mask(c.JWTSecret), "jwt_secret_previous", mask(c.JWTSecretPrevious), "admin_username", c.AdminUsername,
		"rate_limit_per_minute", c.RateLimitPerMinute,
		"trusted_proxies", strings.Join(c.TrustedProxies, ","), "cors_allowed_origins", strings.Join(c.CORSAllowedOrigins, ","),
	}, c.WeChatPay.logAttrs()...)
}

func storeKind(c Config) string {
	if c.MySQLDSN != "" {
		return "mysql"
	}
	return "sqlite:" + c.SQLitePath
}

// Redis is the Redis configuration for cache.NewRedis.
func (c Config) Redis() cache.RedisConfig {
	return cache.RedisConfig{URL: c.RedisURL, CAFile: c.RedisTLSCAFile, CertFile: c.RedisTLSCertFile, KeyFile: c.RedisTLSKeyFile}
}

func cacheKind(c Config) string {
	if c.RedisURL != "" {
		if o, err := cache.ParseRedisConfig(c.Redis()); err == nil {
			return o.String() // topology and addresses, no credentials
		}
		return "redis"
	}
	return "memory"
}

// Names lists every environment variable Load reads, for deployment checks.
func Names() []string {
	return append([]string{
		"HTTP_ADDR", "METRICS_ADDR", "MYSQL_DSN", "SQLITE_PATH", "REDIS_URL", "REDIS_KEY_PREFIX",
		"REDIS_TLS_CA_FILE", "REDIS_TLS_CERT_FILE", "REDIS_TLS_KEY_FILE",
		"WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_MINIAPP_ID", "WECHAT_MINIAPP_SECRET",
		"WECHAT_API_BASE", "WECHAT_TIMEOUT", "WECHAT_CALLBACK_TOKEN", "WECHAT_ENCODING_AES_KEY",
		"JWT_SECRET", "JWT_SECRET_PREVIOUS", "ADMIN_USERNAME", "ADMIN_PASSWORD", "RATE_LIMIT_PER_MINUTE", "LOG_LEVEL",
		"AUTO_MIGRATE", "SANDBOX", "TRUSTED_PROXIES", "CORS_ALLOWED_ORIGINS", "MEMBER_NUMBER_PATTERN",
	}, append(append(wechatPayNames, mysqlPoolNames...), retentionNames...)...)
}
