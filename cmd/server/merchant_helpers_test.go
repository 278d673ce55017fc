package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/service"
	"github.com/wxcoupon/coupon/internal/testenv"
	"github.com/wxcoupon/coupon/internal/wechat/sandbox"
)

// Helpers shared by the merchant API tests (merchant_*_test.go).

const (
	prodAdminUser     = "boss"
	prodAdminPassword = "boss-password"
	clerkUser         = "till1"
	clerkPassword     = "till-password"
)

// merchant is one server with a signed-in admin and clerk.
type merchant struct {
	*server
	admin string // admin token
	clerk string // clerk token
}

// emulatorWith starts a standalone WeChat emulator with opts.
func emulatorWith(t *testing.T, opts sandbox.Options) string {
	t.Helper()
	srv := httptest.NewServer(sandbox.New(opts))
	t.Cleanup(srv.Close)
	return srv.URL
}

// merchantEnv is productionEnv on a fresh database and Redis namespace with
// the per-openid limit off (tests receive many codes as one user).
func merchantEnv(t *testing.T, wx string) map[string]string {
	t.Helper()
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, wx)
	env["RATE_LIMIT_PER_MINUTE"] = "0"
	return env
}

// startMerchant starts one instance on MariaDB and Redis pointed at a
// standalone emulator at wx ("" starts a fresh one), with an admin and a
// clerk token. The tokens are signed with the server's JWT secret as its
// login would sign them: logins (bcrypt, slow under -race) are tested in
// admin_test.go and TestMerchantAuditTrail, and this keeps the package fast.
func startMerchant(t *testing.T, wx string, extra map[string]string) *merchant {
	t.Helper()
	if wx == "" {
		wx = emulator(t)
	}
	env := merchantEnv(t, wx)
	for k, v := range extra {
		env[k] = v
	}
	m := &merchant{server: startServer(t, env), admin: mintToken(t, prodAdminUser, service.RoleAdmin)}
	m.clerk = m.addClerk(t)
	return m
}

// addClerk creates the clerk account clerkUser (merchant tokens are checked
// against their account) and returns a token minted for it.
func (m *merchant) addClerk(t *testing.T) string {
	t.Helper()
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/users", m.admin,
		map[string]string{"username": clerkUser, "password": clerkPassword, "role": "clerk"}), 201)
	return mintToken(t, clerkUser, service.RoleClerk)
}

// mintToken is a token for subject in role, signed as the servers of
// productionEnv sign them.
func mintToken(t *testing.T, subject string, role service.Role) string {
	t.Helper()
	tok, _, err := auth.NewJWT(testJWTSecret, nil).Issue(subject, role, 0)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// startSandboxMerchant is startMerchant in sandbox mode (SQLite, in-process
// cache, the emulator mounted in the server).
func startSandboxMerchant(t *testing.T) *merchant {
	t.Helper()
	s := startServer(t, sandboxEnv(t))
	m := &merchant{server: s, admin: s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)}
	m.clerk = m.newClerk(t, clerkUser, clerkPassword)
	return m
}

// newClerk creates a clerk account and returns its token.
func (m *merchant) newClerk(t *testing.T, user, password string) string {
	t.Helper()
	mustStatus(t, call(t, "POST", m.base+"/admin/v1/users", m.admin,
		map[string]string{"username": user, "password": password, "role": "clerk"}), 201)
	r := call(t, "POST", m.base+"/admin/v1/auth/login", "", map[string]string{"username": user, "password": password})
	mustStatus(t, r, 200)
	var out struct {
		Token string `json:"token"`
		Role  string `json:"role"`
	}
	r.decode(t, &out)
	if out.Role != "clerk" || out.Token == "" {
		t.Fatalf("clerk login = %s, want a clerk token", r.body)
	}
	return out.Token
}

// apiError is the contract's error envelope.
type apiError struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

func (r reply) apiError(t *testing.T) apiError {
	t.Helper()
	var env struct {
		Error apiError `json:"error"`
	}
	r.decode(t, &env)
	return env.Error
}

