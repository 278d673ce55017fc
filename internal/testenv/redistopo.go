package testenv

// Redis topologies for tests: a Sentinel set, a 3-master Cluster and a TLS
// node, each of private redis-server processes on spare loopback ports over a
// temp dir. Start one for a test (RedisSentinel, RedisCluster, RedisTLS; the
// processes are killed when the test ends) or share one per test binary
// (SharedRedis; the package's TestMain calls StopSharedRedis).
// redis-server (with TLS built in, as Debian's is) and redis-cli must be
// installed: missing, the test is skipped, or fails under CI=true.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wxcoupon/coupon/internal/cache"
)

// Topology names, for SharedRedis and subtests.
const (
	TopologySentinel = "sentinel"
	TopologyCluster  = "cluster"
	TopologyTLS      = "tls"
)

// Topologies lists every topology SharedRedis can start.
var Topologies = []string{TopologySentinel, TopologyCluster, TopologyTLS}

// SentinelMaster is the master name the Sentinel set monitors.
const SentinelMaster = "coupon-master"

// RedisTopo is a running topology.
type RedisTopo struct {
	Kind string
	// Config is what the service gets: REDIS_URL and the REDIS_TLS_* files.
	Config cache.RedisConfig
	// Nodes are the data nodes' addresses: the Cluster's masters, the
	// Sentinel set's master and replica (as started), the TLS node.
	Nodes []string
	// Sentinels are the sentinels' addresses (Sentinel only).
	Sentinels []string

	procs []*redisProc
	dir   string
}

// Env sets REDIS_URL and the REDIS_TLS_* files of t in env.
func (t *RedisTopo) Env(env map[string]string) {
	env["REDIS_URL"] = t.Config.URL
	for k, v := range map[string]string{"REDIS_TLS_CA_FILE": t.Config.CAFile, "REDIS_TLS_CERT_FILE": t.Config.CertFile, "REDIS_TLS_KEY_FILE": t.Config.KeyFile} {
		if v != "" {
			env[k] = v
		}
	}
}

// Client opens a go-redis client for the topology, closed when tb ends.
func (t *RedisTopo) Client(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	o, err := cache.ParseRedisConfig(t.Config)
	if err != nil {
		tb.Fatalf("redis %s: %v", t.Kind, err)
	}
	c := o.NewClient()
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill kills the process listening on addr (SIGKILL).
func (t *RedisTopo) Kill(addr string) {
	for _, p := range t.procs {
		if p.addr == addr {
			p.kill()
		}
	}
}

// Stop kills every process of the topology.
func (t *RedisTopo) Stop() {
	for _, p := range t.procs {
		p.kill()
	}
	if t.dir != "" {
		_ = os.RemoveAll(t.dir)
	}
}

// redisProc is one redis-server process.
type redisProc struct {
	addr string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

func (p *redisProc) kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	p.cmd = nil
}

func (p *redisProc) logTail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// topoError is a set-up failure; missing binaries are told apart.
type topoError struct {
	missing bool
	err     error
}

func (e *topoError) Error() string { return e.err.Error() }

func fail(format string, a ...any) error { return &topoError{err: fmt.Errorf(format, a...)} }

func handle(tb testing.TB, kind string, err error) {
	tb.Helper()
	var te *topoError
	if errors.As(err, &te) && te.missing {
		unavailable(tb, "redis-server/redis-cli for the Redis "+kind, err)
	}
	tb.Fatalf("start Redis %s: %v", kind, err)
}

// RedisSentinel starts 1 master, 1 replica and 3 sentinels (quorum 2) for tb.
func RedisSentinel(tb testing.TB) *RedisTopo { return startFor(tb, TopologySentinel) }

// RedisCluster starts a 3-master Redis Cluster (no replicas) for tb.
func RedisCluster(tb testing.TB) *RedisTopo { return startFor(tb, TopologyCluster) }

// RedisTLS starts one node that speaks only TLS and asks for a client
// certificate, with a CA, server and client certificate made for it.
func RedisTLS(tb testing.TB) *RedisTopo { return startFor(tb, TopologyTLS) }

func startFor(tb testing.TB, kind string) *RedisTopo {
	tb.Helper()
	t, err := startTopo(kind)
	if err != nil {
		handle(tb, kind, err)
	}
	tb.Cleanup(t.Stop)
	return t
}

var shared struct {
	sync.Mutex
	topos map[string]*RedisTopo
	errs  map[string]error
}

// SharedRedis returns the topology kind for this test binary, starting it on
// first use. Tests keep apart by key prefix (RandomName). The package's
// TestMain must call StopSharedRedis after m.Run.
func SharedRedis(tb testing.TB, kind string) *RedisTopo {
	tb.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.topos == nil {
		shared.topos, shared.errs = map[string]*RedisTopo{}, map[string]error{}
	}
	if t := shared.topos[kind]; t != nil {
		return t
	}
	if err := shared.errs[kind]; err != nil {
		handle(tb, kind, err)
	}
	t, err := startTopo(kind)
	if err != nil {
		shared.errs[kind] = err
		handle(tb, kind, err)
	}
	shared.topos[kind] = t
	return t
}

// StopSharedRedis kills the topologies SharedRedis started.
func StopSharedRedis() {
	shared.Lock()
	defer shared.Unlock()
	for _, t := range shared.topos {
		t.Stop()
	}
	shared.topos = nil
}

func startTopo(kind string) (*RedisTopo, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, &topoError{missing: true, err: err}
	}
	dir, err := os.MkdirTemp("", "coupon-redis-"+kind+"-")
	if err != nil {
		return nil, err
	}
	t := &RedisTopo{Kind: kind, dir: dir}
	switch kind {
	case TopologySentinel:
		err = t.startSentinel(bin)
	case TopologyCluster:
		err = t.startCluster(bin)
	case TopologyTLS:
		err = t.startTLS(bin)
	default:
		err = fmt.Errorf("unknown Redis topology %q", kind)
	}
	if err != nil {
		for _, p := range t.procs {
			if tail := p.logTail(); tail != "" {
				err = fmt.Errorf("%w\n--- %s log:\n%s", err, p.addr, tail)
			}
		}
		t.Stop()
		return nil, err
	}
	return t, nil
}

