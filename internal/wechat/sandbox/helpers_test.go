package sandbox_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

var utc8 = time.FixedZone("UTC+8", 8*3600)

// fakeClock is the emulator's injected clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one emulator behind an httptest server, with a fake clock.
type env struct {
	t     *testing.T
	url   string
	clock *fakeClock
	emu   *sandbox.Emulator

	mu     sync.Mutex
	tok    string
	ticket string
}

// start is 2025-06-01 10:00 UTC+8.
var start = time.Date(2025, 6, 1, 10, 0, 0, 0, utc8)

func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	clock := &fakeClock{t: start}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	emu := sandbox.New(opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return &env{t: t, url: srv.URL, clock: clock, emu: emu}
}

type reply struct {
	status int
	header http.Header
	body   []byte
	m      map[string]any
}

func (r reply) errcode() int {
	n, _ := r.m["errcode"].(json.Number)
	v, _ := n.Int64()
	return int(v)
}

func (r reply) errmsg() string { s, _ := r.m["errmsg"].(string); return s }

func (r reply) str(key string) string { s, _ := r.m[key].(string); return s }

func (r reply) num(key string) int64 {
	n, _ := r.m[key].(json.Number)
	v, _ := n.Int64()
	return v
}

// do sends body: nil for none, a string or []byte as is, anything else as JSON.
func (e *env) do(method, path string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	return e.send(method, path, "application/json", rd)
}

// send makes one request and decodes a JSON answer (numbers as json.Number).
func (e *env) send(method, path, contentType string, body io.Reader) reply {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&r.m)
	return r
}

func (e *env) get(path string) reply            { e.t.Helper(); return e.do("GET", path, nil) }
func (e *env) post(path string, body any) reply { e.t.Helper(); return e.do("POST", path, body) }

func (e *env) newToken() string {
	e.t.Helper()
	r := e.get("/cgi-bin/token?grant_type=client_credential&appid=" + sandbox.DefaultAppID + "&secret=" + sandbox.DefaultAppSecret)
	tok := r.str("access_token")
	if tok == "" {
		e.t.Fatalf("token = %s", r.body)
	}
	e.mu.Lock()
	e.tok = tok
	e.mu.Unlock()
	return tok
}

// token is the current access_token, fetched once.
func (e *env) token() string {
	e.mu.Lock()
	tok := e.tok
	e.mu.Unlock()
	if tok == "" {
		tok = e.newToken()
	}
	return tok
}

func (e *env) newTicket() string {
	e.t.Helper()
	r := e.get("/cgi-bin/ticket/getticket?type=wx_card&access_token=" + url.QueryEscape(e.token()))
	tk := r.str("ticket")
	if r.errcode() != 0 || tk == "" {
		e.t.Fatalf("getticket = %s", r.body)
	}
	e.mu.Lock()
	e.ticket = tk
	e.mu.Unlock()
	return tk
}

// apiTicket is the current api_ticket, fetched once.
func (e *env) apiTicket() string {
	e.mu.Lock()
	tk := e.ticket
	e.mu.Unlock()
	if tk == "" {
		tk = e.newTicket()
	}
	return tk
}

// wx POSTs to a WeChat path with the access_token.
func (e *env) wx(path string, body any) reply {
	e.t.Helper()
	return e.post(path+"?access_token="+url.QueryEscape(e.token()), body)
}

// cardDef is a valid GENERAL_COUPON; base overrides base_info fields (nil deletes).
func cardDef(now time.Time, base map[string]any) map[string]any {
	b := map[string]any{
		"logo_url":    "http://mmbiz.qpic.cn/mmbiz/demo/0",
		"code_type":   "CODE_TYPE_TEXT",
		"brand_name":  "微信餐厅",
		"title":       "10元代金券",
		"color":       "Color010",
		"notice":      "使用时向服务员出示此券",
		"description": "不可与其他优惠同享",
		"sku":         map[string]any{"quantity": 100},
		"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE",
			"begin_timestamp": now.Unix() - 3600, "end_timestamp": strconv.FormatInt(now.Unix()+30*86400, 10)},
	}
	for k, v := range base {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return map[string]any{"card": map[string]any{
		"card_type":      "GENERAL_COUPON",
		"general_coupon": map[string]any{"base_info": b, "default_detail": "满100减10"},
	}}
}

