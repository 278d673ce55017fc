// Package metrics is the service's Prometheus instrumentation, on a registry of
// its own (no global state), served at /metrics.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the service's collectors.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	wechatCalls *prometheus.CounterVec
	wechatTime  *prometheus.HistogramVec
	refreshes   *prometheus.CounterVec
	cache       *prometheus.CounterVec
	pay         *payCollectors // WeChat Pay calls and notifications (wechatpay.go)
}

// New registers the collectors, plus Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request latency by route and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		wechatCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_calls_total", Help: "WeChat API calls by API and errcode (-2: no usable answer).",
		}, []string{"api", "errcode"}),
		wechatTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wechat_call_duration_seconds", Help: "WeChat API call latency by API.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"api"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wechat_credential_refreshes_total", Help: "access_token and api_ticket fetched from WeChat.",
		}, []string{"what"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cache_requests_total", Help: "Cache reads by result: hit, miss or error.",
		}, []string{"result"}),
	}
	m.pay = newPayCollectors(m.registry)
	m.registry.MustRegister(m.requests, m.latency, m.wechatCalls, m.wechatTime, m.refreshes, m.cache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchDBPool exports the database pool's statistics as go_sql_* with
// db_name="coupon" (open, in use, idle, waits).
func (m *Metrics) WatchDBPool(db *sql.DB) {
	m.registry.MustRegister(collectors.NewDBStatsCollector(db, "coupon"))
}

// WatchOutbox exports the consumption outbox's depth as last drained:
// consume_outbox_entries{state="intent"|"confirmed"}.
func (m *Metrics) WatchOutbox(depth func() (intents, confirmed int64)) {
	g := func(confirmed bool) func() float64 {
		return func() float64 {
			i, c := depth()
			if confirmed {
				return float64(c)
			}
			return float64(i)
		}
	}
	for state, confirmed := range map[string]bool{"intent": false, "confirmed": true} {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "consume_outbox_entries",
			Help:        "Consumptions in the outbox at its last drain: intent (in flight or unfinished), confirmed (WeChat consumed, the store has not taken it yet).",
			ConstLabels: prometheus.Labels{"state": state},
		}, g(confirmed)))
	}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ObserveRequest counts one HTTP request; route is the route pattern, never the raw path.
// The method is the client's; any but the standard ones is counted as "OTHER".
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	method = methodLabel(method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// methodLabel maps a request method to a bounded set of label values: the
// standard methods as they are (methods are case-sensitive), anything else
// "OTHER", so a client cannot mint a series per made-up method.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// ObserveWeChatCall counts one WeChat call and its errcode.
func (m *Metrics) ObserveWeChatCall(api string, errcode int, d time.Duration) {
	m.wechatCalls.WithLabelValues(api, strconv.Itoa(errcode)).Inc()
	m.wechatTime.WithLabelValues(api).Observe(d.Seconds())
}

// ObserveRefresh counts one credential fetched from WeChat.
func (m *Metrics) ObserveRefresh(what string) { m.refreshes.WithLabelValues(what).Inc() }

// CountGet records the outcome of a cache read.
func (m *Metrics) CountGet(ok bool, err error) {
	switch {
	case err != nil:
		m.cache.WithLabelValues("error").Inc()
	case ok:
		m.cache.WithLabelValues("hit").Inc()
	default:
		m.cache.WithLabelValues("miss").Inc()
	}
}
