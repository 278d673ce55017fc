package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// binaries are the programs the benchmark runs, built for this run.
type binaries struct {
	server, sandbox, ceiling string
}

// pprofOverlay is added to package main of cmd/server, at build time only and
// only with -pprof, through `go build -overlay`: it serves net/http/pprof on
// BENCH_PPROF_ADDR, a loopback port apart from the service's. The repository's
// server has no profiling endpoint and is not changed.
const pprofOverlay = `package main

import (
	"net"
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

func init() { benchServePprof() }

func benchServePprof() {
	addr := os.Getenv("BENCH_PPROF_ADDR")
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		panic("BENCH_PPROF_ADDR: " + err.Error())
	}
	go func() { _ = http.Serve(ln, nil) }()
}
`

// build compiles the server, the standalone emulator and the ceiling into dir.
// With pprof the server gets the profiling endpoint above.
func build(ctx context.Context, root, dir string, pprof bool) (binaries, error) {
	b := binaries{
		server:  filepath.Join(dir, "server"),
		sandbox: filepath.Join(dir, "wxsandbox"),
		ceiling: filepath.Join(dir, "ceiling"),
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return b, fmt.Errorf("the go command is needed to build the server: %w", err)
	}
	serverArgs := []string{"build", "-o", b.server}
	if pprof {
		src := filepath.Join(dir, "zz_benchpprof.go")
		if err := os.WriteFile(src, []byte(pprofOverlay), 0o644); err != nil {
			return b, err
		}
		overlay, err := json.Marshal(map[string]map[string]string{
			"Replace": {filepath.Join(root, "cmd", "server", "zz_benchpprof.go"): src},
		})
		if err != nil {
			return b, err
		}
		ov := filepath.Join(dir, "overlay.json")
		if err := os.WriteFile(ov, overlay, 0o644); err != nil {
			return b, err
		}
		serverArgs = append(serverArgs, "-overlay", ov)
	}
	for _, args := range [][]string{
		append(serverArgs, "./cmd/server"),
		{"build", "-o", b.sandbox, "./cmd/wxsandbox"},
		{"build", "-o", b.ceiling, "./bench/ceiling"},
	} {
		cmd := exec.CommandContext(ctx, goTool, args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return b, nil
}

// moduleRoot is the directory of the go.mod of the current directory's module.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run loadbench from the repository (no go.mod found)")
	}
	return filepath.Dir(mod), nil
}

// child is a process the benchmark started; its output goes to a log file.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// start runs bin with env (only env: the parent's environment is not passed
// on, apart from a few variables) and its output in logDir.
func start(name, bin string, env map[string]string, logDir string) (*child, error) {
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = childAttr()
	for _, k := range []string{"PATH", "HOME", "TMPDIR", "GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks the process to shut down (SIGTERM), and kills it after grace.
func (c *child) stop(grace time.Duration) {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// logTail is the end of the child's output, for error messages.
func (c *child) logTail() string {
	raw, err := os.ReadFile(c.log)
	if err != nil {
		return ""
	}
	if len(raw) > 2000 {
		raw = raw[len(raw)-2000:]
	}
	return string(raw)
}

// waitHTTP polls url until it answers 200, the child exits or timeout passes.
func waitHTTP(ctx context.Context, c *child, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if c.exited() {
			return fmt.Errorf("%s exited (%v) before %s answered; its output:\n%s", c.name, c.err, url, c.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s within %v; its output:\n%s", c.name, url, timeout, c.logTail())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
