package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// maxImageBytes is the budget for the runtime image (base, binaries, labels).
const maxImageBytes = 50 * 1000 * 1000

// TestImage builds the repository's Dockerfile, unchanged, with podman and runs
// the image against MariaDB and Redis on the host network: migrate, serve,
// health and readiness, the non-root user on a read-only root, and a request in
// flight when SIGTERM comes. No registry is reachable here, so it first makes
// local stand-ins under the Dockerfile's base image names (standins_test.go).
func TestImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the container image; not with -short")
	}
	pm := newPodman(t)
	pm.standIns(t)
	img := pm.build(t)

	t.Run("image", func(t *testing.T) {
		var info []struct {
			Size   int64
			Config struct {
				User       string
				Entrypoint []string
			}
			HealthCheck *struct{ Test []string }
		}
		if err := json.Unmarshal(pm.out(t, "image", "inspect", img), &info); err != nil || len(info) != 1 {
			t.Fatalf("image inspect: %v", err)
		}
		in := info[0]
		if in.Size <= 0 || in.Size > maxImageBytes {
			t.Errorf("image size %.1f MB, want at most %d MB", float64(in.Size)/1e6, maxImageBytes/1000/1000)
		}
		if in.Config.User != "65532:65532" {
			t.Errorf("user %q, want 65532:65532", in.Config.User)
		}
		// Without --format docker, OCI images drop the HEALTHCHECK.
		if in.HealthCheck == nil || !strings.Contains(strings.Join(in.HealthCheck.Test, " "), "/usr/local/bin/server healthcheck") {
			t.Errorf("healthcheck %+v, want the server's healthcheck subcommand", in.HealthCheck)
		}
	})

	// The standalone emulator, from the same image, is "WeChat".
	emuPort := freePort(t)
	emu := "http://127.0.0.1:" + emuPort
	pm.runDetached(t, "emulator", []string{"--entrypoint", "/usr/local/bin/wxsandbox", "-e", "SANDBOX_ADDR=127.0.0.1:" + emuPort}, img)
	waitHTTP(t, emu+"/sandbox/stats", 200)

	port := freePort(t)
	env := map[string]string{
		"HTTP_ADDR":             "127.0.0.1:" + port,
		"MYSQL_DSN":             testenv.MySQLDSN(t),
		"REDIS_URL":             testenv.RedisURL(),
		"REDIS_KEY_PREFIX":      testenv.RandomName("image") + ":",
		"WECHAT_APP_ID":         "wxsandbox",
		"WECHAT_APP_SECRET":     "sandbox-secret",
		"WECHAT_MINIAPP_ID":     "wxsandboxmini",
		"WECHAT_MINIAPP_SECRET": "sandbox-mini-secret",
		"WECHAT_API_BASE":       emu,
		"WECHAT_TIMEOUT":        "10s",
		"JWT_SECRET":            "image-test-secret-image-test-secret!",
		"ADMIN_USERNAME":        "boss",
		"ADMIN_PASSWORD":        "boss-password",
		"AUTO_MIGRATE":          "false",
	}
	var envArgs []string
	for k, v := range env {
		envArgs = append(envArgs, "-e", k+"="+v)
	}
	row := regexp.MustCompile(`(?m)^\d+\s+(applied|pending)\s`)
	states := func(out []byte) string {
		var s []string
		for _, m := range row.FindAllSubmatch(out, -1) {
			s = append(s, string(m[1]))
		}
		return strings.Join(s, ",")
	}

	t.Run("migrate", func(t *testing.T) {
		before := states(pm.out(t, append(append([]string{"run", "--rm"}, runFlags(envArgs)...), img, "migrate", "status")...))
		if before == "" || strings.Contains(before, "applied") {
			t.Fatalf("migrate status before: %q, want all pending", before)
		}
		pm.out(t, append(append([]string{"run", "--rm"}, runFlags(envArgs)...), img, "migrate")...)
		after := states(pm.out(t, append(append([]string{"run", "--rm"}, runFlags(envArgs)...), img, "migrate", "status")...))
		if strings.Contains(after, "pending") || len(after) == 0 {
			t.Fatalf("migrate status after: %q, want all applied", after)
		}
	})

	base := "http://127.0.0.1:" + port
	name := pm.runDetached(t, "server", envArgs, img)
	waitHTTP(t, base+"/healthz", 200)
	waitHTTP(t, base+"/readyz", 200)

	t.Run("runs as 65532 on a read-only root", func(t *testing.T) {
		pid := strings.TrimSpace(string(pm.out(t, "inspect", "--format", "{{.State.Pid}}", name)))
		status, err := os.ReadFile("/proc/" + pid + "/status")
		if err != nil {
			t.Fatalf("the server's process: %v", err)
		}
		uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)`).FindSubmatch(status)
		if uid == nil || string(uid[1]) != "65532" || string(uid[2]) != "65532" {
			t.Errorf("process uid %q, want 65532", uid)
		}
		if ro := strings.TrimSpace(string(pm.out(t, "inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name))); ro != "true" {
			t.Errorf("read-only root: %s, want true", ro)
		}
	})

	t.Run("healthcheck subcommand", func(t *testing.T) {
		pm.out(t, "exec", name, "/usr/local/bin/server", "healthcheck")
	})

	t.Run("SIGTERM drains a request in flight", func(t *testing.T) {
		token := adminToken(t, base)
		// card/create answers after 4 s: the request is in flight while the
		// container is told to stop.
		post(t, emu+"/sandbox/faults", "", map[string]any{"path": "card/create", "delay_ms": 4000, "times": 1}, 200)
		done := make(chan int, 1)
		go func() {
			resp, err := postRaw(base+"/admin/v1/cards", token, cardDef())
			if err != nil {
				t.Errorf("in-flight request: %v", err)
				done <- 0
				return
			}
			done <- resp
		}()
		waitFor(t, "card/create to reach the emulator", func() bool { return emulatorCalls(t, emu, "card/create") >= 1 })
		stopped := make(chan error, 1)
		go func() { stopped <- pm.cmd("stop", "-t", "30", name).Run() }()
		if got := <-done; got != 200 {
			t.Errorf("in-flight request across SIGTERM: status %d, want 200", got)
		}
		if err := <-stopped; err != nil {
			t.Errorf("podman stop: %v", err)
		}
		// 0: the server drained and returned; 137 would be the grace period's kill.
		if code := strings.TrimSpace(string(pm.out(t, "inspect", "--format", "{{.State.ExitCode}}", name))); code != "0" {
			t.Errorf("exit code after SIGTERM: %s, want 0", code)
		}
	})
}

// podman runs podman with the settings this machine needs: runc, and a
// containers.conf without default ulimits (the sandbox refuses to raise them).
type podman struct {
	env  []string
	repo string
}

func newPodman(t *testing.T) *podman {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("podman is not installed: scripts/ensure-podman.sh (make test) installs it")
		}
		t.Skip("podman is not installed (scripts/ensure-podman.sh installs it)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image test runs on Linux")
	}
	conf := filepath.Join(t.TempDir(), "containers.conf")
	if err := os.WriteFile(conf, []byte("[containers]\ndefault_ulimits = []\n[engine]\nruntime = \"runc\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &podman{env: append(os.Environ(), "CONTAINERS_CONF="+conf), repo: mustAbs(t, "..")}
}

func (p *podman) cmd(args ...string) *exec.Cmd {
	c := exec.Command("podman", append([]string{"--runtime", "runc"}, args...)...)
	c.Env = p.env
	return c
}

// out runs podman and returns its stdout; a failure ends the test with stderr.
func (p *podman) out(t *testing.T, args ...string) []byte {
	t.Helper()
	c := p.cmd(args...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("podman %s: %v\n%s\n%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// runFlags are how every container of the test runs: the host's network (MariaDB,
// Redis and the emulator on 127.0.0.1) and a read-only root.
func runFlags(extra []string) []string {
	return append([]string{"--network", "host", "--read-only"}, extra...)
}

// runDetached starts a container that the test removes at its end, logging its
// output when the test failed.
func (p *podman) runDetached(t *testing.T, role string, extra []string, img string) string {
	t.Helper()
	name := testenv.RandomName("coupon-" + role)
	p.out(t, append(append([]string{"run", "-d", "--name", name}, runFlags(extra)...), img)...)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := p.cmd("logs", name).CombinedOutput()
			t.Logf("%s logs:\n%s", role, logs)
		}
		_ = p.cmd("rm", "-f", "-t", "0", name).Run()
	})
	return name
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 2 minutes for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitHTTP(t *testing.T, url string, want int) {
	t.Helper()
	waitFor(t, url+" to answer "+strconv.Itoa(want), func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == want
	})
}

func postRaw(url, token string, body any) (int, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func post(t *testing.T, url, token string, body any, want int) []byte {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, out, want)
	}
	return out
}

func adminToken(t *testing.T, base string) string {
	t.Helper()
	var out struct{ Token string }
	if err := json.Unmarshal(post(t, base+"/admin/v1/auth/login", "", map[string]string{"username": "boss", "password": "boss-password"}, 200), &out); err != nil || out.Token == "" {
		t.Fatalf("admin login: %v", err)
	}
	return out.Token
}

func emulatorCalls(t *testing.T, emu, path string) int {
	t.Helper()
	resp, err := http.Get(emu + "/sandbox/stats")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var stats struct{ Calls map[string]int }
	_ = json.NewDecoder(resp.Body).Decode(&stats)
	return stats.Calls[path]
}

// cardDef is a valid GENERAL_COUPON definition (api.md, POST /admin/v1/cards).
func cardDef() map[string]any {
	now := time.Now().Unix()
	return map[string]any{"card": map[string]any{
		"card_type": "GENERAL_COUPON",
		"general_coupon": map[string]any{"default_detail": "满100减10", "base_info": map[string]any{
			"logo_url": "http://mmbiz.qpic.cn/mmbiz/demo/0", "code_type": "CODE_TYPE_TEXT",
			"brand_name": "微信餐厅", "title": "10元代金券", "color": "Color010",
			"notice": "使用时向服务员出示此券", "description": "不可与其他优惠同享",
			"sku":       map[string]any{"quantity": 100},
			"date_info": map[string]any{"type": "DATE_TYPE_FIX_TIME_RANGE", "begin_timestamp": now - 3600, "end_timestamp": fmt.Sprint(now + 30*86400)},
			"get_limit": 5,
		}},
	}}
}