// spareAddr is a loopback address nobody listens on now.
func spareAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// errExited ends waitFor: the process is gone.
var errExited = errors.New("redis-server exited")

// run starts redis-server with args and waits until ping answers. Ports are
// picked free but may be taken before redis-server binds them: then it tries
// again with the fresh arguments args returns, up to 5 times.
func (t *RedisTopo) run(bin, name string, args func() (addr string, args []string, err error), ping func(addr string) func(context.Context) error) (*redisProc, error) {
	for attempt := 1; ; attempt++ {
		addr, a, err := args()
		if err != nil {
			return nil, err
		}
		p := &redisProc{addr: addr, log: filepath.Join(t.dir, name+".log"), done: make(chan struct{})}
		_ = os.Remove(p.log)
		p.cmd = exec.Command(bin, append(a, "--logfile", p.log)...)
		// The processes die with the test binary even if it is killed.
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := p.cmd.Start(); err != nil {
			return nil, err
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		t.procs = append(t.procs, p)
		check := ping(addr)
		err = waitFor(10*time.Second, name+" answers PING", func(ctx context.Context) error {
			select {
			case <-p.done:
				return errExited
			default:
			}
			return check(ctx)
		})
		if err != nil && attempt < 5 && strings.Contains(p.logTail(), "Address already in use") {
			p.kill()
			continue
		}
		return p, err
	}
}

func waitFor(d time.Duration, what string, ok func(context.Context) error) error {
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := ok(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if errors.Is(err, errExited) || time.Now().After(deadline) {
			return fmt.Errorf("waiting %s for %s: %w", d, what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func pingAddr(addr string) func(context.Context) error {
	return func(ctx context.Context) error {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 500 * time.Millisecond})
		defer c.Close()
		return c.Ping(ctx).Err()
	}
}

// node starts a plain node on a spare port with persistence off; extra
// returns more arguments (it may pick more ports).
func (t *RedisTopo) node(bin, name string, extra func() ([]string, error)) (*redisProc, error) {
	return t.run(bin, name, func() (string, []string, error) {
		addr, err := spareAddr()
		if err != nil {
			return "", nil, err
		}
		_, port, _ := net.SplitHostPort(addr)
		args := []string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", t.dir, "--dbfilename", name + ".rdb"}
		if extra != nil {
			more, err := extra()
			if err != nil {
				return "", nil, err
			}
			args = append(args, more...)
		}
		return addr, args, nil
	}, pingAddr)
}

func (t *RedisTopo) startSentinel(bin string) error {
	// No 5 s wait for more replicas before the first sync (Redis 7's default).
	master, err := t.node(bin, "master", func() ([]string, error) { return []string{"--repl-diskless-sync-delay", "0"}, nil })
	if err != nil {
		return err
	}
	mhost, mport, _ := net.SplitHostPort(master.addr)
	replica, err := t.node(bin, "replica", func() ([]string, error) {
		return []string{"--replicaof", mhost, mport, "--repl-diskless-sync-delay", "0"}, nil
	})
	if err != nil {
		return err
	}
	t.Nodes = []string{master.addr, replica.addr}
	if err := waitFor(10*time.Second, "the replica to sync", func(ctx context.Context) error {
		return infoHas(ctx, replica.addr, "replication", "master_link_status:up")
	}); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		conf := filepath.Join(t.dir, fmt.Sprintf("sentinel%d.conf", i))
		p, err := t.run(bin, fmt.Sprintf("sentinel%d", i), func() (string, []string, error) {
			addr, err := spareAddr()
			if err != nil {
				return "", nil, err
			}
			_, port, _ := net.SplitHostPort(addr)
			// Short timeouts so a failover takes about a second here.
			body := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nsentinel monitor %s %s %s 2\n"+
				"sentinel down-after-milliseconds %[3]s 1000\nsentinel failover-timeout %[3]s 5000\n",
				port, t.dir, SentinelMaster, mhost, mport)
			return addr, []string{conf, "--sentinel"}, os.WriteFile(conf, []byte(body), 0o600)
		}, pingAddr)
		if err != nil {
			return err
		}
		t.Sentinels = append(t.Sentinels, p.addr)
	}
	// Ready when every sentinel knows the replica and the two other sentinels:
	// before that a failover cannot be agreed on or finds no replica.
	for _, s := range t.Sentinels {
		if err := waitFor(15*time.Second, "sentinel "+s+" to see the set", func(ctx context.Context) error {
			return sentinelReady(ctx, s, len(t.Sentinels)-1)
		}); err != nil {
			return err
		}
	}
	t.Config.URL = fmt.Sprintf("redis+sentinel://%s/%s/0", strings.Join(t.Sentinels, ","), SentinelMaster)
	return nil
}

func sentinelReady(ctx context.Context, addr string, others int) error {
	c := redis.NewSentinelClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	reps, err := c.Replicas(ctx, SentinelMaster).Result()
	if err != nil {
		return err
	}
	good := 0
	for _, r := range reps {
		if !strings.Contains(r["flags"], "disconnected") && !strings.Contains(r["flags"], "s_down") && r["master-link-status"] == "ok" {
			good++
		}
	}
	if good == 0 {
		return fmt.Errorf("no healthy replica known yet (%v)", reps)
	}
	sents, err := c.Sentinels(ctx, SentinelMaster).Result()
	if err != nil {
		return err
	}
	if len(sents) < others {
		return fmt.Errorf("knows %d other sentinels, want %d", len(sents), others)
	}
	return nil
}

// MasterAddr is the master the sentinels name now.
func (t *RedisTopo) MasterAddr(ctx context.Context) (string, error) {
	c := redis.NewSentinelClient(&redis.Options{Addr: t.Sentinels[0], MaxRetries: -1})
	defer c.Close()
	a, err := c.GetMasterAddrByName(ctx, SentinelMaster).Result()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(a[0], a[1]), nil
}

// Failover makes the sentinels promote the replica (SENTINEL FAILOVER) and
// waits until they name it and it takes writes. It returns the new master.
func (t *RedisTopo) Failover(ctx context.Context) (string, error) {
	old, err := t.MasterAddr(ctx)
	if err != nil {
		return "", err
	}
	c := redis.NewSentinelClient(&redis.Options{Addr: t.Sentinels[0], MaxRetries: -1})
	defer c.Close()
	// INPROG or NOGOODSLAVE right after a previous change: try again.
	if err := waitFor(20*time.Second, "SENTINEL FAILOVER to be accepted", func(ctx context.Context) error {
		return c.Failover(ctx, SentinelMaster).Err()
	}); err != nil {
		return "", err
	}
	var now string
	err = waitFor(20*time.Second, "a new master", func(ctx context.Context) error {
		a, err := t.MasterAddr(ctx)
		if err != nil {
			return err
		}
		if a == old {
			return errors.New("still " + old)
		}
		now = a
		return infoHas(ctx, a, "replication", "role:master")
	})
	return now, err
}

// KillMaster kills the master's process (SIGKILL) and waits until the
// sentinels agree it is down and promote the replica. It returns the new master.
func (t *RedisTopo) KillMaster(ctx context.Context) (now string, err error) {
	old, err := t.MasterAddr(ctx)
	if err != nil {
		return "", err
	}
	t.Kill(old)
	defer func() {
		if err != nil {
			err = t.withLogs(err, "sentinel")
		}
	}()
	err = waitFor(60*time.Second, "the sentinels to promote the replica", func(ctx context.Context) error {
		a, err := t.MasterAddr(ctx)
		if err != nil {
			return err
		}
		if a == old {
			return errors.New("still " + old)
		}
		now = a
		return infoHas(ctx, a, "replication", "role:master")
	})
	return now, err
}

// withLogs adds to err the log tails of the processes whose log name starts
// with prefix.
func (t *RedisTopo) withLogs(err error, prefix string) error {
	for _, p := range t.procs {
		if strings.HasPrefix(filepath.Base(p.log), prefix) {
			err = fmt.Errorf("%w\n--- %s log:\n%s", err, p.addr, p.logTail())
		}
	}
	return err
}

func infoHas(ctx context.Context, addr, section, want string) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	info, err := c.Info(ctx, section).Result()
	if err != nil {
		return err
	}
	if !strings.Contains(info, want) {
		return fmt.Errorf("%s INFO %s lacks %q", addr, section, want)
	}
	return nil
}

