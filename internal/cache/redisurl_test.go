package cache

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseRedisConfigForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url        string
		mode       string
		tls        bool
		addrs      []string
		master     string
		db         int
		password   string
		sentinelPW string
	}{
		{url: "redis://127.0.0.1:6379/2", mode: ModeSingle, addrs: []string{"127.0.0.1:6379"}, db: 2},
		{url: "rediss://:pw@cache.internal:6380", mode: ModeSingle, tls: true, addrs: []string{"cache.internal:6380"}, password: "pw"},
		{url: "redis+sentinel://:pw@s1:26379,s2:26379,s3:26379/mymaster/3?sentinel_password=spw",
			mode: ModeSentinel, addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, master: "mymaster", db: 3, password: "pw", sentinelPW: "spw"},
		{url: "rediss+sentinel://s1:26379/mymaster", mode: ModeSentinel, tls: true, addrs: []string{"s1:26379"}, master: "mymaster"},
		{url: "redis+cluster://:pw@n1:7000,n2:7001,n3:7002?pool_size=20", mode: ModeCluster, addrs: []string{"n1:7000", "n2:7001", "n3:7002"}, password: "pw"},
		{url: "rediss+cluster://n1:7000,n2:7001/", mode: ModeCluster, tls: true, addrs: []string{"n1:7000", "n2:7001"}},
	}
	for _, tt := range tests {
		o, err := ParseRedisConfig(RedisConfig{URL: tt.url})
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if o.Mode != tt.mode || o.TLS != tt.tls || !reflect.DeepEqual(o.Addrs, tt.addrs) || o.MasterName != tt.master {
			t.Errorf("%s: got %+v", tt.url, o)
		}
		var addrs []string
		var db int
		var pw string
		var tlsOn bool
		var dial time.Duration
		switch {
		case o.simple != nil:
			addrs, db, pw, tlsOn, dial = []string{o.simple.Addr}, o.simple.DB, o.simple.Password, o.simple.TLSConfig != nil, o.simple.DialTimeout
		case o.cluster != nil:
			addrs, pw, tlsOn, dial = o.cluster.Addrs, o.cluster.Password, o.cluster.TLSConfig != nil, o.cluster.DialTimeout
			if strings.Contains(tt.url, "pool_size=20") && o.cluster.PoolSize != 20 {
				t.Errorf("%s: pool size = %d, want the query's 20", tt.url, o.cluster.PoolSize)
			}
		case o.failover != nil:
			f := o.failover
			addrs, db, pw, tlsOn, dial = f.SentinelAddrs, f.DB, f.Password, f.TLSConfig != nil, f.DialTimeout
			if f.MasterName != tt.master || f.SentinelPassword != tt.sentinelPW {
				t.Errorf("%s: master %q sentinel password %q", tt.url, f.MasterName, f.SentinelPassword)
			}
		}
		if !reflect.DeepEqual(addrs, tt.addrs) || db != tt.db || pw != tt.password || tlsOn != tt.tls || dial != time.Second {
			t.Errorf("%s: client options addrs %v db %d password %q tls %v dial %v", tt.url, addrs, db, pw, tlsOn, dial)
		}
	}
}

func TestParseRedisConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		c    RedisConfig
		want string
	}{
		{RedisConfig{URL: "http://secret@h:1"}, "scheme"},
		{RedisConfig{URL: "redis+ring://h:1"}, "scheme"},
		{RedisConfig{URL: "redis://:secret@h1:1,h2:2"}, "redis+cluster"},
		{RedisConfig{URL: "redis+sentinel://:secret@h:26379"}, "master-name"},
		{RedisConfig{URL: "redis+sentinel://h:26379/m/x"}, "database"},
		{RedisConfig{URL: "redis+cluster://:secret@h:1/2"}, "database 0"},
		{RedisConfig{URL: "redis+cluster://h:1,h2"}, "port"},
		{RedisConfig{URL: "redis+cluster://h:1,h2:"}, "host:port"},
		{RedisConfig{URL: "rediss://:secret@h:1?skip_verify=true"}, "REDIS_TLS_CA_FILE"},
		{RedisConfig{URL: "redis://:secret@h:1?bogus=1"}, "bogus"},
		{RedisConfig{URL: "redis://:secret@h:1", CAFile: notPEM}, "rediss"},
		{RedisConfig{URL: "rediss://:secret@h:1", CAFile: notPEM}, "no PEM"},
		{RedisConfig{URL: "rediss://:secret@h:1", CAFile: filepath.Join(dir, "missing.pem")}, "REDIS_TLS_CA_FILE"},
		{RedisConfig{URL: "rediss://:secret@h:1", CertFile: notPEM}, "go together"},
		{RedisConfig{URL: "redis://:secret@h:1 \x7f"}, "invalid"},
	}
	for _, tt := range tests {
		_, err := ParseRedisConfig(tt.c)
		if err == nil {
			t.Errorf("%q: no error", tt.c.URL)
			continue
		}
		if !errors.Is(err, ErrRedisURL) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %q, want ErrRedisURL mentioning %q", tt.c.URL, err, tt.want)
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: error %q repeats the password", tt.c.URL, err)
		}
	}
}
