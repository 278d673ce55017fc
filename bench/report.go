package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Targets of the issue, on a 2-core machine.
const (
	targetCardExtRatio = 0.60
	targetCardExtP99   = 20 * time.Millisecond
	targetDecryptRPS   = 2000
	targetPeakRSSMB    = 100
	// 商家券 and member cards (issues 12 and 13).
	targetSendParamsRatio = 0.60
	targetConfirmRPS      = 2000
	targetLedgerRPS       = 1000
)

type report struct {
	opts    options
	started time.Time
	watched []watched
	results []result
	// loadBefore is /proc/loadavg when the run began, before the builds.
	loadBefore string
	ports      []portName
}

func (r report) find(name string) (result, bool) {
	for _, x := range r.results {
		if x.name == name {
			return x, true
		}
	}
	return result{}, false
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func check(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func (r report) markdown() string {
	var b strings.Builder
	o := r.opts
	fmt.Fprintf(&b, "\n## Load benchmark, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d cores (%s), %s memory, %s, %s/%s.  \n", runtime.NumCPU(), cpuModel(), memTotal(),
		runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "Load average before the run: %s.  \n", r.loadBefore)
	fmt.Fprintf(&b, "Run: %d connections (closed loop, keep-alive), %v warm-up + %v window per phase, %d users, %d codes received beforehand",
		o.conns, o.warmup, o.duration, o.users, o.codes)
	if o.wrkLoad() {
		fmt.Fprintf(&b, ", load generator `%s` (wrk: %d thread(s), %s)", o.load, o.wrkThreads, wrkVersion())
	}
	if _, ok := r.find("coupons-confirm"); ok {
		fmt.Fprintf(&b, ", %d coupons issued beforehand", o.coupons)
	}
	if o.cards > 1 {
		fmt.Fprintf(&b, ", spread over %d cards (experiment)", o.cards)
	}
	if o.mysqlParams != "" {
		fmt.Fprintf(&b, ", server DSN + `%s` (experiment)", o.mysqlParams)
	}
	if o.pprof {
		b.WriteString(", server built with a pprof listener and profiled")
	}
	b.WriteString(".\n\n")

	ceiling, hasCeiling := r.find("ceiling")
	b.WriteString("| target | connections | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms | peak RSS MB | × ceiling |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.results {
		ratio := "–"
		// A phase driven by wrk is compared with the ceiling driven by wrk.
		ceil, ok := ceiling, hasCeiling
		if strings.HasSuffix(x.name, wrkSuffix) {
			ceil, ok = r.find("ceiling" + wrkSuffix)
		}
		if ok && ceil.rps() > 0 && !strings.HasPrefix(x.name, "ceiling") {
			ratio = fmt.Sprintf("%.2f", x.rps()/ceil.rps())
		}
		name := x.name
		if x.exhausted {
			name += " (codes ran out)"
		}
		rss := fmt.Sprintf("%.1f", x.peakRSSMB)
		if x.rssCumul {
			rss += " (cumulative)"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.0f | %s | %s | %s | %s | %s | %s |\n", name, x.conns, x.requests, x.errors,
			x.rps(), ms(x.p50), ms(x.p90), ms(x.p99), ms(x.max), rss, ratio)
	}
	b.WriteString("\nPeak RSS is the measured process's (the ceiling server for `ceiling`, the service otherwise), " +
		"VmHWM reset at the start of each phase. Window: requests completed in it; errors are non-200 answers, " +
		"transport errors and 200s without the expected content.\n\n")

	b.WriteString("Targets:\n\n")
	if ce, ok := r.find("card-ext"); ok && hasCeiling && ceiling.rps() > 0 {
		ratio := ce.rps() / ceiling.rps()
		fmt.Fprintf(&b, "- card-ext ≥ %.0f%% of the ceiling: %.1f%% (%.0f of %.0f req/s): %s\n", 100*targetCardExtRatio,
			100*ratio, ce.rps(), ceiling.rps(), check(ratio >= targetCardExtRatio))
	}
	if ce, ok := r.find("card-ext"); ok {
		fmt.Fprintf(&b, "- card-ext p99 < %v at %d connections: %s ms: %s\n", targetCardExtP99, ce.conns, ms(ce.p99),
			check(ce.p99 < targetCardExtP99 && ce.errors == 0))
	}
	if ce, ok := r.find("card-ext" + wrkSuffix); ok {
		if cw, ok := r.find("ceiling" + wrkSuffix); ok && cw.rps() > 0 {
			ratio := ce.rps() / cw.rps()
			fmt.Fprintf(&b, "- card-ext ≥ %.0f%% of the ceiling, both driven by wrk: %.1f%% (%.0f of %.0f req/s): %s\n", 100*targetCardExtRatio,
				100*ratio, ce.rps(), cw.rps(), check(ratio >= targetCardExtRatio))
		}
		fmt.Fprintf(&b, "- card-ext p99 < %v at %d connections, driven by wrk: %s ms: %s\n", targetCardExtP99, ce.conns, ms(ce.p99),
			check(ce.p99 < targetCardExtP99 && ce.errors == 0))
	}
	if d, ok := r.find("decrypt" + wrkSuffix); ok {
		fmt.Fprintf(&b, "- decrypt (new codes) ≥ %d req/s, driven by wrk: %.0f req/s: %s\n", targetDecryptRPS, d.rps(),
			check(d.rps() >= targetDecryptRPS && d.errors == 0 && !d.exhausted))
	}
	if d, ok := r.find("decrypt"); ok {
		fmt.Fprintf(&b, "- decrypt (new codes) ≥ %d req/s: %.0f req/s: %s\n", targetDecryptRPS, d.rps(),
			check(d.rps() >= targetDecryptRPS && d.errors == 0))
	}
	if sp, ok := r.find("send-coupon-params"); ok && hasCeiling && ceiling.rps() > 0 {
		ratio := sp.rps() / ceiling.rps()
		fmt.Fprintf(&b, "- send-coupon-params ≥ %.0f%% of the ceiling: %.1f%% (%.0f of %.0f req/s): %s\n", 100*targetSendParamsRatio,
			100*ratio, sp.rps(), ceiling.rps(), check(ratio >= targetSendParamsRatio && sp.errors == 0))
	}
	if c, ok := r.find("coupons-confirm"); ok {
		fmt.Fprintf(&b, "- coupons-confirm (new coupons) ≥ %d per second: %.0f coupons per second (%.0f confirms of %d per second): %s\n",
			targetConfirmRPS, c.itemsPerSecond(), c.rps(), c.perRequest, check(c.itemsPerSecond() >= targetConfirmRPS && c.errors == 0))
		fmt.Fprintf(&b, "- coupons-confirm, nothing lost or doubled: %s: %s\n", c.verify, check(c.verified))
	}
	if l, ok := r.find("ledger"); ok {
		fmt.Fprintf(&b, "- ledger ≥ %d changes per second: %.0f per second: %s\n", targetLedgerRPS, l.rps(),
			check(l.rps() >= targetLedgerRPS && l.errors == 0))
		fmt.Fprintf(&b, "- ledger sums: %s: %s\n", l.verify, check(l.verified))
	}
	peak := 0.0
	for _, x := range r.results {
		if !strings.HasPrefix(x.name, "ceiling") {
			peak = max(peak, x.peakRSSMB)
		}
	}
	fmt.Fprintf(&b, "- server peak RSS < %d MB: %.1f MB: %s\n", targetPeakRSSMB, peak, check(peak < targetPeakRSSMB))

	fmt.Fprintf(&b, "\nCPU used in each window, in cores (the machine has %d). From /proc: \"other\" is what processes "+
		"outside the benchmark used (other work on the machine), \"irq\" interrupt time (much of the loopback network "+
		"work), \"idle\" what was left:\n\n", runtime.NumCPU())
	b.WriteString("| phase |")
	for _, w := range r.watched {
		fmt.Fprintf(&b, " %s |", w.name)
	}
	b.WriteString(" other | irq | idle |\n|---|")
	for range r.watched {
		b.WriteString("---:|")
	}
	b.WriteString("---:|---:|---:|\n")
	for _, x := range r.results {
		fmt.Fprintf(&b, "| %s |", x.name)
		ours := 0.0
		for _, w := range r.watched {
			c, ok := x.cpu[w.name]
			if !ok {
				b.WriteString(" – |")
				continue
			}
			ours += c
			fmt.Fprintf(&b, " %.2f |", c)
		}
		m, ok1 := x.cpu[machineName]
		irq, ok2 := x.cpu[irqName]
		if ok1 && ok2 {
			fmt.Fprintf(&b, " %.2f | %.2f | %.2f |\n", max(0, m-ours), irq, max(0, float64(runtime.NumCPU())-m-irq))
		} else {
			b.WriteString(" – | – | – |\n")
		}
	}

	b.WriteString("\nIn each window, per second: MariaDB's server-wide counters (SHOW GLOBAL STATUS; other clients " +
		"of the server count too) and loopback TCP connections closed to or from each peer (TIME_WAIT sockets; a pool " +
		"that closes and reopens connections under load shows here):\n\n")
	b.WriteString("| phase | queries | commits | row lock waits | row lock ms | deadlocks | new DB connections |")
	for _, pn := range r.ports {
		fmt.Fprintf(&b, " closed: %s |", pn.name)
	}
	b.WriteString("\n|---|---:|---:|---:|---:|---:|---:|")
	for range r.ports {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, x := range r.results {
		fmt.Fprintf(&b, "| %s |", x.name)
		for _, c := range []string{"Questions", "Com_commit", "Innodb_row_lock_waits", "Innodb_row_lock_time", "Innodb_deadlocks", "Connections"} {
			if v, ok := x.db[c]; ok {
				fmt.Fprintf(&b, " %.0f |", v)
			} else {
				b.WriteString(" – |")
			}
		}
		for _, pn := range r.ports {
			if v, ok := x.closed[pn.name]; ok {
				fmt.Fprintf(&b, " %.0f |", v)
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}

	var notes []string
	for _, x := range r.results {
		if x.warmupErrors > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d errors during the warm-up", x.name, x.warmupErrors))
		}
		for _, s := range x.errSamples {
			notes = append(notes, fmt.Sprintf("%s: %s", x.name, s))
		}
		if x.profile != "" {
			notes = append(notes, fmt.Sprintf("%s: server CPU profile of the window in %s (`go tool pprof -top %s`)", x.name, x.profile, x.profile))
		}
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(n, "\n", " "))
		}
	}
	return b.String()
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	raw, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			var kb int64
			if _, err := fmt.Sscan(strings.TrimSpace(rest), &kb); err == nil {
				return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return "unknown"
}

func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fs := strings.Fields(string(raw))
	if len(fs) < 3 {
		return "unknown"
	}
	return strings.Join(fs[:3], " ")
}
