package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// statusKB reads a "Vm…:  123 kB" line of /proc/<pid>/status.
func statusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			fs := strings.Fields(rest)
			if len(fs) == 0 {
				break
			}
			return strconv.ParseInt(fs[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// resetPeak resets the process's VmHWM to its current RSS (Linux ≥ 4.0:
// writing 5 to clear_refs), so that a phase's peak is its own.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// cpuTime is the user plus system CPU time the process has used so far.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(raw, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fs := strings.Fields(string(raw[i+1:]))
	// fs[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fs) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(fs[11], 10, 64)
	st, err2 := strconv.ParseInt(fs[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// findProcess returns the pid of the first process whose command name is one
// of names (for MariaDB and Redis, which the benchmark does not start), or 0.
func findProcess(names ...string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(comm))
		for _, n := range names {
			if name == n {
				pid, _ := strconv.Atoi(filepath.Base(d))
				return pid
			}
		}
	}
	return 0
}

// watched is a process whose CPU use a phase reports.
type watched struct {
	name string
	pid  int
}

// cpuSnapshot is the CPU time of each watched process at one moment.
type cpuSnapshot struct {
	at   time.Time
	used map[string]time.Duration
}

// Pseudo-processes of the whole machine, from /proc/stat: CPU time spent in
// processes (user, nice, system, steal) and in interrupts (irq, softirq, where
// much of the loopback network work lands).
const (
	machineName = "machine"
	irqName     = "irq"
)

// machineCPU is the CPU time all cores spent in processes and in interrupts
// since boot, from the first line of /proc/stat.
func machineCPU() (procs, irq time.Duration, err error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	fs := strings.Fields(line)
	if len(fs) < 9 || fs[0] != "cpu" {
		return 0, 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var n [8]int64 // user nice system idle iowait irq softirq steal
	for i := range n {
		if n[i], err = strconv.ParseInt(fs[i+1], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
	}
	tick := func(t int64) time.Duration { return time.Duration(t) * time.Second / clockTicks }
	return tick(n[0] + n[1] + n[2] + n[7]), tick(n[5] + n[6]), nil
}

func snapshot(ws []watched) cpuSnapshot {
	s := cpuSnapshot{at: time.Now(), used: map[string]time.Duration{}}
	if p, irq, err := machineCPU(); err == nil {
		s.used[machineName], s.used[irqName] = p, irq
	}
	for _, w := range ws {
		if d, err := cpuTime(w.pid); err == nil {
			s.used[w.name] = d
		}
	}
	return s
}

// cores is the CPU each process used between a and b, in cores (1.0 = one
// core busy all the time).
func cores(a, b cpuSnapshot, ws []watched) map[string]float64 {
	wall := b.at.Sub(a.at).Seconds()
	out := map[string]float64{}
	if wall <= 0 {
		return out
	}
	for _, w := range append(ws, watched{name: machineName}, watched{name: irqName}) {
		x, ok1 := a.used[w.name]
		y, ok2 := b.used[w.name]
		if ok1 && ok2 {
			out[w.name] = (y - x).Seconds() / wall
		}
	}
	return out
}

// rssWatch samples a process's RSS until stopped; its peak is the larger of
// the samples and the kernel's VmHWM (reset at the start when possible).
type rssWatch struct {
	pid        int
	cumulative bool // VmHWM could not be reset: it covers the process's life
	mu         sync.Mutex
	maxKB      int64
	stop       chan struct{}
	done       chan struct{}
}

func watchRSS(pid int) *rssWatch {
	w := &rssWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	w.cumulative = resetPeak(pid) != nil
	go func() {
		defer close(w.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if kb, err := statusKB(pid, "VmRSS"); err == nil {
				w.mu.Lock()
				w.maxKB = max(w.maxKB, kb)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// peakMB stops the sampling and returns the phase's peak RSS in MiB.
func (w *rssWatch) peakMB() float64 {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	peak := w.maxKB
	w.mu.Unlock()
	if hwm, err := statusKB(w.pid, "VmHWM"); err == nil {
		peak = max(peak, hwm)
	}
	return float64(peak) / 1024
}

// timeWaitLifetime is how long Linux keeps a closed TCP connection in
// TIME_WAIT (TCP_TIMEWAIT_LEN).
const timeWaitLifetime = 60 * time.Second

// closedSince counts, per port, the loopback TCP connections to or from that
// port that were closed within the last d: sockets in TIME_WAIT (state 06)
// whose timer (field tm->when, in USER_HZ) has more than 60 s − d to run. It
// shows connection churn: a pool that closes and reopens connections under
// load leaves one such socket per close.
func closedSince(d time.Duration, ports ...int) map[int]int {
	out := map[int]int{}
	minLeft := int64((timeWaitLifetime - d) * clockTicks / time.Second)
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			if len(fs) < 6 || fs[3] != "06" {
				continue
			}
			timer, left, ok := strings.Cut(fs[5], ":")
			if !ok || timer != "03" {
				continue
			}
			n, err := strconv.ParseInt(left, 16, 64)
			if err != nil || n < minLeft {
				continue
			}
			lp, rp := portOf(fs[1]), portOf(fs[2])
			for _, p := range ports {
				if lp == p || rp == p {
					out[p]++
				}
			}
		}
		f.Close()
	}
	return out
}

// portOf is the port of an /proc/net/tcp address ("0100007F:1F90").
func portOf(addr string) int {
	_, hexPort, ok := strings.Cut(addr, ":")
	if !ok {
		return -1
	}
	n, err := strconv.ParseInt(hexPort, 16, 32)
	if err != nil {
		return -1
	}
	return int(n)
}
