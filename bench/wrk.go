package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// wrkPhases are the phases -load wrk|both can drive with wrk: those whose
// requests are a fixed URL with a body and a bearer token taken from a list.
var wrkPhases = map[string]bool{"ceiling": true, "card-ext": true, "decrypt": true, "decrypt-repeat": true}

// wrkSuffix marks a result measured with wrk.
const wrkSuffix = " (wrk)"

// wrkSpec is how a phase is driven with wrk instead of the Go workers.
type wrkSpec struct {
	bin     string
	threads int
	dir     string // where the request list and the script are written
	reqs    []received
	// once: every request is sent at most once (new codes); otherwise the
	// list is sent round and round.
	once bool
	// want is a string a 200 answer must contain; checked in Lua only when set
	// (a response() callback costs wrk a Lua call per answer).
	want string
	// noError: an answer containing "error" is a failure (decrypt's items).
	noError bool
}

// wrkScript drives POSTs from a list of "token\tbody" lines, each wrk thread
// taking every threads-th line, and prints the summary as one JSON line.
// Lines are formatted once in init(), so request() only picks the next one.
const wrkScript = `-- written by go run ./bench (bench/wrk.go)
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs, i, once, want, noerror
failures = 0
exhausted = 0
function init(args)
  once = args[1] == "once"
  local nthreads = tonumber(args[3])
  want = args[4] or ""
  noerror = args[5] == "noerror"
  reqs = {}
  local k = 0
  for line in io.lines(args[2]) do
    if k % nthreads == id then
      local token, body = line:match("^([^\t]*)\t(.*)$")
      local headers = {["Content-Type"] = "application/json"}
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      reqs[#reqs + 1] = wrk.format("POST", nil, headers, body)
    end
    k = k + 1
  end
  i = 0
end

function request()
  i = i + 1
  if i > #reqs then
    if once then
      exhausted = 1
      wrk.thread:stop()
      i = #reqs
    else
      i = 1
    end
  end
  return reqs[i]
end

--RESPONSE--

function done(summary, latency, requests)
  local f, ex = 0, 0
  for _, t in ipairs(threads) do
    f = f + (t:get("failures") or 0)
    ex = ex + (t:get("exhausted") or 0)
  end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"failures":%d,"exhausted":%d,"p50":%.0f,"p90":%.0f,"p99":%.0f,"max":%.0f,"mean":%.0f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, f, ex,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`

// wrkResponse counts the 200s that lack the expected content (and, with
// noerror, those that contain an item error).
const wrkResponse = `function response(status, headers, body)
  if status ~= 200 or not body:find(want, 1, true) or (noerror and body:find('"error"', 1, true)) then
    failures = failures + 1
  end
end`

// wrkSummary is what the script's done() prints; times in microseconds.
type wrkSummary struct {
	Requests   int64   `json:"requests"`
	DurationUS int64   `json:"duration_us"`
	Connect    int64   `json:"connect"`
	Read       int64   `json:"read"`
	Write      int64   `json:"write"`
	Status     int64   `json:"status"`
	Timeout    int64   `json:"timeout"`
	Failures   int64   `json:"failures"`
	Exhausted  int64   `json:"exhausted"`
	P50        float64 `json:"p50"`
	P90        float64 `json:"p90"`
	P99        float64 `json:"p99"`
	Max        float64 `json:"max"`
	Mean       float64 `json:"mean"`
}

func us(v float64) time.Duration { return time.Duration(v * float64(time.Microsecond)) }

// findWrk is the wrk binary, or an error saying how to get it.
func findWrk() (string, error) {
	bin, err := exec.LookPath("wrk")
	if err != nil {
		return "", errors.New("wrk not found: install it (Debian: apt-get install wrk, or bash scripts/ensure-wrk.sh)")
	}
	return bin, nil
}

// writeFiles writes the request list and the script for one wrk run.
func (s *wrkSpec) writeFiles(name string) (script, list string, err error) {
	base := filepath.Join(s.dir, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(name))
	list = base + ".requests"
	f, err := os.Create(list)
	if err != nil {
		return "", "", err
	}
	w := bufio.NewWriter(f)
	for _, r := range s.reqs {
		if bytes.ContainsAny(r.body, "\t\n") || strings.ContainsAny(r.token, "\t\n") {
			f.Close()
			return "", "", errors.New("wrk: a request body or token holds a tab or newline")
		}
		fmt.Fprintf(w, "%s\t%s\n", r.token, r.body)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", "", err
	}
	if err := f.Close(); err != nil {
		return "", "", err
	}
	resp := ""
	if s.want != "" {
		resp = wrkResponse
	}
	script = base + ".lua"
	return script, list, os.WriteFile(script, []byte(strings.Replace(wrkScript, "--RESPONSE--", resp, 1)), 0o644)
}