// wechatErrcode is details.wechat_errcode, 0 when absent.
func (e apiError) wechatErrcode() int {
	f, _ := e.Details["wechat_errcode"].(float64)
	return int(f)
}

// wantError checks status, error code and (when field is not "") details.field.
func wantError(t *testing.T, r reply, status int, code, field string) apiError {
	t.Helper()
	if r.status != status || r.errCode() != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, code)
	}
	e := r.apiError(t)
	if e.Message == "" {
		t.Errorf("error without a message: %s", r.body)
	}
	if field != "" {
		if got := e.Details["field"]; got != field {
			t.Errorf("details.field = %v, want %s (body %s)", got, field, r.body)
		}
	}
	return e
}

// wantWeChatError checks status, error code and details.wechat_errcode.
func wantWeChatError(t *testing.T, r reply, status int, code string, errcode int) {
	t.Helper()
	e := wantError(t, r, status, code, "")
	if got := e.wechatErrcode(); got != errcode {
		t.Errorf("details.wechat_errcode = %d, want %d (body %s)", got, errcode, r.body)
	}
}

// receive plays the whole user side for one card: card-ext, wx.addCard in
// the emulator and decrypt. It returns the code the user now holds.
func (s *server) receive(t *testing.T, userToken, openid, cardID, customCode string) string {
	t.Helper()
	item := map[string]any{"card_id": cardID}
	if customCode != "" {
		item["code"] = customCode
	}
	r, added := s.addCard(t, openid, s.cardExt(t, userToken, item))
	if code := wxErrcode(t, r); code != 0 || len(added) != 1 || !added[0].IsSuccess {
		t.Fatalf("add-card = %s, want one card added", r.body)
	}
	got := s.decrypt(t, userToken, added)
	if got[0].Error != nil || got[0].Code == "" || got[0].Status != "issued" {
		t.Fatalf("decrypt = %+v, want an issued code", got[0])
	}
	return got[0].Code
}

// adminCardJSON is a card of GET /admin/v1/cards and /admin/v1/cards/{id}.
type adminCardJSON struct {
	CardID        string `json:"card_id"`
	CardType      string `json:"card_type"`
	Title         string `json:"title"`
	BrandName     string `json:"brand_name"`
	Color         string `json:"color"`
	Quantity      int64  `json:"quantity"`
	TotalQuantity int64  `json:"total_quantity"`
	Status        string `json:"status"`
	DateInfo      struct {
		Type           string `json:"type"`
		BeginTimestamp int64  `json:"begin_timestamp"`
		EndTimestamp   int64  `json:"end_timestamp"`
	} `json:"date_info"`
	UseCustomCode bool            `json:"use_custom_code"`
	CreatedAt     time.Time       `json:"created_at"`
	Issued        int64           `json:"issued"`
	Consumed      int64           `json:"consumed"`
	Card          json.RawMessage `json:"card"`
}

// baseInfo reads base_info out of the WeChat card object of a card detail.
func (c adminCardJSON) baseInfo(t *testing.T) map[string]any {
	t.Helper()
	var obj map[string]any
	if err := json.Unmarshal(c.Card, &obj); err != nil {
		t.Fatalf("card object %s: %v", c.Card, err)
	}
	typed, _ := obj[strings.ToLower(c.CardType)].(map[string]any)
	bi, _ := typed["base_info"].(map[string]any)
	if bi == nil {
		t.Fatalf("card object %s has no %s.base_info", c.Card, strings.ToLower(c.CardType))
	}
	return bi
}

func (m *merchant) card(t *testing.T, cardID string) adminCardJSON {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/cards/"+cardID, m.admin, nil)
	mustStatus(t, r, 200)
	var c adminCardJSON
	r.decode(t, &c)
	return c
}

type cardPage struct {
	Cards []adminCardJSON `json:"cards"`
	Total int64           `json:"total"`
}

func (m *merchant) cards(t *testing.T, query string) cardPage {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/cards"+query, m.admin, nil)
	mustStatus(t, r, 200)
	var p cardPage
	r.decode(t, &p)
	return p
}

