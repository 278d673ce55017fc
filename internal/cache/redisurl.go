package cache

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisConfig is REDIS_URL with the TLS files that go beside it.
//
// URL forms (query parameters are go-redis's own: dial_timeout, pool_size, ...):
//
//	redis://[[user]:password@]host:port[/db]            one node
//	redis+sentinel://[[user]:password@]s1:26379,s2:26379/<master-name>[/db][?sentinel_password=...]
//	redis+cluster://[[user]:password@]n1:7000,n2:7001,n3:7002
//
// The rediss, rediss+sentinel and rediss+cluster schemes use TLS to every node
// (and to the sentinels). The user and password are the data nodes'; sentinels
// that require their own take sentinel_username/sentinel_password.
type RedisConfig struct {
	URL string
	// CAFile verifies the servers' certificates (PEM); empty: the system roots.
	CAFile string
	// CertFile and KeyFile are a client certificate, for servers that ask for
	// one (Redis's default tls-auth-clients yes).
	CertFile, KeyFile string
}

// Redis topologies.
const (
	ModeSingle   = "single"
	ModeSentinel = "sentinel"
	ModeCluster  = "cluster"
)

// RedisOptions is a parsed RedisConfig, ready to open a client.
type RedisOptions struct {
	Mode string
	TLS  bool
	// Addrs are the node (single, cluster) or sentinel addresses, for messages.
	Addrs      []string
	MasterName string // sentinel only

	// One of these, by Mode.
	simple   *redis.Options
	cluster  *redis.ClusterOptions
	failover *redis.FailoverOptions
}

// common points at the fields every topology's options share.
type common struct {
	tls                     **tls.Config
	dial, read, write, pool *time.Duration
}

// ErrRedisURL marks every error ParseRedisConfig returns.
var ErrRedisURL = errors.New("invalid REDIS_URL")

func urlErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrRedisURL}, a...)...)
}

// ParseRedisConfig checks c and turns it into client options. Its errors never
// repeat the URL, which may carry a password.
func ParseRedisConfig(c RedisConfig) (*RedisOptions, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // url.Error quotes the whole URL
			err = ue.Err
		}
		return nil, urlErr("%v", err)
	}
	base, mode, ok := strings.Cut(u.Scheme, "+")
	if base != "redis" && base != "rediss" {
		return nil, urlErr("scheme %q: want redis, rediss, redis+sentinel, redis+cluster, rediss+sentinel or rediss+cluster", u.Scheme)
	}
	if !ok {
		mode = ModeSingle
	}
	if u.Host == "" {
		return nil, urlErr("no host: want e.g. redis://host:6379/0, redis+sentinel://host:26379/<master-name> or redis+cluster://host:7000,host:7001")
	}
	for _, k := range []string{"skip_verify", "insecure_skip_verify"} {
		if u.Query().Has(k) {
			return nil, urlErr("%s is not supported: give the servers' CA with REDIS_TLS_CA_FILE", k)
		}
	}
	hosts := strings.Split(u.Host, ",")
	for _, h := range hosts {
		if _, p, err := net.SplitHostPort(h); err != nil || p == "" {
			return nil, urlErr("address %q: want host:port", h)
		}
	}
	o := &RedisOptions{Mode: mode, TLS: base == "rediss", Addrs: hosts}
	var co common
	switch mode {
	case ModeSingle:
		if len(hosts) > 1 {
			return nil, urlErr("several addresses: use redis+cluster:// for a cluster or redis+sentinel://.../<master-name> for sentinels")
		}
		opt, err := redis.ParseURL(c.URL)
		if err != nil {
			return nil, urlErr("%v", err)
		}
		o.simple = opt
		co = common{&opt.TLSConfig, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout}
	case ModeCluster:
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, urlErr("a cluster has only database 0, got path %q", u.Path)
		}
		opt, err := redis.ParseClusterURL(goRedisURL(base, u, hosts, nil).String())
		if err != nil {
			return nil, urlErr("%v", err)
		}
		o.cluster = opt
		co = common{&opt.TLSConfig, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout}
	case ModeSentinel:
		opt, err := parseSentinel(base, u, hosts, o)
		if err != nil {
			return nil, err
		}
		o.failover = opt
		co = common{&opt.TLSConfig, &opt.DialTimeout, &opt.ReadTimeout, &opt.WriteTimeout, &opt.PoolTimeout}
	default:
		return nil, urlErr("scheme %q: want redis, rediss, redis+sentinel, redis+cluster, rediss+sentinel or rediss+cluster", u.Scheme)
	}
	if err := setTLS(c, o.TLS, co.tls); err != nil {
		return nil, err
	}
	defaultTimeouts(co)
	return o, nil
}