func (t *RedisTopo) startCluster(bin string) error {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return &topoError{missing: true, err: err}
	}
	var addrs []string
	for i := 0; i < 3; i++ {
		p, err := t.node(bin, fmt.Sprintf("node%d", i), func() ([]string, error) {
			bus, err := spareAddr()
			if err != nil {
				return nil, err
			}
			_, busPort, _ := net.SplitHostPort(bus)
			return []string{"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(t.dir, fmt.Sprintf("nodes%d.conf", i)),
				"--cluster-port", busPort, "--cluster-node-timeout", "2000"}, nil
		})
		if err != nil {
			return err
		}
		addrs = append(addrs, p.addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	for _, a := range addrs {
		if err := waitFor(15*time.Second, a+" to see the whole cluster", func(ctx context.Context) error {
			c := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
			defer c.Close()
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				return errors.New(info)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	t.Nodes = addrs
	t.Config.URL = "redis+cluster://" + strings.Join(addrs, ",")
	return nil
}

func (t *RedisTopo) startTLS(bin string) error {
	files, err := writeTestPKI(t.dir)
	if err != nil {
		return err
	}
	base := cache.RedisConfig{CAFile: files.ca, CertFile: files.clientCert, KeyFile: files.clientKey}
	ping := func(addr string) func(context.Context) error {
		return func(ctx context.Context) error {
			c := base
			c.URL = "rediss://" + addr + "/0"
			opt, err := cache.ParseRedisConfig(c)
			if err != nil {
				return err
			}
			cl := opt.NewClient()
			defer cl.Close()
			return cl.Ping(ctx).Err()
		}
	}
	p, err := t.run(bin, "tls", func() (string, []string, error) {
		addr, err := spareAddr()
		if err != nil {
			return "", nil, err
		}
		_, port, _ := net.SplitHostPort(addr)
		return addr, []string{"--port", "0", "--tls-port", port, "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", t.dir,
			"--tls-cert-file", files.serverCert, "--tls-key-file", files.serverKey,
			"--tls-ca-cert-file", files.ca, "--tls-auth-clients", "yes"}, nil
	}, ping)
	if err != nil {
		if p != nil && strings.Contains(p.logTail(), "not built with TLS") {
			return &topoError{missing: true, err: errors.New("redis-server is built without TLS")}
		}
		return err
	}
	t.Nodes = []string{p.addr}
	t.Config = base
	t.Config.URL = "rediss://" + p.addr + "/0"
	return nil
}

type pkiFiles struct{ ca, serverCert, serverKey, clientCert, clientKey string }

// writeTestPKI makes a CA and a server (127.0.0.1, localhost) and a client
// certificate it signed, as PEM files in dir.
func writeTestPKI(dir string) (pkiFiles, error) {
	f := pkiFiles{
		ca: filepath.Join(dir, "ca.pem"), serverCert: filepath.Join(dir, "server.pem"), serverKey: filepath.Join(dir, "server-key.pem"),
		clientCert: filepath.Join(dir, "client.pem"), clientKey: filepath.Join(dir, "client-key.pem"),
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return f, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "coupon test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}
	if err := writePEM(f.ca, "CERTIFICATE", caDER); err != nil {
		return f, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, certFile, keyFile string) error {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kder, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
			return err
		}
		return writePEM(keyFile, "PRIVATE KEY", kder)
	}
	if err := leaf(2, "redis", x509.ExtKeyUsageServerAuth, f.serverCert, f.serverKey); err != nil {
		return f, err
	}
	return f, leaf(3, "coupon", x509.ExtKeyUsageClientAuth, f.clientCert, f.clientKey)
}

func writePEM(path, typ string, der []byte) error {
	var b bytes.Buffer
	if err := pem.Encode(&b, &pem.Block{Type: typ, Bytes: der}); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o600)
}
