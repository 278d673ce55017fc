package metrics_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/metrics"
)

var methodLabel = regexp.MustCompile(`method="([^"]*)"`)

// series scrapes m's /metrics and returns, for the series of family (a line
// prefix such as "http_requests_total{"), how many there are and their method
// labels.
func series(t *testing.T, m *metrics.Metrics, family string) (n int, methods map[string]bool) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	if err != nil || rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d, %v", rec.Code, err)
	}
	methods = map[string]bool{}
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, family) {
			continue
		}
		n++
		if sm := methodLabel.FindStringSubmatch(line); sm != nil {
			methods[sm[1]] = true
		}
	}
	return n, methods
}

// The families ObserveRequest writes to; the histogram's _count has one line per series.
var requestFamilies = []string{"http_requests_total{", "http_request_duration_seconds_count{"}

var standard = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace}

func TestStandardMethodsKeepTheirLabel(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	for _, method := range standard {
		m.ObserveRequest("/v1/x", method, http.StatusOK, time.Millisecond)
	}
	for _, family := range requestFamilies {
		n, methods := series(t, m, family)
		if n != len(standard) {
			t.Errorf("%s: %d series, want %d", family, n, len(standard))
		}
		for _, method := range standard {
			if !methods[method] {
				t.Errorf("%s: no series with method %q (have %v)", family, method, methods)
			}
		}
	}
}

func TestMadeUpMethodsAddAtMostOneSeries(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	for _, method := range standard {
		m.ObserveRequest("/v1/x", method, http.StatusOK, time.Millisecond)
	}
	before := map[string]int{}
	for _, family := range requestFamilies {
		before[family], _ = series(t, m, family)
	}
	for i := range 50 {
		m.ObserveRequest("/v1/x", fmt.Sprintf("MADEUP%d", i), http.StatusOK, time.Millisecond)
	}
	for _, family := range requestFamilies {
		n, methods := series(t, m, family)
		if n > before[family]+1 {
			t.Errorf("%s: %d series after 50 made-up methods, want at most %d (methods %v)",
				family, n, before[family]+1, methods)
		}
		if !methods["OTHER"] {
			t.Errorf("%s: made-up methods not counted as OTHER (have %v)", family, methods)
		}
	}
}

func TestMethodsAreCaseSensitive(t *testing.T) {
	t.Parallel()
	m := metrics.New()
	m.ObserveRequest("/v1/x", "get", http.StatusOK, time.Millisecond)
	for _, family := range requestFamilies {
		if _, methods := series(t, m, family); !methods["OTHER"] || methods["get"] || methods["GET"] {
			t.Errorf("%s: method \"get\" labelled %v, want OTHER", family, methods)
		}
	}
}