// codeJSON is a code record of the merchant API.
type codeJSON struct {
	CardID     string     `json:"card_id"`
	Code       string     `json:"code"`
	OpenID     string     `json:"openid"`
	Status     string     `json:"status"`
	ReceivedAt *time.Time `json:"received_at"`
	ConsumedAt *time.Time `json:"consumed_at"`
}

type codePage struct {
	Codes []codeJSON `json:"codes"`
	Total int64      `json:"total"`
}

func (m *merchant) cardCodes(t *testing.T, cardID, query string) codePage {
	t.Helper()
	r := call(t, "GET", m.base+"/admin/v1/cards/"+cardID+"/codes"+query, m.admin, nil)
	mustStatus(t, r, 200)
	var p codePage
	r.decode(t, &p)
	return p
}

// consume is POST /admin/v1/codes/{code}/consume with token.
func (m *merchant) consume(t *testing.T, token, cardID, code string) reply {
	t.Helper()
	return call(t, "POST", m.base+"/admin/v1/codes/"+url.PathEscape(code)+"/consume", token, map[string]string{"card_id": cardID})
}

// publicCards is the mini-program's GET /api/v1/cards as a set of card ids.
func (s *server) publicCards(t *testing.T, userToken string) map[string]bool {
	t.Helper()
	r := call(t, "GET", s.base+"/api/v1/cards", userToken, nil)
	mustStatus(t, r, 200)
	var out struct {
		Cards []struct {
			CardID string `json:"card_id"`
		} `json:"cards"`
	}
	r.decode(t, &out)
	ids := map[string]bool{}
	for _, c := range out.Cards {
		ids[c.CardID] = true
	}
	return ids
}

// typedCard is a valid definition of cardType: cardDef's base_info plus the
// type's own required fields, with base_info tweaked by opts.
func typedCard(cardType string, opts map[string]any) map[string]any {
	def := cardDef(opts)
	base := def["card"].(map[string]any)["general_coupon"].(map[string]any)["base_info"]
	obj := map[string]any{"base_info": base}
	switch cardType {
	case "GROUPON":
		obj["deal_detail"] = "双人套餐：烤鱼一份、饮料两杯"
	case "CASH":
		obj["least_cost"] = 10000
		obj["reduce_cost"] = 1000
	case "DISCOUNT":
		obj["discount"] = 30
	case "GIFT":
		obj["gift"] = "可兑换饮料一杯"
	case "GENERAL_COUPON":
		obj["default_detail"] = "满100减10"
	case "MEMBER_CARD":
		obj["prerogative"] = "会员享九折"
		obj["supply_bonus"] = false
		obj["supply_balance"] = false
	default:
		panic(fmt.Sprintf("typedCard: no definition for %s", cardType))
	}
	return map[string]any{"card": map[string]any{"card_type": cardType, strings.ToLower(cardType): obj}}
}

// typeObject returns the object under lower(card_type) of a definition from
// typedCard or cardDef, for tests that edit it.
func typeObject(def map[string]any) map[string]any {
	card := def["card"].(map[string]any)
	return card[strings.ToLower(card["card_type"].(string))].(map[string]any)
}

func baseOf(def map[string]any) map[string]any {
	return typeObject(def)["base_info"].(map[string]any)
}

func decodeJSON(t *testing.T, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// wxToken gets an access_token from the emulator at wx as another tool of the
// same Official Account would (the server's token stays valid 5 minutes).
func wxToken(t *testing.T, wx string) string {
	t.Helper()
	r := call(t, "GET", wx+"/cgi-bin/token?grant_type=client_credential&appid="+sandbox.DefaultAppID+"&secret="+sandbox.DefaultAppSecret, "", nil)
	mustStatus(t, r, 200)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	r.decode(t, &tok)
	if tok.AccessToken == "" {
		t.Fatalf("cgi-bin/token = %s", r.body)
	}
	return tok.AccessToken
}
