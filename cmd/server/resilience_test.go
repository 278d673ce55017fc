package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// Three replicas on an empty Redis share one WeChat: 300 concurrent card-ext
// requests cost one token and one ticket call in all, on one Redis node, a
// Sentinel set, a Cluster and over TLS.
func TestThreeInstancesRefreshOnce(t *testing.T) {
	t.Parallel()
	forEveryRedis(t, threeInstancesRefreshOnce)
}

func threeInstancesRefreshOnce(t *testing.T, kind string) {
	wx := emulator(t)
	env := productionEnv(t, testenv.MySQLDSN(t), redisPrefix(t, kind), wx)
	useRedis(t, kind, env)
	env["RATE_LIMIT_PER_MINUTE"] = "0"
	var servers []*server
	for i := 0; i < 3; i++ {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		servers = append(servers, startServer(t, e))
	}
	before := servers[0].stats(t)
	if before["cgi-bin/token"] != 0 || before["cgi-bin/ticket/getticket"] != 0 {
		t.Fatalf("stats before = %v, want no credential calls yet", before)
	}
	admin := servers[0].adminLogin(t, "boss", "boss-password")
	card := servers[0].createCard(t, admin, nil)
	user := servers[1].userLogin(t, "oCrowd")

	const n = 300
	var wg sync.WaitGroup
	failures := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(s *server) {
			defer wg.Done()
			r := call(t, "POST", s.base+"/api/v1/card-ext", user, map[string]any{"cards": []map[string]any{{"card_id": card}}})
			if r.status != 200 {
				failures <- fmt.Sprintf("%d %s", r.status, r.body)
			}
		}(servers[i%3])
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Errorf("card-ext failed: %s", f)
	}
	stats := servers[2].stats(t)
	if got := stats["cgi-bin/token"]; got != 1 {
		t.Errorf("cgi-bin/token calls = %d, want 1", got)
	}
	if got := stats["cgi-bin/ticket/getticket"]; got != 1 {
		t.Errorf("cgi-bin/ticket/getticket calls = %d, want 1", got)
	}
	if r := call(t, "GET", servers[0].base+"/readyz", "", nil); r.status != 200 || !strings.Contains(string(r.body), `"cache":"ok"`) {
		t.Errorf("readyz = %d %s, want 200 with the cache ok", r.status, r.body)
	}
}

// newFlowServer starts a sandbox server with one card and one signed-in user
// holding a fresh encrypt_code for it.
func newFlowServer(t *testing.T, env map[string]string) (s *server, user string, added []addedCard) {
	t.Helper()
	s = startServer(t, env)
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)
	card := s.createCard(t, admin, nil)
	user = s.userLogin(t, "oFault")
	r, added := s.addCard(t, "oFault", s.cardExt(t, user, map[string]any{"card_id": card}))
	mustStatus(t, r, 200)
	if len(added) != 1 {
		t.Fatalf("add-card = %s", r.body)
	}
	return s, user, added
}

func TestExpiredAccessTokenIsRefreshedOnce(t *testing.T) {
	t.Parallel()
	s, user, added := newFlowServer(t, sandboxEnv(t))
	tokensBefore := s.stats(t)["cgi-bin/token"]
	mustStatus(t, call(t, "POST", s.wx+"/sandbox/expire", "", map[string]string{"what": "access_token"}), 200)
	got := s.decrypt(t, user, added)
	if got[0].Error != nil || got[0].Code == "" {
		t.Fatalf("decrypt after expiry = %+v, want success", got[0])
	}
	if d := s.stats(t)["cgi-bin/token"] - tokensBefore; d != 1 {
		t.Errorf("token refreshes after expiry = %d, want 1", d)
	}
}

func TestTransientWeChatFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       map[string]any
		wantCalls   map[string]int // extra calls per path beyond a fault-free decrypt
		wantRefresh int
	}{
		{"system busy once is retried", map[string]any{"path": "card/code/decrypt", "errcode": -1, "times": 1},
			map[string]int{"card/code/decrypt": 2, "card/code/get": 1}, 0},
		{"http 500 once is retried", map[string]any{"path": "card/code/get", "http_status": 500, "times": 1},
			map[string]int{"card/code/decrypt": 1, "card/code/get": 2}, 0},
		{"40001 once refreshes the token once", map[string]any{"path": "card/code/get", "errcode": 40001, "times": 1},
			map[string]int{"card/code/decrypt": 1, "card/code/get": 2}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, user, added := newFlowServer(t, sandboxEnv(t))
			before := s.stats(t)
			s.fault(t, tt.fault)
			got := s.decrypt(t, user, added)
			if got[0].Error != nil || got[0].Code == "" {
				t.Fatalf("decrypt = %+v, want success", got[0])
			}
			after := s.stats(t)
			for path, want := range tt.wantCalls {
				if d := after[path] - before[path]; d != want {
					t.Errorf("%s calls = %d, want %d", path, d, want)
				}
			}
			if d := after["cgi-bin/token"] - before["cgi-bin/token"]; d != tt.wantRefresh {
				t.Errorf("token refreshes = %d, want %d", d, tt.wantRefresh)
			}
		})
	}
}

// WeChat slower than WECHAT_TIMEOUT gives 504 upstream_unavailable, not a hang.
func TestSlowWeChatTimesOut(t *testing.T) {
	t.Parallel()
	env := sandboxEnv(t)
	env["WECHAT_TIMEOUT"] = "400ms"
	s := startServer(t, env)
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)
	card := s.createCard(t, admin, nil)
	user := s.userLogin(t, "oSlow")
	s.fault(t, map[string]any{"path": "cgi-bin/ticket/getticket", "delay_ms": 3000, "times": 5})
	start := time.Now()
	r := call(t, "POST", s.base+"/api/v1/card-ext", user, map[string]any{"cards": []map[string]any{{"card_id": card}}})
	if r.status != 504 || r.errCode() != "upstream_unavailable" {
		t.Errorf("card-ext with slow WeChat = %d %s, want 504 upstream_unavailable", r.status, r.body)
	}
	if elapsed := time.Since(start); elapsed > 2500*time.Millisecond {
		t.Errorf("card-ext took %v with a 400ms WeChat timeout; the fault delays 3s", elapsed)
	}
}

// A WeChat refusal is passed on as upstream_error with WeChat's errcode.
func TestWeChatRefusalIsUpstreamError(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	admin := s.adminLogin(t, sandboxAdminUser, sandboxAdminPassword)
	s.fault(t, map[string]any{"path": "card/create", "errcode": 40076, "times": 1})
	r := call(t, "POST", s.base+"/admin/v1/cards", admin, cardDef(nil))
	if r.status != 502 || r.errCode() != "upstream_error" {
		t.Fatalf("create refused by WeChat = %d %s, want 502 upstream_error", r.status, r.body)
	}
	var e struct {
		Error struct {
			Details struct {
				Errcode int `json:"wechat_errcode"`
			} `json:"details"`
		} `json:"error"`
	}
	r.decode(t, &e)
	if e.Error.Details.Errcode != 40076 {
		t.Errorf("wechat_errcode = %d, want 40076", e.Error.Details.Errcode)
	}
}

// WeChat unreachable (connection refused) is 503 upstream_unavailable, not a hang.
func TestUnreachableWeChatIs503(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.Redis(t)
	env := productionEnv(t, testenv.MySQLDSN(t), prefix, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
	env["WECHAT_TIMEOUT"] = "2s"
	s := startServer(t, env)
	r := call(t, "POST", s.base+"/api/v1/auth/login", "", map[string]string{"code": "any"})
	if r.status != 503 || r.errCode() != "upstream_unavailable" {
		t.Errorf("login with WeChat unreachable = %d %s, want 503 upstream_unavailable", r.status, r.body)
	}
	if r := call(t, "GET", s.base+"/readyz", "", nil); r.status != 503 || !strings.Contains(string(r.body), `"wechat":"failing"`) {
		t.Errorf("readyz with WeChat unreachable = %d %s, want 503 naming wechat", r.status, r.body)
	}
}
