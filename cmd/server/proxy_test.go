package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// callAs sends a JSON request with extra headers; several values of one
// header go out as several lines.
func callAs(t *testing.T, method, url string, headers map[string][]string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
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
	for k, vs := range headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// loginsFrom tries both login routes n times each with xff as the
// X-Forwarded-For lines and returns the statuses, admin route first.
func loginsFrom(t *testing.T, s *server, n int, xff ...string) (admin, user []int) {
	t.Helper()
	h := map[string][]string{"X-Forwarded-For": xff}
	for i := 0; i < n; i++ {
		admin = append(admin, callAs(t, "POST", s.base+"/admin/v1/auth/login", h, map[string]string{"username": "boss", "password": "boss-password"}).status)
		user = append(user, callAs(t, "POST", s.base+"/api/v1/auth/login", h, map[string]string{"code": "not-a-code"}).status)
	}
	return admin, user
}

// inOneMinute runs f so that all its requests fall in one fixed-window
// minute of the limiter: when a slow machine lets f cross a minute, it waits
// for a fresh minute and runs f again.
func inOneMinute(t *testing.T, f func()) {
	t.Helper()
	for attempt := 0; attempt < 3; attempt++ {
		if sec := time.Now().Second(); sec >= 40 {
			time.Sleep(time.Duration(61-sec) * time.Second)
		}
		start := time.Now().Truncate(time.Minute)
		f()
		if time.Now().Truncate(time.Minute).Equal(start) {
			return
		}
		time.Sleep(time.Until(start.Add(2*time.Minute)) + time.Second)
	}
	t.Fatal("the requests never fitted in one minute")
}

// Behind a load balancer in TRUSTED_PROXIES each user has their own login
// limit (the last X-Forwarded-For address that is not a trusted proxy); from
// an untrusted peer, X-Forwarded-For is ignored and the peer is the client.
func TestLoginLimitPerClientBehindLoadBalancer(t *testing.T) {
	t.Parallel()
	wx := emulator(t)
	t.Run("trusted load balancer", func(t *testing.T) {
		_, prefix := testenv.Redis(t)
		env := productionEnv(t, testenv.MySQLDSN(t), prefix, wx)
		// The test's peer is 127.0.0.1, in the first range; 10.1.2.3 is an
		// inner proxy (an ingress behind the cloud load balancer).
		env["TRUSTED_PROXIES"], env["RATE_LIMIT_PER_MINUTE"] = "127.0.0.0/8, 10.0.0.0/8", "2"
		s := startServer(t, env)
		var admin, user, admin2, user2 []int
		inOneMinute(t, func() {
			admin, user = loginsFrom(t, s, 3, "203.0.113.1, 10.1.2.3")
			// Another user through the same load balancer; the forged first
			// line is the client's, the proxy's line comes last.
			admin2, user2 = loginsFrom(t, s, 1, "203.0.113.1", "203.0.113.2, 10.1.2.3")
		})
		if admin[0] != 200 || admin[1] != 200 || admin[2] != 429 {
			t.Errorf("admin logins of 203.0.113.1 = %v, want [200 200 429]", admin)
		}
		if user[0] == 429 || user[1] == 429 || user[2] != 429 {
			t.Errorf("user logins of 203.0.113.1 = %v, want two answered, the third 429", user)
		}
		if admin2[0] != 200 || user2[0] == 429 {
			t.Errorf("first logins of 203.0.113.2 (after a forged 203.0.113.1) = admin %v user %v, want their own limit, not 429", admin2, user2)
		}
	})
	t.Run("untrusted peer", func(t *testing.T) {
		_, prefix := testenv.Redis(t)
		env := productionEnv(t, testenv.MySQLDSN(t), prefix, wx)
		env["TRUSTED_PROXIES"], env["RATE_LIMIT_PER_MINUTE"] = "10.0.0.0/8", "2"
		s := startServer(t, env)
		var admin, user []int
		inOneMinute(t, func() {
			loginsFrom(t, s, 2, "203.0.113.1")
			admin, user = loginsFrom(t, s, 1, "203.0.113.2")
		})
		if admin[0] != 429 || user[0] != 429 {
			t.Errorf("third logins from one untrusted peer claiming another X-Forwarded-For = admin %v user %v, want 429 (the peer is the client)", admin, user)
		}
	})
}

// CORS: a preflight from a listed origin is answered with what may be sent;
// an unlisted origin gets 403 and no CORS headers; real answers carry
// Access-Control-Allow-Origin for listed origins only.
func TestCORSAllowedOrigins(t *testing.T) {
	t.Parallel()
	env := sandboxEnv(t)
	env["CORS_ALLOWED_ORIGINS"] = "https://h5.example.com, http://localhost:5173"
	s := startServer(t, env)
	preflight := func(origin string) reply {
		return callAs(t, "OPTIONS", s.base+"/admin/v1/cards", map[string][]string{
			"Origin": {origin}, "Access-Control-Request-Method": {"POST"},
			"Access-Control-Request-Headers": {"authorization, content-type, idempotency-key"},
		}, nil)
	}
	r := preflight("https://h5.example.com")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "https://h5.example.com" {
		t.Errorf("preflight from a listed origin = %d, Allow-Origin %q; want 204 naming it", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	for _, want := range []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"} {
		if !bytes.Contains([]byte(r.header.Get("Access-Control-Allow-Headers")), []byte(want)) {
			t.Errorf("Access-Control-Allow-Headers = %q, lacks %s", r.header.Get("Access-Control-Allow-Headers"), want)
		}
	}
	if m := r.header.Get("Access-Control-Allow-Methods"); !bytes.Contains([]byte(m), []byte("POST")) || !bytes.Contains([]byte(m), []byte("PATCH")) {
		t.Errorf("Access-Control-Allow-Methods = %q, want POST and PATCH among them", m)
	}

	r = preflight("https://evil.example.com")
	if r.status != 403 || r.errCode() != "forbidden" {
		t.Errorf("preflight from an unlisted origin = %d %s, want 403 forbidden", r.status, r.body)
	}
	for k := range r.header {
		if len(k) > 14 && k[:14] == "Access-Control" {
			t.Errorf("unlisted origin's preflight carries %s", k)
		}
	}

	r = callAs(t, "GET", s.base+"/healthz", map[string][]string{"Origin": {"http://localhost:5173"}}, nil)
	if r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("GET from a listed origin = %d, Allow-Origin %q", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
	r = callAs(t, "GET", s.base+"/healthz", map[string][]string{"Origin": {"https://evil.example.com"}}, nil)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("GET from an unlisted origin carries Access-Control-Allow-Origin %q", got)
	}
}
