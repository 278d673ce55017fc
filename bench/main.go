// Command loadbench is the service's load benchmark (docs/benchmarks.md):
//
//	go run ./bench -duration 15s -connections 64
//
// It builds cmd/server, cmd/wxsandbox and a bare Gin "ceiling" server, starts
// them on free loopback ports (the server against a fresh MariaDB database, a
// fresh Redis key prefix and the standalone emulator, rate limit off), creates a
// card, signs users in, has them receive codes through card-ext and the
// emulator's wx.addCard, and then drives, one after the other, with a closed
// loop of -connections keep-alive connections:
//
//	ceiling         POST /ceiling on the bare Gin server (fixed JSON)
//	card-ext        POST /api/v1/card-ext, one card
//	decrypt         POST /api/v1/codes/decrypt, one code each, every code new
//	decrypt-repeat  the same codes again (idempotent: already recorded)
//	send-coupon-params  POST /api/v1/send-coupon-params, one running 商家券 stock
//	coupons-confirm POST /api/v1/coupons/confirm, the ten new coupons of one
//	                plugin call each, posted once by their holder (issued
//	                beforehand through send-coupon-params and the emulator's
//	                plugin); the coupons rows are counted at the end
//	ledger          POST /admin/v1/members/{code}/bonus, +1 point with a new
//	                request_id, each worker on members of its own; every
//	                member's points are checked at the end
//
// The server is configured with the emulator's WeChat Pay merchant
// (WECHATPAY_*, from sandbox/pay/merchant).
//
// It prints a Markdown table (requests, errors, req/s, p50/p99, the measured
// process's peak RSS) and whether the targets are met, then stops everything,
// drops the database and deletes the Redis keys, also on Ctrl-C. All traffic
// stays on 127.0.0.1; every phase is bounded in time and in requests.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

type options struct {
	duration    time.Duration
	warmup      time.Duration
	conns       int
	users       int
	codes       int
	coupons     int
	phases      string
	maxRequests int64
	timeout     time.Duration
	mysql       string
	mysqlParams string
	cards       int
	redis       string
	pprof       bool
	profileDir  string
	out         string
	load        string // go, wrk or both: which load generator drives the phases wrk can drive
	wrkThreads  int
	database    string
	pageSize    int
}

