package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// freePort returns a loopback port nobody listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(t *testing.T, port int, up bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if c != nil {
			c.Close()
		}
		if (err == nil) == up {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("port %d did not become up=%v", port, up)
}

// spare is a server process the test owns on a spare port, so it can stop and
// start it; the shared MariaDB and Redis are never touched.
type spare struct {
	t     *testing.T
	port  int
	args  []string
	bin   string
	cmd   *exec.Cmd
	label string
}

func (s *spare) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, s.args...)
	s.cmd.Stdout, s.cmd.Stderr = nil, nil
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.label, err)
	}
	waitListening(s.t, s.port, true)
}

func (s *spare) stop() {
	s.t.Helper()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
	waitListening(s.t, s.port, false)
}

func lookBin(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if _, err := os.Stat(n); err == nil {
			return n
		}
	}
	unavailableTool(t, names[0])
	return ""
}

func unavailableTool(t *testing.T, name string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true (make test installs it)", name)
	}
	t.Skipf("SKIP: %s not installed; run `make test`", name)
}

// spareRedis runs a private redis-server on a spare port.
func spareRedis(t *testing.T) *spare {
	t.Helper()
	port := freePort(t)
	s := &spare{t: t, port: port, bin: lookBin(t, "redis-server", "/usr/bin/redis-server"), label: "redis",
		args: []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir()}}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// spareMariaDB runs a private mariadbd on a spare port over a fresh data
// directory (no grant tables: anyone on loopback may connect).
func spareMariaDB(t *testing.T) (*spare, string) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	install := lookBin(t, "mariadb-install-db", "/usr/bin/mariadb-install-db")
	out, err := exec.Command(install, "--no-defaults", "--datadir="+data, "--user=root",
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := freePort(t)
	s := &spare{t: t, port: port, bin: lookBin(t, "mariadbd", "/usr/sbin/mariadbd"), label: "mariadb",
		args: []string{"--no-defaults", "--datadir=" + data, "--port=" + fmt.Sprint(port), "--bind-address=127.0.0.1",
			"--socket=" + filepath.Join(dir, "sock"), "--pid-file=" + filepath.Join(dir, "pid"), "--user=root",
			"--skip-grant-tables", "--innodb-buffer-pool-size=16M", "--skip-log-bin"}}
	s.start()
	t.Cleanup(s.stop)
	return s, fmt.Sprintf("root:@tcp(127.0.0.1:%d)/mysql?parseTime=true&charset=utf8mb4", port)
}
