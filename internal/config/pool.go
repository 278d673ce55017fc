package config

import (
	"fmt"
	"strconv"
)

// Default MySQL pool sizes: as many idle as open, since under load a smaller
// idle pool closes and reopens connections many times a second.
const (
	DefaultMySQLMaxOpenConns = 25
)

// MySQLPool sizes each replica's connection pool. Replicas × MaxOpen (plus the
// migrate job's one) must stay under the server's max_connections: the
// deployment files are checked for that (deploy/deploy_test.go).
type MySQLPool struct {
	MaxOpen int // MYSQL_MAX_OPEN_CONNS, default 25
	MaxIdle int // MYSQL_MAX_IDLE_CONNS, default MaxOpen
}

var mysqlPoolNames = []string{"MYSQL_MAX_OPEN_CONNS", "MYSQL_MAX_IDLE_CONNS"}

func loadMySQLPool(get func(k, def string) string) (MySQLPool, error) {
	var p MySQLPool
	var err error
	if p.MaxOpen, err = strconv.Atoi(get("MYSQL_MAX_OPEN_CONNS", strconv.Itoa(DefaultMySQLMaxOpenConns))); err != nil || p.MaxOpen < 1 {
		return MySQLPool{}, &Error{"MYSQL_MAX_OPEN_CONNS", "want a whole number ≥ 1"}
	}
	if p.MaxIdle, err = strconv.Atoi(get("MYSQL_MAX_IDLE_CONNS", strconv.Itoa(p.MaxOpen))); err != nil || p.MaxIdle < 0 {
		return MySQLPool{}, &Error{"MYSQL_MAX_IDLE_CONNS", "want a whole number ≥ 0"}
	}
	if p.MaxIdle > p.MaxOpen {
		return MySQLPool{}, &Error{"MYSQL_MAX_IDLE_CONNS", fmt.Sprintf("want at most MYSQL_MAX_OPEN_CONNS (%d)", p.MaxOpen)}
	}
	return p, nil
}