func (o options) goLoad() bool  { return o.load != "wrk" }
func (o options) wrkLoad() bool { return o.load != "go" }

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadbench", flag.ContinueOnError)
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "timed window of each phase")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "warm-up before each phase's window (not counted)")
	fs.IntVar(&o.conns, "connections", 64, "concurrent keep-alive connections (closed-loop workers)")
	fs.IntVar(&o.users, "users", 0, "distinct users signed in (default 4 × connections)")
	fs.IntVar(&o.codes, "codes", 0, "codes received beforehand for the decrypt phase (default 4000 × (warmup+duration) seconds)")
	fs.IntVar(&o.coupons, "coupons", 0, "coupons issued beforehand for the coupons-confirm phase (default 4000 × (warmup+duration) seconds)")
	fs.StringVar(&o.phases, "phases", "ceiling,card-ext,decrypt,decrypt-repeat", "phases to run, in order (also: send-coupon-params, coupons-confirm, ledger)")
	fs.Int64Var(&o.maxRequests, "max-requests", 5_000_000, "upper bound on the requests of one phase")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "upper bound on the whole run")
	fs.StringVar(&o.mysql, "mysql", "root:@tcp(127.0.0.1:3306)/", "MySQL/MariaDB server (DSN ending in /); a fresh database is made and dropped")
	fs.StringVar(&o.mysqlParams, "mysql-params", "", "extra DSN parameters for the server, e.g. interpolateParams=false (an experiment: the default is the service's own DSN)")
	fs.IntVar(&o.cards, "decrypt-cards", 1, "cards the decrypt codes are spread over (an experiment: 1 is one campaign card)")
	fs.StringVar(&o.redis, "redis", "redis://127.0.0.1:6379/0", "Redis; a fresh key prefix is used and its keys deleted")
	fs.BoolVar(&o.pprof, "pprof", false, "capture the server's CPU profile in the card-ext and decrypt windows (server built with a pprof listener)")
	fs.StringVar(&o.profileDir, "profile-dir", "", "where -pprof writes profiles (default: a new temp directory)")
	fs.StringVar(&o.out, "out", "", "also write the report to this file")
	fs.StringVar(&o.load, "load", "go", "load generator for ceiling, card-ext, decrypt and decrypt-repeat: go, wrk (Debian's wrk, driven by a Lua script) or both (each phase twice, side by side)")
	fs.IntVar(&o.wrkThreads, "wrk-threads", 1, "wrk threads (-t); its connections are -connections")
	fs.StringVar(&o.database, "database", "", "use this existing database (e.g. filled by go run ./bench/seed) instead of a fresh one; the run's own rows are deleted at the end")
	fs.IntVar(&o.pageSize, "page", 100, "page size of the card-codes phases")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case o.duration <= 0 || o.warmup < 0:
		return o, errors.New("-duration must be > 0 and -warmup ≥ 0")
	case o.conns < 1 || o.conns > 4096:
		return o, errors.New("-connections must be 1…4096")
	case o.maxRequests < 1:
		return o, errors.New("-max-requests must be ≥ 1")
	case o.cards < 1 || o.cards > 100:
		return o, errors.New("-decrypt-cards must be 1…100")
	case o.load != "go" && o.load != "wrk" && o.load != "both":
		return o, errors.New("-load must be go, wrk or both")
	case o.wrkThreads < 1 || o.wrkThreads > 64:
		return o, errors.New("-wrk-threads must be 1…64")
	}
	if o.users <= 0 {
		o.users = 4 * o.conns
	}
	if o.codes <= 0 {
		o.codes = int(4000 * (o.warmup + o.duration).Seconds())
		if o.load == "both" {
			o.codes *= 2 // the Go phase's codes, then wrk's
		}
	}
	if o.coupons <= 0 {
		o.coupons = int(4000 * (o.warmup + o.duration).Seconds())
	}
	for _, p := range strings.Split(o.phases, ",") {
		switch p {
		case "ceiling", "card-ext", "decrypt", "decrypt-repeat", "send-coupon-params", "coupons-confirm", "ledger",
			"me-codes", "card-codes", "card-codes-cursor-last", "card-codes-offset-last", "code-lookup":
		default:
			return o, fmt.Errorf("-phases: unknown phase %q", p)
		}
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var cl cleanups
	err = run(ctx, o, &cl)
	cl.run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

// cleanups run last-in first-out, whatever happened.
type cleanups []func()

func (c *cleanups) add(f func()) { *c = append(*c, f) }

func (c *cleanups) run() {
	for i := len(*c) - 1; i >= 0; i-- {
		(*c)[i]()
	}
	*c = nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadbench: "+format+"\n", args...)
}

func run(ctx context.Context, o options, cl *cleanups) error {
	loadBefore := loadAvg()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "loadbench-")
	if err != nil {
		return err
	}
	cl.add(func() { os.RemoveAll(tmp) })
	if o.pprof && o.profileDir == "" {
		if o.profileDir, err = os.MkdirTemp("", "loadbench-profiles-"); err != nil {
			return err
		}
	} else if o.pprof {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}

	wrkBin := ""
	if o.wrkLoad() {
		if wrkBin, err = findWrk(); err != nil {
			return err
		}
	}

	logf("building cmd/server, cmd/wxsandbox and bench/ceiling")
	bins, err := build(ctx, root, tmp, o.pprof)
	if err != nil {
		return err
	}

	var db *mysqlAdmin
	if o.database != "" {
		db, err = openExisting(ctx, o.mysql, o.database)
	} else {
		db, err = openDatabase(ctx, o.mysql)
	}
	if err != nil {
		return err
	}
	cl.add(func() {
		if err := db.drop(); err != nil {
			logf("cleanup: %v", err)
		}
	})
	prefix, cleanRedis, redisPort, err := redisNamespace(ctx, o.redis)
	if err != nil {
		return err
	}
	cl.add(func() {
		if err := cleanRedis(); err != nil {
			logf("cleanup: %v", err)
		}
	})

	// The standalone emulator.
	wxAddr, err := freeAddr()
	if err != nil {
		return err
	}
	emu, err := start("wxsandbox", bins.sandbox, map[string]string{"SANDBOX_ADDR": wxAddr}, tmp)
	if err != nil {
		return err
	}
	cl.add(func() { emu.stop(10 * time.Second) })
	wx := "http://" + wxAddr
	if err := waitHTTP(ctx, emu, wx+"/sandbox/stats", 30*time.Second); err != nil {
		return err
	}

	a := api{http: newClient(32)}

	// The service.
	httpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	adminPassword, jwtSecret := randomHex(12), randomHex(32)
	env := map[string]string{
		"HTTP_ADDR":             httpAddr,
		"MYSQL_DSN":             db.dsn() + optParams(o.mysqlParams),
		"REDIS_URL":             o.redis,
		"REDIS_KEY_PREFIX":      prefix,
		"WECHAT_APP_ID":         "wxsandbox",
		"WECHAT_APP_SECRET":     "sandbox-secret",
		"WECHAT_MINIAPP_ID":     "wxsandboxmini",
		"WECHAT_MINIAPP_SECRET": "sandbox-mini-secret",
		"WECHAT_API_BASE":       wx,
		"JWT_SECRET":            jwtSecret,
		"ADMIN_USERNAME":        "bench",
		"ADMIN_PASSWORD":        adminPassword,
		"RATE_LIMIT_PER_MINUTE": "0",
		"LOG_LEVEL":             "error",
		// The run measures the tables as they are: no pruning under it (a
		// seeded database's old events and audit entries would go).
		"RETENTION_DEDUPE_DAYS": "0",
		"RETENTION_AUDIT_DAYS":  "0",
	}
	if err := payEnv(ctx, a, wx, env); err != nil {
		return err
	}
	pprofAddr := ""
	if o.pprof {
		if pprofAddr, err = freeAddr(); err != nil {
			return err
		}
		env["BENCH_PPROF_ADDR"] = pprofAddr
	}
	srv, err := start("server", bins.server, env, tmp)
	if err != nil {
		return err
	}
	cl.add(func() { srv.stop(25 * time.Second) })
	base := "http://" + httpAddr
	ready := 60 * time.Second
	if o.database != "" {
		ready = 30 * time.Minute // migrations on a large database build indexes
	}
	if err := waitHTTP(ctx, srv, base+"/readyz", ready); err != nil {
		return err
	}

	// The ceiling.
	ceilAddr, err := freeAddr()
	if err != nil {
		return err
	}
	ceil, err := start("ceiling", bins.ceiling, map[string]string{"CEILING_ADDR": ceilAddr}, tmp)
	if err != nil {
		return err
	}
	cl.add(func() { ceil.stop(10 * time.Second) })
	if err := waitHTTP(ctx, ceil, "http://"+ceilAddr+"/healthz", 30*time.Second); err != nil {
		return err
	}

	logf("setting up: %d card(s), %d users", o.cards, o.users)
	f, err := setup(ctx, a, base, wx, "bench", adminPassword, o.cards, o.users)
	if f != nil {
		db.benchCards = append([]string{f.cardID}, f.extra...)
	}
	if err != nil {
		return err
	}
	var codes []received
	if strings.Contains(o.phases, "decrypt") {
		logf("receiving %d codes through card-ext and the emulator's wx.addCard", o.codes)
		t := time.Now()
		codes, err = f.receiveCodes(ctx, a, o.codes)
		if err != nil {
			return err
		}
		logf("received %d codes in %v", len(codes), time.Since(t).Round(time.Millisecond))
	}
	has := func(name string) bool { return slices.Contains(strings.Split(o.phases, ","), name) }
	var stocks []string
	var coupons []received
	if has("send-coupon-params") || has("coupons-confirm") {
		n := 1
		if has("coupons-confirm") {
			n = couponStocks
		}
		if stocks, err = f.createStocks(ctx, a, n); err != nil {
			return err
		}
	}
	if has("coupons-confirm") {
		logf("issuing %d coupons of %d stocks through send-coupon-params and the emulator's plugin", o.coupons, len(stocks))
		t := time.Now()
		if coupons, err = f.issueCoupons(ctx, a, stocks, o.coupons); err != nil {
			return err
		}
		logf("issued %d coupons in %v", len(coupons), time.Since(t).Round(time.Millisecond))
	}
	var mems *members
	if has("ledger") {
		logf("activating %d members of a member card", len(f.users))
		t := time.Now()
		if mems, err = f.newMembers(ctx, a); err != nil {
			return err
		}
		logf("activated %d members in %v", len(mems.list), time.Since(t).Round(time.Millisecond))
	}
	a.http.CloseIdleConnections()

	watch := []watched{{"server", srv.pid()}, {"wxsandbox", emu.pid()}, {"ceiling", ceil.pid()}, {"loadbench", os.Getpid()}}
	if pid := findProcess("mariadbd", "mysqld"); pid != 0 {
		watch = append(watch, watched{"mariadb", pid})
	}
	if pid := findProcess("redis-server"); pid != 0 {
		watch = append(watch, watched{"redis", pid})
	}

	if o.wrkLoad() {
		watch = append(watch, watched{wrkName, 0}) // wrk's CPU comes from its rusage
	}
	obs := measureEnv{watch: watch, db: db, pprofAddr: pprofAddr, ports: []portName{
		{"wxsandbox", portOfAddr(wxAddr)}, {"mysql", mysqlPort(o.mysql)}, {"redis", redisPort}}}
	rep := report{opts: o, started: time.Now(), watched: watch, loadBefore: loadBefore, ports: obs.ports}
	var recorded []received // codes the decrypt phase recorded, for decrypt-repeat
	decryptUsed := 0        // codes the Go decrypt phase took; wrk gets the rest
	for _, name := range strings.Split(o.phases, ",") {
		if ctx.Err() != nil {
			break
		}
		if !o.goLoad() && wrkPhases[name] {
			if name == "decrypt-repeat" && len(recorded) == 0 {
				recorded = codes[:min(len(codes), 5000)]
				logf("decrypt-repeat: recording %d codes first", len(recorded))
				if err := recordAll(ctx, a, base, recorded); err != nil {
					return err
				}
			}
			pool := codes
			if name == "decrypt-repeat" {
				pool = recorded
			}
			rep.results = append(rep.results, wrkPhase(ctx, o, name, wrkBin, tmp, f, base, ceilAddr, pool, ceil, srv, obs))
			continue
		}
		p := phase{name: name, conns: o.conns, warmup: o.warmup, duration: o.duration, maxRequests: o.maxRequests}
		measured := srv
		profile := ""
		after := func() {}
		switch name {
		case "ceiling":
			measured = ceil
			body := f.cardExtBody(1)
			p.url = "http://" + ceilAddr + "/ceiling"
			p.next = func(w int) ([]byte, string, bool) { return body, f.users[w%len(f.users)].token, true }
			p.check = wantBytes(`"cardExt"`)
		case "card-ext":
			body := f.cardExtBody(1)
			p.url = base + "/api/v1/card-ext"
			p.next = func(w int) ([]byte, string, bool) { return body, f.users[w%len(f.users)].token, true }
			p.check = wantBytes(`"cardExt"`)
			if o.pprof {
				profile = filepath.Join(o.profileDir, "card-ext.cpu.pprof")
			}
		case "decrypt":
			supply := newSupply(codes, false)
			p.url = base + "/api/v1/codes/decrypt"
			p.next = supply.next
			p.check = decryptOK
			if o.pprof {
				profile = filepath.Join(o.profileDir, "decrypt.cpu.pprof")
			}
			after = func() { recorded = supply.used(); decryptUsed = len(recorded) }
		case "decrypt-repeat":
			pool := recorded
			if len(pool) == 0 {
				pool = codes[:min(len(codes), 5000)]
				logf("decrypt-repeat: recording %d codes first", len(pool))
				if err := recordAll(ctx, a, base, pool); err != nil {
					return err
				}
				recorded = pool
			}
			supply := newSupply(pool, true)
			p.url = base + "/api/v1/codes/decrypt"
			p.next = supply.next
			p.check = decryptOK
			if o.pprof {
				profile = filepath.Join(o.profileDir, "decrypt-repeat.cpu.pprof")
			}
		case "send-coupon-params":
			body := sendParamsBody(stocks[0])
			p.url = base + "/api/v1/send-coupon-params"
			p.next = func(w int) ([]byte, string, bool) { return body, f.users[w%len(f.users)].token, true }
			p.check = wantBytes(`"sign"`)
			if o.pprof {
				profile = filepath.Join(o.profileDir, "send-coupon-params.cpu.pprof")
			}
		case "coupons-confirm":
			supply := newSupply(coupons, false)
			var acked atomic.Int64
			p.url = base + "/api/v1/coupons/confirm"
			p.next = supply.next
			p.check = counted(confirmOK(couponStocks), &acked, couponStocks)
			p.perRequest = couponStocks
			if o.pprof {
				profile = filepath.Join(o.profileDir, "coupons-confirm.cpu.pprof")
			}
			after = func() {
				last := &rep.results[len(rep.results)-1]
				last.verify, last.verified = db.verifyCoupons(ctx, int64(len(supply.used())*couponStocks), acked.Load())
				logf("phase %s: %s", name, last.verify)
			}
		case "ledger":
			supply, err := newLedgerSupply(mems, o.conns)
			if err != nil {
				return err
			}
			p.nextURL = func(w int) (string, []byte, string, bool) {
				i, body := supply.next(w)
				return supply.url(base, i), body, mems.clerk, true
			}
			p.check = wantBytes(`"ledger_id"`)
			if o.pprof {
				profile = filepath.Join(o.profileDir, "ledger.cpu.pprof")
			}
			after = func() {
				last := &rep.results[len(rep.results)-1]
				last.verify, last.verified = supply.verify(ctx, a, db, base)
				logf("phase %s: %s", name, last.verify)
			}
		}
		if bigPhases[name] {
			if after, err = bigPhase(ctx, &p, o, db, f, base, jwtSecret, &rep); err != nil {
				return err
			}
		}
		rep.results = append(rep.results, measure(ctx, p, measured, obs, profile))
		after()
		if o.wrkLoad() && wrkPhases[name] && ctx.Err() == nil {
			pool := codes[decryptUsed:]
			if name == "decrypt-repeat" {
				pool = recorded
			}
			rep.results = append(rep.results, wrkPhase(ctx, o, name, wrkBin, tmp, f, base, ceilAddr, pool, ceil, srv, obs))
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped: %w", err)
	}
	text := rep.markdown()
	fmt.Print(text)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func optParams(p string) string {
	p = strings.TrimLeft(p, "&?")
	if p == "" {
		return ""
	}
	return "&" + p
}
