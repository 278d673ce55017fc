package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// Three replicas on a Sentinel set keep serving card-ext while the sentinels
// move the master, asked to (SENTINEL FAILOVER) or because it was killed:
// requests started once the new master is named all succeed, those in the
// failover window are counted (and bound), and the WeChat credentials are
// still fetched once in all.
func TestSentinelFailoverUnderLoad(t *testing.T) {
	t.Parallel()
	for name, move := range map[string]func(*testenv.RedisTopo, context.Context) (string, error){
		"SENTINEL FAILOVER": (*testenv.RedisTopo).Failover,
		"master killed":     (*testenv.RedisTopo).KillMaster,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sentinelFailoverUnderLoad(t, move)
		})
	}
}

func sentinelFailoverUnderLoad(t *testing.T, move func(*testenv.RedisTopo, context.Context) (string, error)) {
	topo := testenv.RedisSentinel(t) // its own: the failover must not disturb other tests
	wx := emulator(t)
	env := productionEnv(t, testenv.MySQLDSN(t), testenv.RandomName("coupon-test-")+":", wx)
	topo.Env(env)
	// Counted in Redis on every request, so the load writes through the failover.
	env["RATE_LIMIT_PER_MINUTE"] = "1000000"
	var servers []*server
	for i := 0; i < 3; i++ {
		e := map[string]string{}
		for k, v := range env {
			e[k] = v
		}
		servers = append(servers, startServer(t, e))
	}
	admin := servers[0].adminLogin(t, "boss", "boss-password")
	card := servers[0].createCard(t, admin, nil)
	const workers = 6
	var users []string
	for i := 0; i < workers; i++ {
		users = append(users, servers[i%3].userLogin(t, fmt.Sprintf("oFailover%d", i)))
	}
	body, _ := json.Marshal(map[string]any{"cards": []map[string]any{{"card_id": card}}})

	// Phases: 0 before the failover, 1 while it runs, 2 once the new master is named.
	var phase atomic.Int32
	var ok, failed [3]atomic.Int64
	var mu sync.Mutex
	var errs [3][]string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := phase.Load()
				err := cardExtOnce(client, servers[(w+i)%3].base, users[w], body)
				if err == nil {
					ok[p].Add(1)
					continue
				}
				failed[p].Add(1)
				mu.Lock()
				errs[p] = append(errs[p], err.Error())
				mu.Unlock()
			}
		}(w)
	}
	waitCount := func(p int, n int64) {
		for ok[p].Load()+failed[p].Load() < n {
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitCount(0, 100)
	phase.Store(1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	old, _ := topo.MasterAddr(ctx)
	newMaster, err := move(topo, ctx)
	if err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("failover: %v", err)
	}
	phase.Store(2)
	waitCount(2, 300)
	close(stop)
	wg.Wait()

	t.Logf("master %s -> %s; card-ext before: %d ok, %d failed; during the failover: %d ok, %d failed; after: %d ok, %d failed",
		old, newMaster, ok[0].Load(), failed[0].Load(), ok[1].Load(), failed[1].Load(), ok[2].Load(), failed[2].Load())
	if n := failed[0].Load(); n != 0 {
		t.Errorf("%d card-ext failed before the failover: %v", n, errs[0])
	}
	if n := failed[2].Load(); n != 0 {
		t.Errorf("%d card-ext failed after the new master was named: %v", n, errs[2])
	}
	// Inside the window a request may meet the old master demoted or gone; the
	// cache degrades to the process's own copy, so at most the requests then in
	// flight, one per worker, may fail.
	if n := failed[1].Load(); n > workers {
		t.Errorf("%d card-ext failed during the failover, want at most %d (one in flight per worker): %v", n, workers, errs[1])
	}
	stats := servers[0].stats(t)
	if got := stats["cgi-bin/token"]; got != 1 {
		t.Errorf("cgi-bin/token calls = %d, want 1 (no refresh doubled by the failover)", got)
	}
	if got := stats["cgi-bin/ticket/getticket"]; got != 1 {
		t.Errorf("cgi-bin/ticket/getticket calls = %d, want 1", got)
	}
	for _, s := range servers {
		if r := call(t, "GET", s.base+"/readyz", "", nil); r.status != 200 || !strings.Contains(string(r.body), `"cache":"ok"`) {
			t.Errorf("readyz after the failover = %d %s, want 200 with the cache ok (on the new master)", r.status, r.body)
		}
	}
}

// cardExtOnce posts one card-ext; any answer but 200 is an error.
func cardExtOnce(c *http.Client, base, token string, body []byte) error {
	req, err := http.NewRequest("POST", base+"/api/v1/card-ext", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%d %s", resp.StatusCode, raw)
	}
	return nil
}
