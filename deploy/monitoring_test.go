package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// promtool is Debian's (package prometheus; scripts/ensure-monitoring.sh). It
// is skipped where missing, except under CI=true, where that fails.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is required under CI=true: bash scripts/ensure-monitoring.sh")
		}
		t.Skip("SKIP: promtool not installed; bash scripts/ensure-monitoring.sh")
	}
	return p
}

// The alert rules are valid, and alerts_test.yml's cases (which alert fires on
// which series, with which labels and text) hold.
func TestAlertRules(t *testing.T) {
	t.Parallel()
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "alerts.yml"},
		{"test", "rules", "alerts_test.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "prometheus"
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// The dashboard is Grafana JSON whose panels all query the templated
// Prometheus data source and filter on $job (the metric names are checked
// against the service in cmd/server/monitoring_test.go).
func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("grafana/coupon-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr       string `json:"expr"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if d.UID == "" || d.Title == "" {
		t.Error("the dashboard needs a uid and a title")
	}
	graphs := 0
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		graphs++
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if tg.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q queries data source %q, want ${datasource}", p.Title, tg.Datasource.UID)
			}
			if !containsAll(tg.Expr, `job="$job"`, `instance=~"$instance"`) {
				t.Errorf("panel %q: %s does not filter on $job and $instance", p.Title, tg.Expr)
			}
		}
	}
	if graphs < 15 {
		t.Errorf("%d panels, want the 15 or more of docs/operations.md", graphs)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

// The compose load balancer refuses /metrics before it reaches a replica,
// before the catch-all location (nginx tries regex locations before prefixes).
func TestNginxHidesMetrics(t *testing.T) {
	t.Parallel()
	ng := nginxConf(t)
	for _, want := range []string{"location = /metrics { return 404; }", "location ~* ^/metrics(/|$) { return 404; }"} {
		if !strings.Contains(ng, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
}
