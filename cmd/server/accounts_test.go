package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// Tests of merchant accounts (issue 10, item 3): list, change, delete, own
// password, revocation on every replica, the last admin.

// replicas starts n servers on one MariaDB database and one Redis namespace.
func replicas(t *testing.T, n int, extra map[string]string) []*server {
	t.Helper()
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, emulator(t))
	for k, v := range extra {
		env[k] = v
	}
	var out []*server
	for i := 0; i < n; i++ {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		out = append(out, startServer(t, e))
	}
	return out
}

// merchantLogin signs user in and returns the token and role.
func merchantLogin(t *testing.T, s *server, user, password string) (string, string) {
	t.Helper()
	r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": user, "password": password})
	mustStatus(t, r, 200)
	var out struct{ Token, Role string }
	r.decode(t, &out)
	return out.Token, out.Role
}

func createUser(t *testing.T, s *server, admin, user, password, role string) {
	t.Helper()
	mustStatus(t, call(t, "POST", s.base+"/admin/v1/users", admin,
		map[string]string{"username": user, "password": password, "role": role}), 201)
}

// clerkProbe is a clerk route that reads nothing from WeChat or the store
// before the token is checked; anything but 401 means the token was accepted.
func clerkProbe(t *testing.T, s *server, token string) reply {
	t.Helper()
	return call(t, "POST", s.base+"/admin/v1/auth/password", token, map[string]string{})
}

// waitRefused polls probe until it answers 401 unauthenticated, for up to 5 s
// (the contract's bound); it fails the test otherwise.
func waitRefused(t *testing.T, what string, probe func() reply) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := probe()
		if r.status == 401 && r.errCode() == "unauthenticated" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %d %s after 5 s, want 401 unauthenticated", what, r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestDisabledClerkRefusedOnAnotherReplica(t *testing.T) {
	t.Parallel()
	rs := replicas(t, 2, nil)
	a, b := rs[0], rs[1]
	admin := a.adminLogin(t, "boss", "boss-password")
	createUser(t, a, admin, "till1", "till-password", "clerk")
	createUser(t, a, admin, "till2", "till-password", "clerk")
	createUser(t, a, admin, "till3", "till-password", "clerk")
	tok := map[string]string{}
	for _, u := range []string{"till1", "till2", "till3"} {
		tok[u], _ = merchantLogin(t, b, u, "till-password")
		// The token works on b (and b now remembers the account).
		if r := clerkProbe(t, b, tok[u]); r.status == 401 {
			t.Fatalf("fresh clerk token refused: %s", r.body)
		}
	}

	mustStatus(t, call(t, "PATCH", a.base+"/admin/v1/users/till1", admin, map[string]any{"disabled": true}), 200)
	waitRefused(t, "disabled clerk's token on the other replica", func() reply { return clerkProbe(t, b, tok["till1"]) })
	if r := call(t, "POST", b.base+"/admin/v1/auth/login", "", map[string]string{"username": "till1", "password": "till-password"}); r.status != 401 {
		t.Errorf("disabled clerk's login = %d %s, want 401", r.status, r.body)
	}

	mustStatus(t, call(t, "DELETE", a.base+"/admin/v1/users/till2", admin, nil), 200)
	waitRefused(t, "deleted clerk's token on the other replica", func() reply { return clerkProbe(t, b, tok["till2"]) })

	r := call(t, "PATCH", a.base+"/admin/v1/users/till3", admin, map[string]any{"role": "admin"})
	mustStatus(t, r, 200)
	var row struct {
		Username string `json:"username"`
		Role     string `json:"role"`
	}
	r.decode(t, &row)
	if row.Username != "till3" || row.Role != "admin" {
		t.Errorf("PATCH answered %s, want till3 as admin", r.body)
	}
	waitRefused(t, "promoted clerk's old token on the other replica", func() reply { return clerkProbe(t, b, tok["till3"]) })
	if _, role := merchantLogin(t, b, "till3", "till-password"); role != "admin" {
		t.Errorf("till3 signs in as %s, want admin", role)
	}

	// The admin who made the changes is untouched, on both replicas.
	mustStatus(t, call(t, "GET", b.base+"/admin/v1/users", admin, nil), 200)

	// Re-enabling does not bring the old token back.
	mustStatus(t, call(t, "PATCH", a.base+"/admin/v1/users/till1", admin, map[string]any{"disabled": false}), 200)
	time.Sleep(2500 * time.Millisecond) // past the session cache
	if r := clerkProbe(t, b, tok["till1"]); r.status != 401 {
		t.Errorf("token of a re-enabled clerk = %d %s, want 401 (its sessions ended)", r.status, r.body)
	}
	merchantLogin(t, b, "till1", "till-password")
}

