package main

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// Every metric the Grafana dashboard and the Prometheus alert rules in
// deploy/ query is one the service exports: after a little traffic of every
// kind (a card, card-ext, a login, a 商家券 stock, a refused WeChat Pay
// notification), each name appears in /metrics.
func TestMonitoringUsesRealMetrics(t *testing.T) {
	t.Parallel()
	names := map[string][]string{} // metric → where it is used
	for _, f := range monitoringQueries(t) {
		for _, n := range metricNames(f.query) {
			names[n] = append(names[n], f.where)
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d metric names in the dashboard and rules: %v", len(names), names)
	}

	m := startPayMerchant(t, nil)
	card := m.createCard(t, m.admin, nil)                                         // card/create: access_token
	m.cardExt(t, m.userLogin(t, "o-monitoring"), map[string]any{"card_id": card}) // jscode2session, api_ticket
	m.createStock(t, stockBody("NORMAL"))                                         // WeChat Pay
	call(t, "POST", m.base+"/wechatpay/callback", "", `{"id":"x"}`)               // refused: a notification result
	r := call(t, "GET", m.base+"/metrics", "", nil)
	mustStatus(t, r, 200)
	exported := map[string]bool{}
	for line := range strings.Lines(string(r.body)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			exported[line[:i]] = true
		}
	}
	for n, where := range names {
		if n == "up" { // Prometheus's own series for every scrape target
			continue
		}
		if !exported[n] {
			t.Errorf("%s (used in %s) is not in /metrics", n, strings.Join(slices.Compact(where), ", "))
		}
	}
}

type query struct{ where, query string }

// monitoringQueries are the PromQL expressions of the alert rules and of the
// dashboard's panels and variables.
func monitoringQueries(t *testing.T) []query {
	t.Helper()
	var out []query
	raw, err := os.ReadFile("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			out = append(out, query{"alert " + r.Alert, r.Expr})
		}
	}
	raw, err = os.ReadFile("../../deploy/grafana/coupon-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			out = append(out, query{"panel " + p.Title, tg.Expr})
		}
	}
	for _, v := range dash.Templating.List {
		if v.Definition != "" {
			out = append(out, query{"variable " + v.Name, v.Definition})
		}
	}
	return out
}

var (
	promStrings     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers    = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGroupings   = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promLabelValues = regexp.MustCompile(`label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)?[^,)]*,\s*[a-zA-Z_]\w*\s*\)`)
	promIdent       = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords    = []string{"and", "or", "unless", "bool", "offset", "inf", "nan"}
)

// metricNames are the metric names a PromQL expression (or a Grafana
// label_values query) reads: identifiers outside strings, label matchers,
// ranges and groupings that are not functions or keywords.
func metricNames(expr string) []string {
	var names []string
	for _, m := range promLabelValues.FindAllStringSubmatch(expr, -1) {
		if m[1] != "" {
			names = append(names, m[1])
		}
	}
	expr = promLabelValues.ReplaceAllString(expr, " ")
	expr = promStrings.ReplaceAllString(expr, `""`)
	expr = promMatchers.ReplaceAllString(expr, " ")
	expr = promGroupings.ReplaceAllString(expr, " ")
	for _, loc := range promIdent.FindAllStringIndex(expr, -1) {
		// Not the tail of a number (400e6) or of a $variable.
		if i := loc[0]; i > 0 && strings.ContainsRune("0123456789.$", rune(expr[i-1])) {
			continue
		}
		id, rest := expr[loc[0]:loc[1]], strings.TrimLeft(expr[loc[1]:], " \t\n")
		if strings.HasPrefix(rest, "(") || slices.Contains(promKeywords, strings.ToLower(id)) {
			continue // a function or an operator
		}
		names = append(names, id)
	}
	return names
}

func TestMetricNames(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string][]string{
		`sum by (route, status) (rate(http_requests_total{job="$job",status=~"[45].."}[$__rate_interval]))`:            {"http_requests_total"},
		`histogram_quantile(0.99, sum by (le, api) (rate(wechat_call_duration_seconds_bucket{job="coupon"}[5m]))) > 1`: {"wechat_call_duration_seconds_bucket"},
		`a_total / on (job) b_total > 400e6 and bool c`:                                                                {"a_total", "b_total", "c"},
		`label_values(http_requests_total{job="$job"}, instance)`:                                                      {"http_requests_total"},
		`max(go_sql_in_use_connections{db_name="coupon"} / go_sql_max_open_connections) > 0.9`:                         {"go_sql_in_use_connections", "go_sql_max_open_connections"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%s) = %v, want %v", expr, got, want)
		}
	}
}