// runWrk drives the phase with wrk: a warm-up run (not for once-only lists,
// which it would use up), then the timed window. wrk's own CPU time goes into
// the result (wrkCPU).
func (p phase) runWrk(ctx context.Context) result {
	s := p.wrk
	r := result{name: p.name, conns: p.conns}
	fail := func(err error) result {
		r.errSamples = append(r.errSamples, "wrk: "+err.Error())
		r.errors = 1
		return r
	}
	if len(s.reqs) == 0 {
		return fail(errors.New("no requests to send"))
	}
	script, list, err := s.writeFiles(p.name)
	if err != nil {
		return fail(err)
	}
	threads := max(1, min(s.threads, p.conns))
	mode := "cycle"
	if s.once {
		mode = "once"
	}
	args := func(d time.Duration) []string {
		a := []string{"-t", fmt.Sprint(threads), "-c", fmt.Sprint(p.conns), "-d", fmt.Sprintf("%ds", max(1, int(d.Round(time.Second).Seconds()))),
			"--timeout", "30s", "-s", script, p.url, "--", mode, list, fmt.Sprint(threads), s.want}
		if s.noError {
			a = append(a, "noerror")
		}
		return a
	}
	if !s.once && p.warmup >= time.Second {
		if _, _, err := runWrkOnce(ctx, s.bin, args(p.warmup)); err != nil {
			r.warmupErrors = 1
			r.errSamples = append(r.errSamples, "wrk warm-up: "+err.Error())
		}
	}
	if p.atWindow != nil {
		p.atWindow(true)
	}
	sum, cpu, err := runWrkOnce(ctx, s.bin, args(p.duration))
	if p.atWindow != nil {
		p.atWindow(false)
	}
	if err != nil {
		return fail(err)
	}
	r.wrkCPU = cpu
	r.requests = sum.Requests
	r.errors = sum.Connect + sum.Read + sum.Write + sum.Timeout + max(sum.Status, sum.Failures)
	r.window = time.Duration(sum.DurationUS) * time.Microsecond
	r.exhausted = sum.Exhausted > 0
	r.p50, r.p90, r.p99, r.max, r.mean = us(sum.P50), us(sum.P90), us(sum.P99), us(sum.Max), us(sum.Mean)
	if r.errors > 0 {
		r.errSamples = append(r.errSamples, fmt.Sprintf("wrk errors: connect %d, read %d, write %d, timeout %d, status ≥ 400 %d, failed checks %d",
			sum.Connect, sum.Read, sum.Write, sum.Timeout, sum.Status, sum.Failures))
	}
	return r
}

// runWrkOnce runs wrk and returns its summary and the CPU it used.
func runWrkOnce(ctx context.Context, bin string, args []string) (wrkSummary, time.Duration, error) {
	var sum wrkSummary
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = childAttr()
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return sum, cpu, fmt.Errorf("wrk %s: %v: %.500s%.500s", strings.Join(args, " "), err, stderr.String(), out.String())
	}
	for line := range strings.Lines(out.String()) {
		if rest, ok := strings.CutPrefix(line, "WRKJSON "); ok {
			if err := json.Unmarshal([]byte(rest), &sum); err != nil {
				return sum, cpu, fmt.Errorf("wrk summary %q: %w", rest, err)
			}
			return sum, cpu, nil
		}
	}
	return sum, cpu, fmt.Errorf("wrk printed no summary: %.1000s", out.String())
}

// wrkName is wrk's column in the CPU table.
const wrkName = "wrk"

// wrkPhase measures phase name driven by wrk. pool is the decrypt phases'
// list of codes (new ones for decrypt, recorded ones for decrypt-repeat).
func wrkPhase(ctx context.Context, o options, name, bin, dir string, f *fixture, base, ceilAddr string,
	pool []received, ceil, srv *child, obs measureEnv) result {
	spec := &wrkSpec{bin: bin, threads: o.wrkThreads, dir: dir}
	p := phase{name: name + wrkSuffix, conns: o.conns, warmup: o.warmup, duration: o.duration, wrk: spec}
	measured := srv
	switch name {
	case "ceiling", "card-ext":
		// The Go workers' requests: worker w as user w mod users. Only the
		// status is checked, so that wrk runs no Lua per answer.
		body := f.cardExtBody(1)
		for w := range o.conns {
			spec.reqs = append(spec.reqs, received{token: f.users[w%len(f.users)].token, body: body})
		}
		p.url = base + "/api/v1/card-ext"
		if name == "ceiling" {
			p.url = "http://" + ceilAddr + "/ceiling"
			measured = ceil
		}
	case "decrypt", "decrypt-repeat":
		spec.reqs = pool
		spec.once = name == "decrypt"
		spec.want, spec.noError = `"status":"issued"`, true
		p.url = base + "/api/v1/codes/decrypt"
	}
	profile := ""
	if o.pprof && name != "ceiling" {
		profile = filepath.Join(o.profileDir, name+"-wrk.cpu.pprof")
	}
	return measure(ctx, p, measured, obs, profile)
}

// wrkVersion is the first line wrk prints about itself.
func wrkVersion() string {
	bin, err := findWrk()
	if err != nil {
		return "wrk not found"
	}
	out, _ := exec.Command(bin, "--version").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	if v, _, ok := strings.Cut(line, " ["); ok {
		return v
	}
	return strings.TrimSpace(line)
}