func TestListUsersAndChanges(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	admin := s.adminLogin(t, "boss", "boss-password")
	createUser(t, s, admin, "till1", "till-password", "clerk")
	clerk, _ := merchantLogin(t, s, "till1", "till-password")
	createUser(t, s, admin, "till2", "till-password", "clerk")

	r := call(t, "GET", s.base+"/admin/v1/users", admin, nil)
	mustStatus(t, r, 200)
	var raw struct {
		Users []map[string]any `json:"users"`
	}
	r.decode(t, &raw)
	byName := map[string]map[string]any{}
	for _, u := range raw.Users {
		byName[u["username"].(string)] = u
		for _, k := range []string{"username", "role", "disabled", "created_at", "last_login_at"} {
			if _, ok := u[k]; !ok {
				t.Errorf("user row %v lacks %s", u, k)
			}
		}
		if _, ok := u["password_hash"]; ok {
			t.Errorf("user row carries the password hash: %v", u)
		}
	}
	if len(raw.Users) != 3 || byName["boss"]["role"] != "admin" || byName["till2"]["role"] != "clerk" || byName["till2"]["disabled"] != false {
		t.Fatalf("users = %s, want boss, till1, till2", r.body)
	}
	if byName["boss"]["last_login_at"] == nil || byName["till1"]["last_login_at"] == nil {
		t.Errorf("last_login_at of signed-in users is null: %s", r.body)
	}
	if byName["till2"]["last_login_at"] != nil {
		t.Errorf("last_login_at of a user who never signed in = %v, want null", byName["till2"]["last_login_at"])
	}

	// Clerks may not manage accounts.
	for _, req := range []struct{ method, path string }{{"GET", "/admin/v1/users"}, {"PATCH", "/admin/v1/users/till2"}, {"DELETE", "/admin/v1/users/till2"}} {
		if r := call(t, req.method, s.base+req.path, clerk, map[string]any{"disabled": true}); r.status != 403 {
			t.Errorf("clerk %s %s = %d %s, want 403", req.method, req.path, r.status, r.body)
		}
	}
	for name, tc := range map[string]struct {
		path   string
		body   any
		status int
	}{
		"unknown user":   {"/admin/v1/users/nobody", map[string]any{"disabled": true}, 404},
		"empty change":   {"/admin/v1/users/till2", map[string]any{}, 400},
		"bad role":       {"/admin/v1/users/till2", map[string]any{"role": "root"}, 400},
		"short password": {"/admin/v1/users/till2", map[string]any{"password": "short"}, 400},
		"disabled type":  {"/admin/v1/users/till2", map[string]any{"disabled": "yes"}, 400},
	} {
		if r := call(t, "PATCH", s.base+tc.path, admin, tc.body); r.status != tc.status {
			t.Errorf("%s: PATCH = %d %s, want %d", name, r.status, r.body, tc.status)
		}
	}
	if r := call(t, "DELETE", s.base+"/admin/v1/users/nobody", admin, nil); r.status != 404 {
		t.Errorf("DELETE unknown = %d %s, want 404", r.status, r.body)
	}

	// A new password set by an admin: the old one and the old token stop working.
	mustStatus(t, call(t, "PATCH", s.base+"/admin/v1/users/till1", admin, map[string]any{"password": "new-till-password"}), 200)
	if r := clerkProbe(t, s, clerk); r.status != 401 {
		t.Errorf("token after an admin changed the password = %d %s, want 401", r.status, r.body)
	}
	if r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": "till1", "password": "till-password"}); r.status != 401 {
		t.Errorf("old password = %d, want 401", r.status)
	}
	merchantLogin(t, s, "till1", "new-till-password")

	// Every write is audited with the account as its target.
	r = call(t, "GET", s.base+"/admin/v1/audit", admin, nil)
	mustStatus(t, r, 200)
	var audit struct {
		Entries []struct{ Action, Target, Result string } `json:"entries"`
	}
	r.decode(t, &audit)
	seen := map[string]bool{}
	for _, e := range audit.Entries {
		seen[e.Action+" "+e.Target+" "+e.Result] = true
	}
	for _, want := range []string{"user.update till1 ok", "user.update nobody not_found", "user.delete nobody not_found"} {
		if !seen[want] {
			t.Errorf("audit lacks %q: %+v", want, audit.Entries)
		}
	}
}