func (e *env) createCard(base map[string]any) string {
	e.t.Helper()
	r := e.wx("/card/create", cardDef(e.clock.Now(), base))
	id := r.str("card_id")
	if r.errcode() != 0 || id == "" {
		e.t.Fatalf("card/create = %s", r.body)
	}
	return id
}

// sign is the cardExt signature, written here independently of the package.
func sign(values ...string) string {
	var vs []string
	for _, v := range values {
		if v != "" {
			vs = append(vs, v)
		}
	}
	sort.Strings(vs)
	sum := sha1.Sum([]byte(strings.Join(vs, "")))
	return hex.EncodeToString(sum[:])
}

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ext is a cardExt being built.
type ext struct {
	Code, OpenID, OuterStr string
	Timestamp              any // string or number; the clock's now as a string when nil
	Nonce                  string
	NoNonce                bool
	Ticket                 string // the env's api_ticket when empty
	Signature              string // computed when empty
}

// cardExt serialises e for cardID, signing it.
func (e *env) cardExt(cardID string, x ext) string {
	e.t.Helper()
	ts := x.Timestamp
	if ts == nil {
		ts = strconv.FormatInt(e.clock.Now().Unix(), 10)
	}
	if x.Nonce == "" && !x.NoNonce {
		x.Nonce = nonce()
	}
	if x.Ticket == "" {
		x.Ticket = e.apiTicket()
	}
	if x.Signature == "" {
		var tsText string
		switch v := ts.(type) {
		case string:
			tsText = v
		case int64:
			tsText = strconv.FormatInt(v, 10)
		}
		x.Signature = sign(x.Ticket, tsText, cardID, x.Code, x.OpenID, x.Nonce)
	}
	m := map[string]any{"timestamp": ts, "signature": x.Signature}
	for k, v := range map[string]string{"nonce_str": x.Nonce, "code": x.Code, "openid": x.OpenID, "outer_str": x.OuterStr} {
		if v != "" {
			m[k] = v
		}
	}
	raw, err := json.Marshal(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(raw)
}

type item struct {
	CardID  string `json:"card_id"`
	CardExt string `json:"card_ext"`
}

func (e *env) addCard(openid string, items ...item) reply {
	e.t.Helper()
	return e.post("/sandbox/add-card", map[string]any{"openid": openid, "card_list": items})
}

// receive adds one card for openid and returns its real code.
func (e *env) receive(openid, cardID string, x ext) string {
	e.t.Helper()
	r := e.addCard(openid, item{cardID, e.cardExt(cardID, x)})
	list, _ := r.m["card_list"].([]any)
	if r.errcode() != 0 || len(list) != 1 {
		e.t.Fatalf("add-card = %s", r.body)
	}
	enc, _ := list[0].(map[string]any)["code"].(string)
	d := e.wx("/card/code/decrypt", map[string]string{"encrypt_code": enc})
	if d.errcode() != 0 || d.str("code") == "" {
		e.t.Fatalf("decrypt = %s", d.body)
	}
	return d.str("code")
}

func (e *env) stats() map[string]int {
	e.t.Helper()
	r := e.get("/sandbox/stats")
	calls, _ := r.m["calls"].(map[string]any)
	out := map[string]int{}
	for k, v := range calls {
		n, _ := v.(json.Number).Int64()
		out[k] = int(n)
	}
	return out
}

func wantErrcode(t *testing.T, what string, r reply, want int) {
	t.Helper()
	if got := r.errcode(); got != want {
		t.Errorf("%s: errcode = %d, want %d; body %s", what, got, want, r.body)
	}
}
