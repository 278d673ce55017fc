package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// portName names a port whose connection churn a phase reports.
type portName struct {
	name string
	port int
}

func portOfAddr(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// measureEnv is what measure observes besides the load.
type measureEnv struct {
	watch     []watched
	db        *mysqlAdmin
	pprofAddr string
	ports     []portName
}

// measure runs one phase, with the peak RSS of the measured process, the CPU
// use of every watched process in the window, MariaDB's counters, the
// connections closed to the emulator, MariaDB and Redis, and, when asked, a
// CPU profile.
func measure(ctx context.Context, p phase, measured *child, env measureEnv, profile string) result {
	logf("phase %s: %d connections, %v warm-up + %v", p.name, p.conns, p.warmup, p.duration)
	rss := watchRSS(measured.pid())
	var (
		before, after cpuSnapshot
		dbBefore      map[string]int64
		dbAfter       map[string]int64
		closed        map[int]int
		profDone      chan error
	)
	p.atWindow = func(start bool) {
		if start {
			before = snapshot(env.watch)
			dbBefore = env.db.status(ctx)
			if profile != "" && env.pprofAddr != "" {
				profDone = make(chan error, 1)
				go func() { profDone <- fetchProfile(ctx, env.pprofAddr, p.duration, profile) }()
			}
			return
		}
		after = snapshot(env.watch)
		dbAfter = env.db.status(ctx)
		ports := make([]int, len(env.ports))
		for i, pn := range env.ports {
			ports[i] = pn.port
		}
		closed = closedSince(after.at.Sub(before.at), ports...)
	}
	r := p.run(ctx)
	r.peakRSSMB = rss.peakMB()
	r.rssCumul = rss.cumulative
	if !before.at.IsZero() && !after.at.IsZero() {
		r.cpu = cores(before, after, env.watch)
		secs := after.at.Sub(before.at).Seconds()
		if r.wrkCPU > 0 && secs > 0 {
			r.cpu[wrkName] = r.wrkCPU.Seconds() / secs
		}
		r.db = map[string]float64{}
		for _, c := range dbCounters {
			x, ok1 := dbBefore[c]
			y, ok2 := dbAfter[c]
			if ok1 && ok2 && secs > 0 {
				r.db[c] = float64(y-x) / secs
			}
		}
		r.closed = map[string]float64{}
		for _, pn := range env.ports {
			if secs > 0 {
				r.closed[pn.name] = float64(closed[pn.port]) / secs
			}
		}
	}
	if profDone != nil {
		if err := <-profDone; err != nil {
			logf("phase %s: profile: %v", p.name, err)
		} else {
			r.profile = profile
		}
	}
	logf("phase %s: %d requests, %d errors, %.0f req/s, p50 %v, p99 %v", p.name, r.requests, r.errors, r.rps(),
		r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond))
	if r.errors+r.warmupErrors > 0 {
		logf("phase %s had errors; the end of the %s's output:\n%s", p.name, measured.name, measured.logTail())
	}
	if measured.exited() {
		logf("%s exited during phase %s (%v); its output:\n%s", measured.name, p.name, measured.err, measured.logTail())
	}
	return r
}

// fetchProfile saves the server's CPU profile over d to path.
func fetchProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	secs := max(1, int(d.Seconds()))
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs)
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func wantBytes(s string) func([]byte) error {
	b := []byte(s)
	return func(body []byte) error {
		if !bytes.Contains(body, b) {
			return fmt.Errorf("answer lacks %s", s)
		}
		return nil
	}
}

// decryptOK accepts an answer whose one item was recorded (an item can fail
// inside a 200, e.g. code_not_owned).
func decryptOK(body []byte) error {
	if bytes.Contains(body, []byte(`"error"`)) || !bytes.Contains(body, []byte(`"status":"issued"`)) {
		return errors.New("the item was not recorded")
	}
	return nil
}

// recordAll decrypts codes once (for decrypt-repeat run without decrypt).
func recordAll(ctx context.Context, a api, base string, codes []received) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for _, c := range codes {
		g.Go(func() error {
			if err := a.post(gctx, base+"/api/v1/codes/decrypt", c.token, json.RawMessage(c.body), nil); err != nil {
				return fmt.Errorf("decrypt: %w", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// supply hands out received codes to the decrypt workers: each once, or
// round and round (cycle) for the idempotent re-posts.
type supply struct {
	codes []received
	cycle bool
	taken atomic.Int64
}

func newSupply(codes []received, cycle bool) *supply { return &supply{codes: codes, cycle: cycle} }

func (s *supply) next(int) ([]byte, string, bool) {
	if len(s.codes) == 0 {
		return nil, "", false
	}
	i := s.taken.Add(1) - 1
	if i >= int64(len(s.codes)) {
		if !s.cycle {
			return nil, "", false
		}
		i %= int64(len(s.codes))
	}
	c := s.codes[i]
	return c.body, c.token, true
}

// used are the codes handed out so far (sent at least once).
func (s *supply) used() []received {
	return s.codes[:min(int(s.taken.Load()), len(s.codes))]
}
