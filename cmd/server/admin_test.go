package main

import (
	"strconv"
	"testing"
)

func TestAdminUsersRolesAndAudit(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)

	r := call(t, "POST", s.base+"/admin/v1/users", admin, map[string]string{"username": "clerk1", "password": "clerk-password", "role": "clerk"})
	mustStatus(t, r, 201)
	var u struct{ Username, Role string }
	r.decode(t, &u)
	if u.Username != "clerk1" || u.Role != "clerk" {
		t.Errorf("created = %s, want clerk1/clerk", r.body)
	}
	if r := call(t, "POST", s.base+"/admin/v1/users", admin, map[string]string{"username": "clerk1", "password": "another-password", "role": "admin"}); r.status != 409 || r.errCode() != "conflict" {
		t.Errorf("duplicate user = %d %s, want 409 conflict", r.status, r.body)
	}
	for _, bad := range []struct {
		name, field string
		body        map[string]string
	}{
		{"role user is not a merchant role", "role", map[string]string{"username": "u2", "password": "long-enough", "role": "user"}},
		{"short password", "password", map[string]string{"username": "u3", "password": "short", "role": "clerk"}},
		{"bad username", "username", map[string]string{"username": "a b", "password": "long-enough", "role": "clerk"}},
	} {
		r := call(t, "POST", s.base+"/admin/v1/users", admin, bad.body)
		if r.status != 400 || r.errCode() != "invalid_argument" {
			t.Errorf("%s: %d %s, want 400", bad.name, r.status, r.body)
		}
	}

	r = call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": "clerk1", "password": "clerk-password"})
	mustStatus(t, r, 200)
	var login struct {
		Token string `json:"token"`
		Role  string `json:"role"`
	}
	r.decode(t, &login)
	if login.Role != "clerk" {
		t.Fatalf("clerk login = %s", r.body)
	}
	clerk := login.Token
	for _, route := range []struct{ method, path string }{
		{"POST", "/admin/v1/cards"}, {"POST", "/admin/v1/users"}, {"GET", "/admin/v1/audit"},
	} {
		if r := call(t, route.method, s.base+route.path, clerk, map[string]any{}); r.status != 403 || r.errCode() != "forbidden" {
			t.Errorf("clerk %s %s = %d %s, want 403 forbidden", route.method, route.path, r.status, r.body)
		}
	}

	card := s.createCard(t, admin, nil)
	r = call(t, "GET", s.base+"/admin/v1/audit", admin, nil)
	mustStatus(t, r, 200)
	var audit struct {
		Entries []struct{ At, Actor, Role, Action, Target, Result string } `json:"entries"`
	}
	r.decode(t, &audit)
	if len(audit.Entries) < 5 {
		t.Fatalf("audit has %d entries, want the user and card writes: %s", len(audit.Entries), r.body)
	}
	newest := audit.Entries[0]
	if newest.Action != "card.create" || newest.Target != card || newest.Actor != sandboxAdminUser || newest.Role != "admin" || newest.Result != "ok" || newest.At == "" {
		t.Errorf("newest audit entry = %+v, want card.create of %s by admin, ok", newest, card)
	}
	results := map[string]int{}
	for _, e := range audit.Entries {
		if e.Action == "user.create" {
			results[e.Result]++
		}
	}
	if results["ok"] != 1 || results["conflict"] != 1 || results["invalid_argument"] != 3 {
		t.Errorf("user.create results = %v, want 1 ok, 1 conflict, 3 invalid_argument", results)
	}
	for _, q := range []string{"count=lots", "count=101"} {
		if r := call(t, "GET", s.base+"/admin/v1/audit?"+q, admin, nil); r.status != 400 {
			t.Errorf("audit?%s = %d, want 400", q, r.status)
		}
	}
	r = call(t, "GET", s.base+"/admin/v1/audit?offset=0&count=1", admin, nil)
	r.decode(t, &audit)
	if len(audit.Entries) != 1 {
		t.Errorf("count=1 gave %d entries", len(audit.Entries))
	}
}

func TestFailedLoginsAreThrottled(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	for i := 0; i < 10; i++ {
		r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": sandboxAdminUser, "password": "wrong-" + strconv.Itoa(i)})
		mustStatus(t, r, 401)
	}
	r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": sandboxAdminUser, "password": sandboxAdminPassword})
	if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Fatalf("login after 10 failures = %d %s (Retry-After %q), want 429 rate_limited with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
	}
}
