package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/wxcoupon/coupon/internal/testenv"
)

type decryptedItem struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
	Status string `json:"status"`
	Error  *struct {
		Code string `json:"code"`
	} `json:"error"`
}

func (s *server) decrypt(t *testing.T, token string, added []addedCard) []decryptedItem {
	t.Helper()
	list := make([]map[string]string, len(added))
	for i, a := range added {
		list[i] = map[string]string{"card_id": a.CardID, "encrypt_code": a.Code}
	}
	r := call(t, "POST", s.base+"/api/v1/codes/decrypt", token, map[string]any{"card_list": list})
	mustStatus(t, r, 200)
	var out struct {
		CardList []decryptedItem `json:"card_list"`
	}
	r.decode(t, &out)
	if len(out.CardList) != len(added) {
		t.Fatalf("decrypt = %s, want %d items", r.body, len(added))
	}
	return out.CardList
}

type myCode struct {
	CardID     string `json:"card_id"`
	Code       string `json:"code"`
	Status     string `json:"status"`
	ReceivedAt string `json:"received_at"`
	Title      string `json:"title"`
}

func (s *server) myCodes(t *testing.T, token, query string) []myCode {
	t.Helper()
	r := call(t, "GET", s.base+"/api/v1/me/codes"+query, token, nil)
	mustStatus(t, r, 200)
	var out struct {
		Codes []myCode `json:"codes"`
	}
	r.decode(t, &out)
	return out.Codes
}

var sha1Hex = regexp.MustCompile(`^[0-9a-f]{40}$`)

// runFlow is the whole coupon flow: admin login → create cards → user login →
// card-ext → wx.addCard (emulated) → decrypt → me/codes.
func runFlow(t *testing.T, s *server, adminUser, adminPassword string) {
	admin := s.adminLogin(t, adminUser, adminPassword)
	plain := s.createCard(t, admin, nil)
	bound := s.createCard(t, admin, map[string]any{"bind_openid": true, "title": "会员专享券", "code_type": "CODE_TYPE_ONLY_QRCODE"})
	custom := s.createCard(t, admin, map[string]any{"use_custom_code": true, "title": "自定义码券"})

	alice := s.userLogin(t, "oAlice")
	r := call(t, "GET", s.base+"/api/v1/cards", alice, nil)
	mustStatus(t, r, 200)
	var listed struct {
		Cards []struct {
			CardID   string `json:"card_id"`
			Title    string `json:"title"`
			Quantity int64  `json:"quantity"`
			DateInfo struct {
				Type string `json:"type"`
			} `json:"date_info"`
		} `json:"cards"`
	}
	r.decode(t, &listed)
	if len(listed.Cards) != 3 {
		t.Fatalf("listed %d cards, want 3: %s", len(listed.Cards), r.body)
	}
	for _, c := range listed.Cards {
		if c.Quantity != 100 || c.DateInfo.Type != "DATE_TYPE_FIX_TIME_RANGE" || c.Title == "" {
			t.Errorf("listed card %+v, want quantity 100 and its date_info", c)
		}
	}

	exts := s.cardExt(t, alice,
		map[string]any{"card_id": plain, "outer_str": "banner"},
		map[string]any{"card_id": bound},
		map[string]any{"card_id": custom, "code": "C0001"},
	)
	nonces := map[string]bool{}
	for i, e := range exts {
		var ext map[string]any
		if err := json.Unmarshal([]byte(e.CardExt), &ext); err != nil {
			t.Fatalf("cardExt %d is not a JSON string: %v", i, err)
		}
		if _, ok := ext["timestamp"].(string); !ok {
			t.Errorf("cardExt %d timestamp = %#v, want a string", i, ext["timestamp"])
		}
		nonce, _ := ext["nonce_str"].(string)
		if nonce == "" || len(nonce) > 32 || nonces[nonce] {
			t.Errorf("cardExt %d nonce_str = %q, want fresh and ≤ 32 chars", i, nonce)
		}
		nonces[nonce] = true
		if sig, _ := ext["signature"].(string); !sha1Hex.MatchString(sig) {
			t.Errorf("cardExt %d signature = %q, want 40 hex digits", i, sig)
		}
		_, hasOpenID := ext["openid"]
		_, hasCode := ext["code"]
		switch e.CardID {
		case plain:
			if hasOpenID || hasCode || ext["outer_str"] != "banner" {
				t.Errorf("plain card ext = %s, want no openid/code and outer_str banner", e.CardExt)
			}
		case bound:
			if ext["openid"] != "oAlice" || hasCode {
				t.Errorf("bind_openid card ext = %s, want openid oAlice and no code", e.CardExt)
			}
		case custom:
			if ext["code"] != "C0001" || hasOpenID {
				t.Errorf("custom-code card ext = %s, want code C0001 and no openid", e.CardExt)
			}
		}
	}

	r, added := s.addCard(t, "oAlice", exts)
	if code := wxErrcode(t, r); code != 0 || len(added) != 3 {
		t.Fatalf("add-card = %s, want 3 cards added", r.body)
	}
	got := s.decrypt(t, alice, added)
	for i, it := range got {
		if it.Error != nil || it.Code == "" || it.Status != "issued" || it.CardID != added[i].CardID {
			t.Errorf("decrypt item %d = %+v, want an issued code", i, it)
		}
	}
	if got[2].Code != "C0001" {
		t.Errorf("custom code = %q, want C0001", got[2].Code)
	}
	// Idempotent: the same codes again give the same answer and no new rows.
	again := s.decrypt(t, alice, added)
	for i := range again {
		if again[i].Code != got[i].Code {
			t.Errorf("second decrypt item %d = %q, want %q", i, again[i].Code, got[i].Code)
		}
	}
	mine := s.myCodes(t, alice, "")
	if len(mine) != 3 {
		t.Fatalf("me/codes lists %d codes, want 3: %+v", len(mine), mine)
	}
	for _, m := range mine {
		if m.Title == "" || m.ReceivedAt == "" || m.Status != "issued" {
			t.Errorf("me/codes entry %+v, want title, received_at and status issued", m)
		}
	}
	if n := len(s.myCodes(t, alice, "?status=issued")); n != 3 {
		t.Errorf("issued codes = %d, want 3", n)
	}
	if n := len(s.myCodes(t, alice, "?status=consumed")); n != 0 {
		t.Errorf("consumed codes = %d, want 0", n)
	}

	// Another user cannot record Alice's code, and nothing is stored for them.
	bob := s.userLogin(t, "oBob")
	stolen := s.decrypt(t, bob, added[:1])
	if stolen[0].Error == nil || stolen[0].Error.Code != "code_not_owned" {
		t.Errorf("decrypt of another user's code = %+v, want code_not_owned", stolen[0])
	}
	if n := len(s.myCodes(t, bob, "")); n != 0 {
		t.Errorf("bob holds %d codes, want 0", n)
	}

	// The emulator refuses what WeChat refuses.
	fresh := s.cardExt(t, alice, map[string]any{"card_id": plain})
	tampered := []extItem{{CardID: plain, CardExt: regexp.MustCompile(`"signature":"[0-9a-f]{40}"`).
		ReplaceAllString(fresh[0].CardExt, `"signature":"0000000000000000000000000000000000000000"`)}}
	if r, _ := s.addCard(t, "oAlice", tampered); wxErrcode(t, r) != 40080 {
		t.Errorf("wrong signature: add-card = %s, want 40080", r.body)
	}
	if r, _ := s.addCard(t, "oAlice", exts[:1]); wxErrcode(t, r) != 40080 {
		t.Errorf("reused nonce: add-card = %s, want 40080", r.body)
	}
	boundForAlice := s.cardExt(t, alice, map[string]any{"card_id": bound})
	if r, _ := s.addCard(t, "oBob", boundForAlice); wxErrcode(t, r) != 40080 {
		t.Errorf("another user's openid: add-card = %s, want 40080", r.body)
	}
	if r, _ := s.addCard(t, "oAlice", fresh); wxErrcode(t, r) != 0 {
		t.Errorf("untampered ext after refusals: add-card = %s, want success", r.body)
	}
}

