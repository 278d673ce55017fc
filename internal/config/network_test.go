package config_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/wxcoupon/coupon/internal/config"
)

func TestTrustedProxiesAndOrigins(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.TrustedProxies, []string{"127.0.0.1/32", "::1/128"}) || len(c.CORSAllowedOrigins) != 0 {
		t.Errorf("defaults: proxies %v origins %v, want loopback and none", c.TrustedProxies, c.CORSAllowedOrigins)
	}
	c, err = config.Load(env(map[string]string{
		"TRUSTED_PROXIES":      " 10.0.0.0/8, 192.168.1.7 ,fd00::/8,10.1.2.3/16",
		"CORS_ALLOWED_ORIGINS": "https://H5.example.com, http://localhost:5173/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.0/8", "192.168.1.7/32", "fd00::/8", "10.1.0.0/16"}; !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("proxies = %v, want %v", c.TrustedProxies, want)
	}
	if want := []string{"https://h5.example.com", "http://localhost:5173"}; !slices.Equal(c.CORSAllowedOrigins, want) {
		t.Errorf("origins = %v, want %v", c.CORSAllowedOrigins, want)
	}
	for name, e := range map[string]map[string]string{
		"proxy not an address": {"TRUSTED_PROXIES": "10.0.0.1,lb.internal"},
		"proxy bad mask":       {"TRUSTED_PROXIES": "10.0.0.0/33"},
		"origin wildcard":      {"CORS_ALLOWED_ORIGINS": "*"},
		"origin with path":     {"CORS_ALLOWED_ORIGINS": "https://h5.example.com/app"},
		"origin no scheme":     {"CORS_ALLOWED_ORIGINS": "h5.example.com"},
	} {
		_, err := config.Load(env(e))
		var ce *config.Error
		var want string
		for k := range e {
			want = k
		}
		if !errors.As(err, &ce) || ce.Var != want {
			t.Errorf("%s: Load = %v, want an error naming %s", name, err, want)
		}
	}
}