func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	rs := replicas(t, 2, nil)
	a, b := rs[0], rs[1]
	admin := a.adminLogin(t, "boss", "boss-password")
	createUser(t, a, admin, "till1", "till-password", "clerk")
	first, _ := merchantLogin(t, a, "till1", "till-password")
	second, _ := merchantLogin(t, b, "till1", "till-password")
	if r := clerkProbe(t, b, second); r.status == 401 {
		t.Fatalf("fresh token refused: %s", r.body)
	}

	r := call(t, "POST", a.base+"/admin/v1/auth/password", first, map[string]string{"old_password": "wrong-password", "new_password": "new-till-password"})
	if r.status != 403 {
		t.Errorf("wrong old password = %d %s, want 403", r.status, r.body)
	}
	r = call(t, "POST", a.base+"/admin/v1/auth/password", first, map[string]string{"old_password": "till-password", "new_password": "short"})
	if r.status != 400 || r.errCode() != "invalid_argument" {
		t.Errorf("short new password = %d %s, want 400", r.status, r.body)
	}
	r = call(t, "POST", a.base+"/admin/v1/auth/password", first, map[string]string{"old_password": "till-password", "new_password": "new-till-password"})
	mustStatus(t, r, 200)
	var out struct {
		Token     string `json:"token"`
		ExpiresIn int64  `json:"expires_in"`
		Role      string `json:"role"`
	}
	r.decode(t, &out)
	if out.Token == "" || out.Role != "clerk" || out.ExpiresIn <= 0 {
		t.Fatalf("password change answered %s, want a new clerk token", r.body)
	}
	if r := clerkProbe(t, a, first); r.status != 401 {
		t.Errorf("the token that changed the password = %d %s, want 401", r.status, r.body)
	}
	waitRefused(t, "the user's other token on the other replica", func() reply { return clerkProbe(t, b, second) })
	for _, s := range []*server{a, b} {
		if r := clerkProbe(t, s, out.Token); r.status == 401 {
			t.Errorf("the new token refused: %s", r.body)
		}
	}
	if r := call(t, "POST", a.base+"/admin/v1/auth/login", "", map[string]string{"username": "till1", "password": "till-password"}); r.status != 401 {
		t.Errorf("old password still signs in: %d", r.status)
	}
	merchantLogin(t, b, "till1", "new-till-password")
	if r := call(t, "POST", a.base+"/admin/v1/auth/password", "", map[string]string{"old_password": "x", "new_password": "yyyyyyyyy"}); r.status != 401 {
		t.Errorf("password change without a token = %d, want 401", r.status)
	}
}