func TestFlowSandboxSQLiteMemoryCache(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	runFlow(t, s, sandboxAdminUser, sandboxAdminPassword)
}

func TestFlowMySQLRedisStandaloneEmulator(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.Redis(t)
	s := startServer(t, productionEnv(t, testenv.MySQLDSN(t), prefix, emulator(t)))
	runFlow(t, s, "boss", "boss-password")
}

// sandboxHelp starts the service in sandbox mode with env and returns what it
// printed on stdout by the time it listens (the start-up help comes before).
func sandboxHelp(t *testing.T, env map[string]string) string {
	t.Helper()
	out := &syncBuffer{}
	startServerTo(t, env, out)
	return out.String()
}

// The sandbox start-up help names the cache actually used and claims a
// generated JWT secret only when there is one.
func TestSandboxHelpSaysWhatIsTrue(t *testing.T) {
	t.Parallel()
	t.Run("defaults", func(t *testing.T) {
		t.Parallel()
		help := sandboxHelp(t, sandboxEnv(t))
		for _, want := range []string{"SANDBOX mode", "Cache: in-process", "JWT secret: generated for this run"} {
			if !strings.Contains(help, want) {
				t.Errorf("help lacks %q:\n%s", want, help)
			}
		}
	})
	t.Run("redis and JWT_SECRET", func(t *testing.T) {
		t.Parallel()
		_, prefix := testenv.Redis(t)
		env := sandboxEnv(t)
		env["REDIS_URL"], env["REDIS_KEY_PREFIX"], env["JWT_SECRET"] = testenv.RedisURL(), prefix, testJWTSecret
		env["SANDBOX"] = "true" // with REDIS_URL, sandbox mode is only ever asked for
		help := sandboxHelp(t, env)
		for _, want := range []string{"SANDBOX mode", "Cache: Redis", "JWT secret: from JWT_SECRET"} {
			if !strings.Contains(help, want) {
				t.Errorf("help lacks %q:\n%s", want, help)
			}
		}
		for _, wrong := range []string{"Cache: in-process", "generated", testJWTSecret} {
			if strings.Contains(help, wrong) {
				t.Errorf("help says %q:\n%s", wrong, help)
			}
		}
	})
}
