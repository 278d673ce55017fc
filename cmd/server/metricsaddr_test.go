package main

import (
	"net"
	"strings"
	"testing"
)

// freeLoopback is a loopback address whose port was free a moment ago.
func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// By default /metrics is on the main port, as the contract has it.
func TestMetricsOnTheMainPortByDefault(t *testing.T) {
	t.Parallel()
	s := startServer(t, sandboxEnv(t))
	mustStatus(t, call(t, "GET", s.base+"/healthz", "", nil), 200)
	r := call(t, "GET", s.base+"/metrics", "", nil)
	mustStatus(t, r, 200)
	for _, want := range []string{
		`http_requests_total{method="GET",route="/healthz",status="200"}`,
		`go_sql_open_connections{db_name="coupon"}`, // the DB pool
		`consume_outbox_entries{state="confirmed"} 0`,
		`consume_outbox_entries{state="intent"} 0`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// With METRICS_ADDR, /metrics moves to its own listener: the main port
// answers 404 in the envelope, the metrics port serves the same registry.
func TestMetricsAddrMovesMetricsOffTheMainPort(t *testing.T) {
	t.Parallel()
	addr := freeLoopback(t)
	env := sandboxEnv(t)
	env["METRICS_ADDR"] = addr
	s := startServer(t, env)
	mustStatus(t, call(t, "GET", s.base+"/healthz", "", nil), 200)

	r := call(t, "GET", s.base+"/metrics", "", nil)
	mustStatus(t, r, 404)
	if r.errCode() != "not_found" {
		t.Errorf("main port /metrics = %s, want the not_found envelope", r.body)
	}
	r = call(t, "GET", "http://"+addr+"/metrics", "", nil)
	mustStatus(t, r, 200)
	body := string(r.body)
	for _, want := range []string{
		`http_requests_total{method="GET",route="/healthz",status="200"}`,
		`http_requests_total{method="GET",route="unmatched",status="404"}`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics port lacks %s", want)
		}
	}
	// Only /metrics is there.
	mustStatus(t, call(t, "GET", "http://"+addr+"/healthz", "", nil), 404)
}