// parseSentinel reads /<master-name>[/db] and the sentinels' own credentials.
func parseSentinel(base string, u *url.URL, hosts []string, o *RedisOptions) (*redis.FailoverOptions, error) {
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if parts[0] == "" || len(parts) > 2 {
		return nil, urlErr("want redis+sentinel://host:26379[,host:26379...]/<master-name>[/db]")
	}
	o.MasterName = parts[0]
	extra := url.Values{"master_name": {parts[0]}}
	if len(parts) == 2 {
		if _, err := strconv.Atoi(parts[1]); err != nil {
			return nil, urlErr("database %q: want a number", parts[1])
		}
		extra.Set("db", parts[1])
	}
	q := u.Query()
	sentUser, sentPass := q.Get("sentinel_username"), q.Get("sentinel_password")
	q.Del("sentinel_username")
	q.Del("sentinel_password")
	v := *u
	v.RawQuery = q.Encode()
	gu := goRedisURL(base, &v, hosts, extra)
	gu.User = nil // go-redis reads userinfo as the sentinels' credentials
	opt, err := redis.ParseFailoverURL(gu.String())
	if err != nil {
		return nil, urlErr("%v", err)
	}
	if u.User != nil {
		opt.Username = u.User.Username()
		opt.Password, _ = u.User.Password()
	}
	opt.SentinelUsername, opt.SentinelPassword = sentUser, sentPass
	return opt, nil
}

// goRedisURL is u in go-redis's form: the first address as host, the others
// as addr parameters.
func goRedisURL(base string, u *url.URL, hosts []string, extra url.Values) *url.URL {
	q := u.Query()
	for _, h := range hosts[1:] {
		q.Add("addr", h)
	}
	for k, vs := range extra {
		q[k] = vs
	}
	return &url.URL{Scheme: base, User: u.User, Host: hosts[0], RawQuery: q.Encode()}
}

// setTLS verifies every node by its own address (go-redis would pin the first
// host's name, wrong for the other nodes) against CAFile when given.
func setTLS(c RedisConfig, on bool, dst **tls.Config) error {
	if !on {
		if c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" {
			return urlErr("REDIS_TLS_* files are set but REDIS_URL does not use TLS: use rediss://")
		}
		*dst = nil
		return nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return fmt.Errorf("%w: REDIS_TLS_CA_FILE: %w", ErrRedisURL, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return urlErr("REDIS_TLS_CA_FILE %s holds no PEM certificate", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		return urlErr("REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together")
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return fmt.Errorf("%w: REDIS_TLS_CERT_FILE/REDIS_TLS_KEY_FILE: %w", ErrRedisURL, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	*dst = cfg
	return nil
}

// defaultTimeouts keeps waits short unless the URL sets them: a Redis that is
// down must not hold requests (the service degrades: see the WeChat client's
// in-process copy).
func defaultTimeouts(co common) {
	for _, d := range []*time.Duration{co.dial, co.read, co.write} {
		if *d == 0 {
			*d = time.Second
		}
	}
	if *co.pool == 0 {
		*co.pool = 2 * time.Second
	}
}

// NewClient opens a go-redis client for o's topology.
func (o *RedisOptions) NewClient() redis.UniversalClient {
	switch {
	case o.cluster != nil:
		return redis.NewClusterClient(o.cluster)
	case o.failover != nil:
		return redis.NewFailoverClient(o.failover)
	}
	return redis.NewClient(o.simple)
}

// String describes the topology without credentials.
func (o *RedisOptions) String() string {
	s := "redis " + o.Mode
	if o.TLS {
		s += " (TLS)"
	}
	if o.MasterName != "" {
		s += " master " + o.MasterName + " via"
	}
	return s + " " + strings.Join(o.Addrs, ",")
}