func TestLastAdminCannotBeRemoved(t *testing.T) {
	t.Parallel()
	s := replicas(t, 1, nil)[0]
	boss := s.adminLogin(t, "boss", "boss-password")
	for name, req := range map[string]struct {
		method string
		body   any
	}{
		"demote":  {"PATCH", map[string]any{"role": "clerk"}},
		"disable": {"PATCH", map[string]any{"disabled": true}},
		"delete":  {"DELETE", nil},
	} {
		r := call(t, req.method, s.base+"/admin/v1/users/boss", boss, req.body)
		if r.status != 409 || r.errCode() != "conflict" {
			t.Errorf("%s the last admin = %d %s, want 409 conflict", name, r.status, r.body)
		}
	}
	// Still an admin, still signed in.
	mustStatus(t, call(t, "GET", s.base+"/admin/v1/users", boss, nil), 200)

	// Two admins removing each other at once: one of the two is refused.
	createUser(t, s, boss, "second", "second-password", "admin")
	second := s.adminLogin(t, "second", "second-password")
	var wg sync.WaitGroup
	results := make([]reply, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		results[0] = call(t, "PATCH", s.base+"/admin/v1/users/second", boss, map[string]any{"role": "clerk"})
	}()
	go func() {
		defer wg.Done()
		results[1] = call(t, "PATCH", s.base+"/admin/v1/users/boss", second, map[string]any{"disabled": true})
	}()
	wg.Wait()
	passed, survivor := 0, ""
	for i, r := range results {
		switch {
		case r.status == 200: // its caller is the admin that remains
			passed++
			survivor = []string{boss, second}[i]
		case r.status == 409 || r.status == 401: // refused, or its caller was removed first
		default:
			t.Fatalf("concurrent change = %d %s", r.status, r.body)
		}
	}
	if passed != 1 {
		t.Fatalf("concurrent changes: %d passed (%d %s, %d %s), want exactly one", passed, results[0].status, results[0].body, results[1].status, results[1].body)
	}
	r := call(t, "GET", s.base+"/admin/v1/users", survivor, nil)
	mustStatus(t, r, 200)
	var list struct {
		Users []struct {
			Role     string `json:"role"`
			Disabled bool   `json:"disabled"`
		} `json:"users"`
	}
	r.decode(t, &list)
	active := 0
	for _, u := range list.Users {
		if u.Role == "admin" && !u.Disabled {
			active++
		}
	}
	if active != 1 {
		t.Errorf("active admins after the race = %d (%s), want 1", active, r.body)
	}
}

// ADMIN_PASSWORD only creates the account: a restart with it leaves a changed
// password as it is, and says so.
func TestAdminPasswordOnRestartLeavesUserUnchanged(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, emulator(t))
	first := startServer(t, copyEnv(env))
	boss := first.adminLogin(t, "boss", "boss-password")
	mustStatus(t, call(t, "POST", first.base+"/admin/v1/auth/password", boss,
		map[string]string{"old_password": "boss-password", "new_password": "changed-password"}), 200)

	var out syncBuffer
	restarted := copyEnv(env)
	restarted["LOG_LEVEL"] = "info"
	s := startServerTo(t, restarted, &out)
	if r := call(t, "POST", s.base+"/admin/v1/auth/login", "", map[string]string{"username": "boss", "password": "boss-password"}); r.status != 401 {
		t.Errorf("ADMIN_PASSWORD after a restart = %d %s, want 401 (the changed password stays)", r.status, r.body)
	}
	s.adminLogin(t, "boss", "changed-password")
	log := out.String()
	if !strings.Contains(log, "left unchanged") || !strings.Contains(log, `"username":"boss"`) {
		t.Errorf("start-up log does not say the existing admin was left unchanged:\n%s", log)
	}
	if strings.Contains(log, "boss-password") || strings.Contains(log, "changed-password") {
		t.Errorf("start-up log shows a password")
	}
}

func copyEnv(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v
	}
	return out
}

// callFrom is call with an X-Forwarded-For header: the tests' loopback peer is
// a trusted proxy, so ip becomes the client IP.
func callFrom(t *testing.T, ip, method, url string, body any) reply {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", ip)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}
