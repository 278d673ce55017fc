package sandbox_test

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

var ridSuffix = regexp.MustCompile(` rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`)

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	tests := []struct {
		name  string
		query string
		want  int
	}{
		{"wrong grant_type", "grant_type=password&appid=wxsandbox&secret=sandbox-secret", 40002},
		{"no grant_type", "appid=wxsandbox&secret=sandbox-secret", 40002},
		{"no appid", "grant_type=client_credential&secret=sandbox-secret", 41002},
		{"no secret", "grant_type=client_credential&appid=wxsandbox", 41004},
		{"unknown appid", "grant_type=client_credential&appid=wxother&secret=sandbox-secret", 40013},
		{"mini-program appid", "grant_type=client_credential&appid=wxsandboxmini&secret=sandbox-mini-secret", 40013},
		{"wrong secret", "grant_type=client_credential&appid=wxsandbox&secret=nope", 40125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.get("/cgi-bin/token?" + tt.query)
			if r.status != 200 {
				t.Errorf("status = %d, want 200", r.status)
			}
			wantErrcode(t, tt.name, r, tt.want)
			if !ridSuffix.MatchString(r.errmsg()) {
				t.Errorf("errmsg = %q, want WeChat's text and a rid", r.errmsg())
			}
			if got, want := r.header.Get("Content-Type"), "application/json; encoding=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
		})
	}
}

func TestTokenSuccessHasNoErrcode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	r := e.get("/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret")
	if _, has := r.m["errcode"]; has {
		t.Errorf("token reply %s has an errcode, want only access_token and expires_in", r.body)
	}
	if r.str("access_token") == "" || r.num("expires_in") != 7200 {
		t.Errorf("token reply = %s, want access_token and expires_in 7200", r.body)
	}
	if again := e.newToken(); again == r.str("access_token") {
		t.Errorf("second token = first, want a new one per call")
	}
}

func TestCustomCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{AppID: "wxA", AppSecret: "sA", MiniAppID: "wxM", MiniAppSecret: "sM"})
	if r := e.get("/cgi-bin/token?grant_type=client_credential&appid=wxA&secret=sA"); r.str("access_token") == "" {
		t.Errorf("token with configured credentials = %s", r.body)
	}
	wantErrcode(t, "default appid", e.get("/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret"), 40013)
	wantErrcode(t, "configured mini-program secret", e.get("/sns/jscode2session?grant_type=authorization_code&appid=wxM&secret=sM&js_code=x"), 40029)
}

// getticket with tok, as a probe of the token's validity.
func probe(e *env, tok string) reply {
	e.t.Helper()
	return e.get("/cgi-bin/ticket/getticket?type=wx_card&access_token=" + url.QueryEscape(tok))
}

func TestTokenGraceAndLifetime(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	first := e.newToken()
	e.clock.Advance(time.Minute)
	second := e.newToken()
	steps := []struct {
		name    string
		advance time.Duration
		tok     string
		want    int
	}{
		{"previous token right after a new one", 0, first, 0},
		{"previous token 4m59s after", 4*time.Minute + 59*time.Second, first, 0},
		{"previous token 5m after", time.Second, first, 40001},
		{"newest token meanwhile", 0, second, 0},
		{"newest token 1s before 7200s", 7200*time.Second - 5*time.Minute - time.Second, second, 0},
		{"newest token at 7200s", time.Second, second, 42001},
	}
	for _, s := range steps {
		e.clock.Advance(s.advance)
		wantErrcode(t, s.name, probe(e, s.tok), s.want)
	}
}

func TestAccessTokenErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	tok := e.newToken()
	wantErrcode(t, "no access_token", e.post("/card/get", `{"card_id":"p1"}`), 41001)
	wantErrcode(t, "garbage access_token", e.post("/card/get?access_token=garbage", `{"card_id":"p1"}`), 40014)
	wantErrcode(t, "valid token reaches the handler", e.wx("/card/get", `{"card_id":"p1"}`), 40073)

	if r := e.post("/sandbox/expire", map[string]string{"what": "access_token"}); r.status != 200 || r.errcode() != 0 {
		t.Fatalf("sandbox/expire = %d %s", r.status, r.body)
	}
	wantErrcode(t, "token expired by sandbox/expire", probe(e, tok), 42001)
	wantErrcode(t, "token issued after the expiry", probe(e, e.newToken()), 0)
}

func TestTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	tok := url.QueryEscape(e.token())
	r := e.get("/cgi-bin/ticket/getticket?type=wx_card&access_token=" + tok)
	if r.errcode() != 0 || r.errmsg() != "ok" || r.str("ticket") == "" || r.num("expires_in") != 7200 {
		t.Errorf("getticket = %s, want errcode 0, ticket, expires_in 7200", r.body)
	}
	if again := e.get("/cgi-bin/ticket/getticket?type=wx_card&access_token=" + tok); again.str("ticket") == r.str("ticket") {
		t.Errorf("second ticket = first, want a new one per call")
	}
	wantErrcode(t, "unknown type", e.get("/cgi-bin/ticket/getticket?type=nope&access_token="+tok), 40097)
	wantErrcode(t, "jsapi type", e.get("/cgi-bin/ticket/getticket?type=jsapi&access_token="+tok), 0)
	wantErrcode(t, "no token", e.get("/cgi-bin/ticket/getticket?type=wx_card"), 41001)
}

func TestJscode2session(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	login := func(openid string) string {
		r := e.post("/sandbox/login", map[string]string{"openid": openid})
		if r.errcode() != 0 || len(r.str("code")) != 32 {
			t.Fatalf("sandbox/login = %s", r.body)
		}
		return r.str("code")
	}
	exchange := func(appid, secret, code string) reply {
		return e.get("/sns/jscode2session?grant_type=authorization_code&appid=" + appid + "&secret=" + secret + "&js_code=" + code)
	}
	mini, miniSecret := sandbox.DefaultMiniAppID, sandbox.DefaultMiniAppSecret

	code := login("oAlice")
	r := exchange(mini, miniSecret, code)
	key, err := base64.StdEncoding.DecodeString(r.str("session_key"))
	if r.str("openid") != "oAlice" || err != nil || len(key) != 16 {
		t.Errorf("jscode2session = %s, want openid oAlice and a 16-byte session_key", r.body)
	}
	wantErrcode(t, "code used twice", exchange(mini, miniSecret, code), 40163)
	wantErrcode(t, "unknown code", exchange(mini, miniSecret, "nope"), 40029)
	wantErrcode(t, "no code", exchange(mini, miniSecret, ""), 41008)
	wantErrcode(t, "Official Account credentials", exchange(sandbox.DefaultAppID, sandbox.DefaultAppSecret, login("oBob")), 40013)
	wantErrcode(t, "wrong mini-program secret", exchange(mini, "nope", login("oBob")), 40125)
	wantErrcode(t, "wrong grant_type", e.get("/sns/jscode2session?grant_type=client_credential&appid="+mini+"&secret="+miniSecret+"&js_code="+login("oBob")), 40002)

	late := login("oCarol")
	e.clock.Advance(5 * time.Minute)
	wantErrcode(t, "code after 5 minutes", exchange(mini, miniSecret, late), 40029)
	fresh := login("oCarol")
	e.clock.Advance(4 * time.Minute)
	wantErrcode(t, "code after 4 minutes", exchange(mini, miniSecret, fresh), 0)

	if r := e.post("/sandbox/login", `{}`); r.status != 400 || r.errcode() != 41011 {
		t.Errorf("sandbox/login without openid = %d %s, want 400 with 41011", r.status, r.body)
	}
}

func TestRequestShapeErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	tok := url.QueryEscape(e.token())
	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"GET on a POST endpoint", "GET", "/card/create?access_token=" + tok, nil, 43002},
		{"POST on a GET endpoint", "POST", "/cgi-bin/token?grant_type=client_credential&appid=wxsandbox&secret=sandbox-secret", "", 43001},
		{"empty body", "POST", "/card/get?access_token=" + tok, "", 44002},
		{"blank body", "POST", "/card/code/get?access_token=" + tok, " \n", 44002},
		{"malformed JSON", "POST", "/card/get?access_token=" + tok, `{"card_id":`, 47001},
		{"wrong JSON type", "POST", "/card/code/get?access_token=" + tok, `{"code":123}`, 47001},
		{"empty create body", "POST", "/card/create?access_token=" + tok, "", 44002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := e.do(tt.method, tt.path, tt.body)
			if r.status != 200 {
				t.Errorf("status = %d, want 200", r.status)
			}
			wantErrcode(t, tt.name, r, tt.want)
		})
	}
	if r := e.get("/no/such/api"); r.status != 404 {
		t.Errorf("unknown path status = %d, want 404", r.status)
	}
}
