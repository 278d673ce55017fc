package main

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestBadInputGetsTheEnvelope(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)
	plain := s.createCard(t, admin, nil)
	custom := s.createCard(t, admin, map[string]any{"use_custom_code": true})
	user := s.userLogin(t, "oBad")

	expired, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "wxcoupon", "sub": "oBad", "role": "user", "exp": time.Now().Add(-time.Hour).Unix(),
	}).SignedString([]byte("whatever-secret-whatever-secret!!"))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"iss": "wxcoupon", "sub": "oBad", "role": "user", "exp": time.Now().Add(time.Hour).Unix(),
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)

	one := func(m map[string]any) map[string]any { return map[string]any{"cards": []map[string]any{m}} }
	eleven := make([]map[string]any, 11)
	for i := range eleven {
		eleven[i] = map[string]any{"card_id": plain}
	}
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"user login malformed json", "POST", "/api/v1/auth/login", "", `{"code":`, 400, "invalid_argument", ""},
		{"user login empty body", "POST", "/api/v1/auth/login", "", "", 400, "invalid_argument", ""},
		{"user login missing code", "POST", "/api/v1/auth/login", "", map[string]any{}, 400, "invalid_argument", "code"},
		{"user login wrong type", "POST", "/api/v1/auth/login", "", map[string]any{"code": 5}, 400, "invalid_argument", "code"},
		{"user login unknown code", "POST", "/api/v1/auth/login", "", map[string]any{"code": "nope"}, 401, "unauthenticated", ""},
		{"cards without token", "GET", "/api/v1/cards", "", nil, 401, "unauthenticated", ""},
		{"cards with expired token", "GET", "/api/v1/cards", expired, nil, 401, "unauthenticated", ""},
		{"cards with alg none", "GET", "/api/v1/cards", none, nil, 401, "unauthenticated", ""},
		{"cards with garbage token", "GET", "/api/v1/cards", "abc.def.ghi", nil, 401, "unauthenticated", ""},
		{"cards with admin token", "GET", "/api/v1/cards", admin, nil, 403, "forbidden", ""},
		{"card-ext malformed json", "POST", "/api/v1/card-ext", user, `{"cards":[`, 400, "invalid_argument", ""},
		{"card-ext no cards", "POST", "/api/v1/card-ext", user, map[string]any{"cards": []any{}}, 400, "invalid_argument", "cards"},
		{"card-ext eleven cards", "POST", "/api/v1/card-ext", user, map[string]any{"cards": eleven}, 400, "invalid_argument", "cards"},
		{"card-ext missing card_id", "POST", "/api/v1/card-ext", user, one(map[string]any{}), 400, "invalid_argument", "cards[0].card_id"},
		{"card-ext unknown card", "POST", "/api/v1/card-ext", user, one(map[string]any{"card_id": "pUnknownCard"}), 404, "not_found", "cards[0].card_id"},
		{"card-ext code on a plain card", "POST", "/api/v1/card-ext", user, one(map[string]any{"card_id": plain, "code": "X1"}), 400, "invalid_argument", "cards[0].code"},
		{"card-ext custom card without code", "POST", "/api/v1/card-ext", user, one(map[string]any{"card_id": custom}), 400, "invalid_argument", "cards[0].code"},
		{"card-ext fixed_begintimestamp on a range card", "POST", "/api/v1/card-ext", user, one(map[string]any{"card_id": plain, "fixed_begintimestamp": "1700000000"}), 400, "invalid_argument", "cards[0].fixed_begintimestamp"},
		{"card-ext with admin token", "POST", "/api/v1/card-ext", admin, one(map[string]any{"card_id": plain}), 403, "forbidden", ""},
		{"decrypt malformed json", "POST", "/api/v1/codes/decrypt", user, `[1,2`, 400, "invalid_argument", ""},
		{"decrypt no items", "POST", "/api/v1/codes/decrypt", user, map[string]any{"card_list": []any{}}, 400, "invalid_argument", "card_list"},
		{"decrypt missing encrypt_code", "POST", "/api/v1/codes/decrypt", user, map[string]any{"card_list": []map[string]any{{"card_id": plain}}}, 400, "invalid_argument", "card_list[0].encrypt_code"},
		{"me/codes unknown status", "GET", "/api/v1/me/codes?status=lost", user, nil, 400, "invalid_argument", "status"},
		{"admin login malformed", "POST", "/admin/v1/auth/login", "", `{`, 400, "invalid_argument", ""},
		{"admin login wrong password", "POST", "/admin/v1/auth/login", "", map[string]any{"username": "admin", "password": "wrong-password"}, 401, "unauthenticated", ""},
		{"admin login unknown user", "POST", "/admin/v1/auth/login", "", map[string]any{"username": "ghost", "password": "whatever1"}, 401, "unauthenticated", ""},
		{"create card with user token", "POST", "/admin/v1/cards", user, cardDef(nil), 403, "forbidden", ""},
		{"create card without token", "POST", "/admin/v1/cards", "", cardDef(nil), 401, "unauthenticated", ""},
		{"create card malformed", "POST", "/admin/v1/cards", admin, `{"card":`, 400, "invalid_argument", ""},
		{"create card unknown type", "POST", "/admin/v1/cards", admin, map[string]any{"card": map[string]any{"card_type": "LOTTERY"}}, 400, "invalid_argument", "card_type"},
		{"create card without base_info", "POST", "/admin/v1/cards", admin, map[string]any{"card_type": "CASH", "cash": map[string]any{}}, 400, "invalid_argument", "cash.base_info"},
		{"create card without title", "POST", "/admin/v1/cards", admin, cardDef(map[string]any{"title": ""}), 400, "invalid_argument", "base_info.title"},
		{"unknown route", "GET", "/api/v1/nothing", user, nil, 404, "not_found", ""},
		{"wrong method", "DELETE", "/api/v1/cards", user, nil, 405, "method_not_allowed", ""},
		{"wrong method without token", "PUT", "/admin/v1/auth/login", "", nil, 405, "method_not_allowed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := call(t, tt.method, s.base+tt.path, tt.token, tt.body)
			if r.status != tt.wantStatus || r.errCode() != tt.wantCode {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tt.wantStatus, tt.wantCode)
			}
			var env struct {
				Error struct {
					Message string         `json:"message"`
					Details map[string]any `json:"details"`
				} `json:"error"`
			}
			r.decode(t, &env)
			if env.Error.Message == "" {
				t.Errorf("envelope without message: %s", r.body)
			}
			if tt.wantField != "" && env.Error.Details["field"] != tt.wantField {
				t.Errorf("details.field = %v, want %s", env.Error.Details["field"], tt.wantField)
			}
			if r.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id on the response")
			}
			if allow := map[string]string{"/api/v1/cards": "GET", "/admin/v1/auth/login": "POST"}[tt.path]; tt.wantStatus == 405 && r.header.Get("Allow") != allow {
				t.Errorf("Allow = %q, want %q", r.header.Get("Allow"), allow)
			}
		})
	}
}

func TestRequestIDIsEchoed(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	req := call(t, "GET", s.base+"/healthz", "", nil)
	mustStatus(t, req, 200)
	if req.header.Get("X-Request-Id") == "" {
		t.Error("healthz has no X-Request-Id")
	}
	r := callWithHeader(t, s.base+"/healthz", "X-Request-Id", "trace-42")
	if got := r.header.Get("X-Request-Id"); got != "trace-42" {
		t.Errorf("X-Request-Id = %q, want trace-42", got)
	}
	ready := call(t, "GET", s.base+"/readyz", "", nil)
	if ready.status != 200 || !strings.Contains(string(ready.body), `"store":"ok"`) {
		t.Errorf("readyz = %d %s, want 200 with the store ok", ready.status, ready.body)
	}
}
