package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// syncBuffer collects the server's log lines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The logs are JSON with request id, route, status, latency and who, and never
// carry a secret: not the access_token or api_ticket, the app secrets, the JWT
// secret, a JWT, or a password.
func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	rdb, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, emulator(t))
	env["HTTP_ADDR"], env["LOG_LEVEL"] = "127.0.0.1:0", "debug"
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addrc, done := make(chan net.Addr, 1), make(chan error, 1)
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, logs, func(a net.Addr) { addrc <- a })
	}()
	var s server
	select {
	case a := <-addrc:
		s = server{base: "http://" + a.String(), wx: env["WECHAT_API_BASE"]}
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	admin := s.adminLogin(t, "boss", "boss-password")
	card := s.createCard(t, admin, map[string]any{"bind_openid": true})
	user := s.userLogin(t, "oSecretive")
	_, added := s.addCard(t, "oSecretive", s.cardExt(t, user, map[string]any{"card_id": card}))
	s.decrypt(t, user, added)
	s.fault(t, map[string]any{"path": "card/code/get", "errcode": 40001, "times": 1})
	call(t, "GET", s.base+"/admin/v1/codes/123?card_id="+card, admin, nil)

	secrets := map[string]string{
		"app secret": env["WECHAT_APP_SECRET"], "mini-program secret": env["WECHAT_MINIAPP_SECRET"],
		"JWT secret": env["JWT_SECRET"], "admin password": env["ADMIN_PASSWORD"],
		"admin JWT": admin, "user JWT": user,
	}
	for _, what := range []string{"access_token", "api_ticket"} {
		raw, err := rdb.Get(context.Background(), prefix+"wechat:wxsandbox:"+what).Result()
		if err != nil {
			t.Fatalf("cached %s: %v", what, err)
		}
		var e struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal([]byte(raw), &e); err != nil || e.Value == "" {
			t.Fatalf("cached %s = %q", what, raw)
		}
		secrets[what] = e.Value
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for what, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain the %s", what)
		}
	}
	var sawRequest bool
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			if strings.HasPrefix(line, "{") {
				t.Errorf("log line is not JSON: %s", line)
			}
			continue
		}
		if rec["msg"] == "request" && rec["route"] == "/api/v1/codes/decrypt" {
			sawRequest = rec["request_id"] != "" && rec["status"] != nil && rec["latency_ms"] != nil && rec["openid"] == "oSecretive"
		}
	}
	if !sawRequest {
		t.Error("no request log line with request_id, route, status, latency_ms and openid for the decrypt")
	}
}
