package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// phase is one target driven by a closed loop: conns workers, each sending
// its next request as soon as the previous answer is read, over keep-alive
// connections (one per worker). Requests that complete in the timed window
// after the warm-up are counted.
type phase struct {
	name     string
	url      string
	conns    int
	warmup   time.Duration
	duration time.Duration
	// maxRequests bounds the requests the phase sends, warm-up included.
	maxRequests int64
	// next returns worker w's next request body and bearer token (empty: none);
	// ok is false when the supply is exhausted, which ends the phase early.
	next func(w int) (body []byte, token string, ok bool)
	// nextURL, when set, replaces next for phases whose URL changes with the
	// request (a member's code in the path).
	nextURL func(w int) (url string, body []byte, token string, ok bool)
	// get sends GETs (no body) instead of POSTs.
	get bool
	// answered, when set, replaces check and also tells which worker's
	// answer it is (phases that follow a chain of pages).
	answered func(w int, body []byte) error
	// check says whether a 200 answer is a success; nil accepts any 200.
	check func(body []byte) error
	// atWindow is called when the timed window starts and when it ends.
	atWindow func(start bool)
	// perRequest is how many items (coupons) one successful request carries;
	// 0 and 1: one.
	perRequest int
	// wrk, when set, drives the phase with wrk instead of the Go workers (wrk.go).
	wrk *wrkSpec
}

// result is what a phase measured in its timed window.
type result struct {
	name         string
	conns        int
	requests     int64 // completed in the window, errors included
	errors       int64
	warmupErrors int64
	window       time.Duration
	exhausted    bool // the supply of requests ran out before the window's end
	p50, p90     time.Duration
	p99, max     time.Duration
	mean         time.Duration
	errSamples   []string
	peakRSSMB    float64
	rssCumul     bool
	cpu          map[string]float64
	db           map[string]float64 // MariaDB counters per second in the window
	closed       map[string]float64 // connections closed per second, by peer
	profile      string
	verify       string // what was checked after the phase (rows, sums)
	verified     bool
	perRequest   int           // items per request (coupons-confirm: coupons)
	wrkCPU       time.Duration // CPU wrk used in the window (wrk phases)
}

func (r result) rps() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64(r.requests) / r.window.Seconds()
}

// itemsPerSecond counts the items of the successful requests in the window.
func (r result) itemsPerSecond() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64((r.requests-r.errors)*int64(max(1, r.perRequest))) / r.window.Seconds()
}

// worker's own tallies, merged at the end (no sharing in the hot loop).
type tally struct {
	lat          []time.Duration
	errors       int64
	warmupErrors int64
	samples      []string
	lastEnd      time.Time
}

func newClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// run drives the phase and returns its measurements.
func (p phase) run(ctx context.Context) result {
	if p.wrk != nil {
		return p.runWrk(ctx)
	}
	client := newClient(p.conns)
	defer client.CloseIdleConnections()
	begin := time.Now()
	t0 := begin.Add(p.warmup)
	t1 := t0.Add(p.duration)

	var (
		issued    atomic.Int64
		exhausted atomic.Bool
		wg        sync.WaitGroup
		tallies   = make([]tally, p.conns)
	)
	for w := range p.conns {
		wg.Go(func() {
			t := &tallies[w]
			t.lat = make([]time.Duration, 0, 4096)
			var buf bytes.Buffer
			for ctx.Err() == nil && time.Now().Before(t1) && !exhausted.Load() {
				if issued.Add(1) > p.maxRequests {
					return
				}
				url := p.url
				var body []byte
				var token string
				var ok bool
				if p.nextURL != nil {
					url, body, token, ok = p.nextURL(w)
				} else {
					body, token, ok = p.next(w)
				}
				if !ok {
					exhausted.Store(true)
					return
				}
				method, reqBody := http.MethodPost, io.Reader(bytes.NewReader(body))
				if p.get {
					method, reqBody = http.MethodGet, nil
				}
				req, err := http.NewRequestWithContext(ctx, method, url, reqBody)
				if err != nil {
					panic(err) // the URL is ours
				}
				req.Header.Set("Content-Type", "application/json")
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				start := time.Now()
				resp, err := client.Do(req)
				status := 0
				if err == nil {
					status = resp.StatusCode
					buf.Reset()
					_, err = buf.ReadFrom(resp.Body)
					resp.Body.Close()
				}
				end := time.Now()
				var failure string
				switch {
				case err != nil:
					failure = err.Error()
				case status != http.StatusOK:
					failure = fmt.Sprintf("status %d: %.200s", status, buf.Bytes())
				case p.answered != nil:
					if cerr := p.answered(w, buf.Bytes()); cerr != nil {
						failure = fmt.Sprintf("%v: %.200s", cerr, buf.Bytes())
					}
				case p.check != nil:
					if cerr := p.check(buf.Bytes()); cerr != nil {
						failure = fmt.Sprintf("%v: %.200s", cerr, buf.Bytes())
					}
				}
				if ctx.Err() != nil || end.After(t1) {
					return // not in the window
				}
				if end.Before(t0) {
					if failure != "" {
						t.warmupErrors++
						if len(t.samples) < 2 {
							t.samples = append(t.samples, "warm-up: "+failure)
						}
					}
					continue
				}
				t.lat = append(t.lat, end.Sub(start))
				t.lastEnd = end
				if failure != "" {
					t.errors++
					if len(t.samples) < 2 {
						t.samples = append(t.samples, failure)
					}
				}
			}
		})
	}

	// The window's edges, for CPU snapshots and profiles.
	windowDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(windowDone)
	}()
	started := false
	select {
	case <-time.After(time.Until(t0)):
		started = true
		if p.atWindow != nil {
			p.atWindow(true)
		}
		select {
		case <-time.After(time.Until(t1)):
		case <-windowDone:
		}
		if p.atWindow != nil {
			p.atWindow(false)
		}
	case <-windowDone: // ended during the warm-up (exhausted, bounded or cancelled)
	}
	<-windowDone

	r := result{name: p.name, conns: p.conns, exhausted: exhausted.Load(), perRequest: max(1, p.perRequest)}
	var all []time.Duration
	var lastEnd time.Time
	for i := range tallies {
		t := &tallies[i]
		all = append(all, t.lat...)
		r.errors += t.errors
		r.warmupErrors += t.warmupErrors
		for _, s := range t.samples {
			if len(r.errSamples) < 5 && !slices.Contains(r.errSamples, s) {
				r.errSamples = append(r.errSamples, s)
			}
		}
		if t.lastEnd.After(lastEnd) {
			lastEnd = t.lastEnd
		}
	}
	r.requests = int64(len(all))
	switch {
	case !started:
		r.window = 0
	case r.exhausted || issued.Load() > p.maxRequests || ctx.Err() != nil:
		if lastEnd.After(t0) {
			r.window = lastEnd.Sub(t0)
		}
	default:
		r.window = p.duration
	}
	if len(all) > 0 {
		slices.Sort(all)
		var sum time.Duration
		for _, d := range all {
			sum += d
		}
		r.mean = sum / time.Duration(len(all))
		r.p50, r.p90, r.p99 = percentile(all, 0.50), percentile(all, 0.90), percentile(all, 0.99)
		r.max = all[len(all)-1]
	}
	return r
}

// percentile is the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
