package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// The per-openid limit holds across replicas (it lives in Redis) and answers
// 429 rate_limited with Retry-After, on every Redis topology.
func TestRateLimitPerOpenIDAcrossReplicas(t *testing.T) {
	t.Parallel()
	forEveryRedis(t, rateLimitPerOpenIDAcrossReplicas)
}

func rateLimitPerOpenIDAcrossReplicas(t *testing.T, kind string) {
	env := productionEnv(t, testenv.MySQLDSN(t), redisPrefix(t, kind), emulator(t))
	useRedis(t, kind, env)
	env["RATE_LIMIT_PER_MINUTE"] = "3"
	a := startServer(t, env)
	envB := map[string]string{}
	for k, v := range env {
		envB[k] = v
	}
	b := startServer(t, envB)
	admin := a.adminLogin(t, "boss", "boss-password")
	card := a.createCard(t, admin, nil)
	user := a.userLogin(t, "oLimited")
	other := a.userLogin(t, "oOther")
	body := map[string]any{"cards": []map[string]any{{"card_id": card}}}
	// The limit counts in fixed minutes: keep the four requests inside one.
	if sec := time.Now().Second(); sec >= 55 {
		time.Sleep(time.Duration(61-sec) * time.Second)
	}
	for _, s := range []*server{a, b, a} {
		mustStatus(t, call(t, "POST", s.base+"/api/v1/card-ext", user, body), 200)
	}
	r := call(t, "POST", b.base+"/api/v1/card-ext", user, body)
	if r.status != 429 || r.errCode() != "rate_limited" {
		t.Fatalf("4th card-ext in a minute = %d %s, want 429 rate_limited", r.status, r.body)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After = %q, want 1..60 seconds", r.header.Get("Retry-After"))
	}
	mustStatus(t, call(t, "POST", a.base+"/api/v1/card-ext", other, body), 200)
}

// Logins are limited per client IP, across replicas (the count lives in
// Redis), on every Redis topology.
func TestLoginsLimitedPerIP(t *testing.T) {
	t.Parallel()
	forEveryRedis(t, loginsLimitedPerIP)
}

func loginsLimitedPerIP(t *testing.T, kind string) {
	env := productionEnv(t, testenv.MySQLDSN(t), redisPrefix(t, kind), emulator(t))
	useRedis(t, kind, env)
	env["RATE_LIMIT_PER_MINUTE"] = "2"
	a := startServer(t, env)
	envB := map[string]string{}
	for k, v := range env {
		envB[k] = v
	}
	b := startServer(t, envB)
	if sec := time.Now().Second(); sec >= 55 {
		time.Sleep(time.Duration(61-sec) * time.Second)
	}
	a.adminLogin(t, "boss", "boss-password")
	b.adminLogin(t, "boss", "boss-password")
	r := call(t, "POST", a.base+"/admin/v1/auth/login", "", map[string]string{"username": "boss", "password": "boss-password"})
	if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("third admin login from one IP in a minute = %d %s, want 429 with Retry-After", r.status, r.body)
	}
	a.userLogin(t, "oIP1")
	b.userLogin(t, "oIP2")
	code := call(t, "POST", a.wx+"/sandbox/login", "", map[string]string{"openid": "oIP3"})
	var c struct{ Code string }
	code.decode(t, &c)
	if r := call(t, "POST", b.base+"/api/v1/auth/login", "", map[string]string{"code": c.Code}); r.status != 429 {
		t.Errorf("third user login from one IP in a minute = %d %s, want 429", r.status, r.body)
	}
}
