package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

const testJWTSecret = "test-secret-test-secret-test-secret!"

// server is one running instance of the service, started through run.
type server struct {
	base string // http://127.0.0.1:port
	wx   string // the emulator's root, for driver calls
}

// startServer runs the service with env (plus a loopback listen address) until
// the test ends, and waits until it listens.
func startServer(t *testing.T, env map[string]string) *server {
	t.Helper()
	return startServerTo(t, env, io.Discard)
}

// startServerTo is startServer with the service's stdout (start-up help and
// logs) written to out.
func startServerTo(t *testing.T, env map[string]string, out io.Writer) *server {
	t.Helper()
	env["HTTP_ADDR"] = "127.0.0.1:0"
	if _, ok := env["LOG_LEVEL"]; !ok {
		env["LOG_LEVEL"] = "error"
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, func(k string) string { return env[k] }, out, func(a net.Addr) { addrc <- a })
	}()
	var s server
	select {
	case a := <-addrc:
		s.base = "http://" + a.String()
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatal("server did not start in 2 minutes")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	s.wx = s.base + "/sandbox/wechat"
	if base := env["WECHAT_API_BASE"]; base != "" {
		s.wx = base
	}
	return &s
}

// sandboxEnv is the zero-configuration start, with the store in a temp dir.
func sandboxEnv(t *testing.T) map[string]string {
	return map[string]string{"SQLITE_PATH": t.TempDir() + "/coupon.db"}
}

// emulator starts a standalone WeChat emulator, as cmd/wxsandbox does.
func emulator(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// productionEnv points the service at real MariaDB and Redis and at wx as WeChat.
func productionEnv(t *testing.T, dsn, redisPrefix, wx string) map[string]string {
	return map[string]string{
		"MYSQL_DSN":             dsn,
		"REDIS_URL":             testenv.RedisURL(),
		"REDIS_KEY_PREFIX":      redisPrefix,
		"WECHAT_APP_ID":         sandbox.DefaultAppID,
		"WECHAT_APP_SECRET":     sandbox.DefaultAppSecret,
		"WECHAT_MINIAPP_ID":     sandbox.DefaultMiniAppID,
		"WECHAT_MINIAPP_SECRET": sandbox.DefaultMiniAppSecret,
		"WECHAT_API_BASE":       wx,
		"JWT_SECRET":            testJWTSecret,
		"ADMIN_USERNAME":        "boss",
		"ADMIN_PASSWORD":        "boss-password",
	}
}

// reply is a decoded HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errCode returns the envelope's error code, or "" when there is none.
func (r reply) errCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// call sends body (a string is sent as is, anything else as JSON) with an
// optional bearer token.
func call(t *testing.T, method, url, token string, body any) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

func mustStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.body)
	}
}

func (s *server) adminLogin(t *testing.T, user, password string) string {
	t.Helper()
	r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": user, "password": password})
	mustStatus(t, r, 200)
	var out struct{ Token, Role string }
	r.decode(t, &out)
	if out.Token == "" || out.Role != "admin" {
		t.Fatalf("admin login = %s", r.body)
	}
	return out.Token
}

// userLogin plays wx.login through the emulator and signs in as openid.
func (s *server) userLogin(t *testing.T, openid string) string {
	t.Helper()
	r := call(t, "POST", s.wx+"/sandbox/login", "", map[string]string{"openid": openid})
	mustStatus(t, r, 200)
	var code struct{ Code string }
	r.decode(t, &code)
	r = call(t, "POST", s.base+"/api/v1/auth/login", "", map[string]string{"code": code.Code})
	mustStatus(t, r, 200)
	var out struct {
		Token     string `json:"token"`
		OpenID    string `json:"openid"`
		ExpiresIn int64  `json:"expires_in"`
	}
	r.decode(t, &out)
	if out.OpenID != openid || out.Token == "" || out.ExpiresIn <= 0 {
		t.Fatalf("user login = %s, want openid %s", r.body, openid)
	}
	return out.Token
}

// cardDef is a valid GENERAL_COUPON definition; opts tweak base_info.
func cardDef(opts map[string]any) map[string]any {
	now := time.Now().Unix()
	base := map[string]any{
		"logo_url":    "http://mmbiz.qpic.cn/mmbiz/demo/0",
		"code_type":   "CODE_TYPE_TEXT",
		"brand_name":  "微信餐厅",
		"title":       "10元代金券",
		"color":       "Color010",
		"notice":      "使用时向服务员出示此券",
		"description": "不可与其他优惠同享",
		"sku":         map[string]any{"quantity": 100},
		"date_info":   map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now - 3600, "end_timestamp": fmt.Sprint(now + 30*86400)},
		"get_limit":   5,
	}
	for k, v := range opts {
		base[k] = v
	}
	return map[string]any{"card": map[string]any{
		"card_type":      "GENERAL_COUPON",
		"general_coupon": map[string]any{"base_info": base, "default_detail": "满100减10"},
	}}
}

func (s *server) createCard(t *testing.T, adminToken string, opts map[string]any) string {
	t.Helper()
	r := call(t, "POST", s.base+"/admin/v1/cards", adminToken, cardDef(opts))
	mustStatus(t, r, 200)
	var out struct {
		CardID string `json:"card_id"`
	}
	r.decode(t, &out)
	if out.CardID == "" {
		t.Fatalf("create card = %s", r.body)
	}
	return out.CardID
}

type extItem struct {
	CardID  string `json:"cardId"`
	CardExt string `json:"cardExt"`
}

func (s *server) cardExt(t *testing.T, token string, cards ...map[string]any) []extItem {
	t.Helper()
	r := call(t, "POST", s.base+"/api/v1/card-ext", token, map[string]any{"cards": cards})
	mustStatus(t, r, 200)
	var out struct {
		CardList []extItem `json:"card_list"`
	}
	r.decode(t, &out)
	if len(out.CardList) != len(cards) {
		t.Fatalf("card-ext = %s, want %d items", r.body, len(cards))
	}
	return out.CardList
}

type addedCard struct {
	CardID    string `json:"card_id"`
	Code      string `json:"code"`
	IsSuccess bool   `json:"is_success"`
}

// addCard plays wx.addCard in the emulator; it returns the raw reply so that
// refusals can be inspected.
func (s *server) addCard(t *testing.T, openid string, items []extItem) (reply, []addedCard) {
	t.Helper()
	list := make([]map[string]string, len(items))
	for i, it := range items {
		list[i] = map[string]string{"card_id": it.CardID, "card_ext": it.CardExt}
	}
	r := call(t, "POST", s.wx+"/sandbox/add-card", "", map[string]any{"openid": openid, "card_list": list})
	var out struct {
		Errcode  int         `json:"errcode"`
		CardList []addedCard `json:"card_list"`
	}
	r.decode(t, &out)
	return r, out.CardList
}

func wxErrcode(t *testing.T, r reply) int {
	t.Helper()
	var e struct {
		Errcode int `json:"errcode"`
	}
	r.decode(t, &e)
	return e.Errcode
}

func (s *server) stats(t *testing.T) map[string]int {
	t.Helper()
	r := call(t, "GET", s.wx+"/sandbox/stats", "", nil)
	mustStatus(t, r, 200)
	var out struct {
		Calls map[string]int `json:"calls"`
	}
	r.decode(t, &out)
	return out.Calls
}

func (s *server) fault(t *testing.T, f map[string]any) {
	t.Helper()
	mustStatus(t, call(t, "POST", s.wx+"/sandbox/faults", "", f), 200)
}

func callWithHeader(t *testing.T, url, key, value string) reply {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(key, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}
