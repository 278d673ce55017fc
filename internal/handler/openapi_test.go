package handler

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/goccy/go-yaml"

	"github.com/wxcoupon/coupon/internal/auth"
	"github.com/wxcoupon/coupon/internal/metrics"
	"github.com/wxcoupon/coupon/internal/service"
)

// allRoutes builds the router with every optional part switched on.
func allRoutes(t *testing.T) *gin.Engine {
	t.Helper()
	h := New(Deps{
		JWT: auth.NewJWT("0123456789abcdef0123456789abcdef", nil), Events: &service.Events{}, Members: &service.Members{},
		Metrics: metrics.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Console: testConsole,
	})
	return h.(*gin.Engine)
}

var ginParam = regexp.MustCompile(`[:*]([a-z_]+)`)

// TestOpenAPIMatchesRoutes fails when a registered route is missing from
// openapi.yaml or the document names a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range allRoutes(t).Routes() {
		if strings.HasPrefix(r.Path, "/sandbox/") { // the emulator: documented in api.md
			continue
		}
		registered[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, stale []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml: %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf("openapi.yaml names routes that do not exist: %v", stale)
	}
	if len(registered) < 25 {
		t.Errorf("only %d routes registered; the router did not come up whole", len(registered))
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	allRoutes(t).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "openapi: 3") {
		t.Errorf("GET /openapi.yaml = %d %.40q", rec.Code, rec.Body.String())
	}
}

func TestMetricsCountRoutesNotPaths(t *testing.T) {
	t.Parallel()
	r := allRoutes(t)
	for _, p := range []string{"/healthz", "/healthz", "/admin/v1/codes/123456789012"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, p, nil))
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{method="GET",route="/healthz",status="200"} 2`,
		`http_requests_total{method="GET",route="/admin/v1/codes/:code",status="401"} 1`,
		`http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "123456789012") {
		t.Error("a raw code reached a metric label")
	}
}
