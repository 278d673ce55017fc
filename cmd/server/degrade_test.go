package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// Redis down: calls that need the ticket go on with the one held in process,
// readiness names the cache, and nothing hangs.
func TestRedisDownDegrades(t *testing.T) {
	t.Parallel()
	redis := spareRedis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), "spare:", emulator(t))
	env["REDIS_URL"] = fmt.Sprintf("redis://127.0.0.1:%d/0", redis.port)
	s := startServer(t, env)
	admin := s.adminLogin(t, "boss", "boss-password")
	card := s.createCard(t, admin, nil)
	user := s.userLogin(t, "oDegraded")
	body := map[string]any{"cards": []map[string]any{{"card_id": card}}}
	mustStatus(t, call(t, "POST", s.base+"/api/v1/card-ext", user, body), 200)

	before := s.stats(t)
	redis.stop()
	for i := 0; i < 3; i++ {
		if r := call(t, "POST", s.base+"/api/v1/card-ext", user, body); r.status != 200 {
			t.Fatalf("card-ext with Redis down = %d %s, want 200 from the ticket held in process", r.status, r.body)
		}
	}
	after := s.stats(t)
	for _, api := range []string{"cgi-bin/token", "cgi-bin/ticket/getticket"} {
		if after[api] != before[api] {
			t.Errorf("%s calls went from %d to %d with Redis down, want the copy held in process used", api, before[api], after[api])
		}
	}
	// The replica rides the outage out: still ready, and says so.
	r := call(t, "GET", s.base+"/readyz", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"status":"degraded"`) ||
		!strings.Contains(string(r.body), `"cache":"degraded"`) || !strings.Contains(string(r.body), `"store":"ok"`) {
		t.Errorf("readyz with Redis down = %d %s, want 200 degraded naming the cache", r.status, r.body)
	}

	// Back to ok on a later probe: the pool drops its dead connections first.
	redis.start()
	var ready reply
	for i := 0; i < 20; i++ {
		if ready = call(t, "GET", s.base+"/readyz", "", nil); strings.Contains(string(ready.body), `"status":"ok"`) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if ready.status != 200 || !strings.Contains(string(ready.body), `"status":"ok"`) {
		t.Errorf("readyz after Redis is back = %d %s, want 200 ok", ready.status, ready.body)
	}
}

// WeChat unreachable once an access_token is held: calls that need WeChat
// answer 503, but the replica stays ready (degraded) rather than leaving the
// load balancer with all the others.
func TestWeChatDownWithCredentialHeldDegrades(t *testing.T) {
	t.Parallel()
	wx := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer wx.Close()
	_, prefix := testenv.Redis(t)
	s := startServer(t, productionEnv(t, testenv.MySQLDSN(t), prefix, wx.URL))
	admin := s.adminLogin(t, "boss", "boss-password")
	mustStatus(t, call(t, "GET", s.base+"/admin/v1/colors", admin, nil), 200)
	if r := call(t, "GET", s.base+"/readyz", "", nil); r.status != 200 || !strings.Contains(string(r.body), `"status":"ok"`) {
		t.Fatalf("readyz with WeChat up = %d %s, want 200 ok", r.status, r.body)
	}

	wx.Close()
	if r := call(t, "GET", s.base+"/admin/v1/colors", admin, nil); r.status != 503 || r.errCode() != "upstream_unavailable" {
		t.Errorf("colors with WeChat unreachable = %d %s, want 503 upstream_unavailable", r.status, r.body)
	}
	r := call(t, "GET", s.base+"/readyz", "", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"status":"degraded"`) || !strings.Contains(string(r.body), `"wechat":"degraded"`) {
		t.Errorf("readyz with WeChat unreachable and a token held = %d %s, want 200 degraded naming wechat", r.status, r.body)
	}
}

// MySQL down: decrypt answers 503 and records nothing; once MySQL is back the
// same request succeeds, once.
func TestMySQLDownDecryptIs503ThenSucceeds(t *testing.T) {
	t.Parallel()
	db, root := spareMariaDB(t)
	conn, err := sql.Open("mysql", root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("CREATE DATABASE coupon CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, strings.Replace(root, "/mysql?", "/coupon?", 1), prefix, emulator(t))
	s := startServer(t, env)
	admin := s.adminLogin(t, "boss", "boss-password")
	card := s.createCard(t, admin, nil)
	user := s.userLogin(t, "oDown")
	_, first := s.addCard(t, "oDown", s.cardExt(t, user, map[string]any{"card_id": card}))
	_, second := s.addCard(t, "oDown", s.cardExt(t, user, map[string]any{"card_id": card}))
	s.decrypt(t, user, first)

	db.stop()
	req := map[string]any{"card_list": []map[string]string{{"card_id": card, "encrypt_code": second[0].Code}}}
	r := call(t, "POST", s.base+"/api/v1/codes/decrypt", user, req)
	if r.status != 503 || r.errCode() != "upstream_unavailable" {
		t.Fatalf("decrypt with MySQL down = %d %s, want 503 upstream_unavailable", r.status, r.body)
	}
	if r := call(t, "GET", s.base+"/readyz", "", nil); r.status != 503 || !strings.Contains(string(r.body), `"store":"failing"`) ||
		!strings.Contains(string(r.body), `not ready: store`) {
		t.Errorf("readyz with MySQL down = %d %s, want 503 naming the store", r.status, r.body)
	}

	db.start()
	r = call(t, "POST", s.base+"/api/v1/codes/decrypt", user, req)
	mustStatus(t, r, 200)
	if mine := s.myCodes(t, user, ""); len(mine) != 2 {
		t.Errorf("codes after MySQL came back = %d, want 2 (one per decrypt)", len(mine))
	}
}

// SIGTERM drains: a request in flight when the signal arrives is answered, and
// the process exits cleanly.
func TestSIGTERMDrainsInFlightRequests(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "server")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	wx := emulator(t)
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, wx)
	port := freePort(t)
	env["HTTP_ADDR"] = fmt.Sprintf("127.0.0.1:%d", port)
	env["LOG_LEVEL"] = "error"
	cmd := exec.Command(bin)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	waitListening(t, port, true)
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), wx: wx}
	admin := s.adminLogin(t, "boss", "boss-password")
	card := s.createCard(t, admin, nil)
	user := s.userLogin(t, "oDrain")
	_, added := s.addCard(t, "oDrain", s.cardExt(t, user, map[string]any{"card_id": card}))

	s.fault(t, map[string]any{"path": "card/code/decrypt", "delay_ms": 1500, "times": 1})
	done := make(chan reply, 1)
	go func() {
		done <- call(t, "POST", s.base+"/api/v1/codes/decrypt", user,
			map[string]any{"card_list": []map[string]string{{"card_id": card, "encrypt_code": added[0].Code}}})
	}()
	// Signal once the request is in (the emulator holds it 1.5 s).
	deadline := time.Now().Add(10 * time.Second)
	for s.stats(t)["card/code/decrypt"] == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.status != 200 || !strings.Contains(string(r.body), `"status":"issued"`) {
		t.Errorf("in-flight decrypt across SIGTERM = %d %s, want 200", r.status, r.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("server exited with %v, want a clean exit", err)
		}
	case <-ctx.Done():
		t.Fatal("server did not exit after SIGTERM")
	}
	if _, err := http.Get(s.base + "/healthz"); err == nil {
		t.Error("server still answers after it exited")
	}
}
