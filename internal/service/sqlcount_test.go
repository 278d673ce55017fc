package service_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/wxcoupon/coupon/internal/testenv"
)

// sqlWire counts what a store sends MariaDB, on the wire of its own
// connections, so other clients of the shared server do not count (as they
// do in SHOW GLOBAL STATUS): statements (COM_QUERY, COM_STMT_EXECUTE) and
// durable commits (COMMIT, and writes sent outside a transaction, which
// commit on their own).
type sqlWire struct {
	net string
	mu  sync.Mutex
	c   sqlCounts
}

type sqlCounts struct{ statements, commits int }

func (c sqlCounts) minus(o sqlCounts) sqlCounts {
	return sqlCounts{statements: c.statements - o.statements, commits: c.commits - o.commits}
}

func (c sqlCounts) String() string {
	return fmt.Sprintf("%d statements, %d commits", c.statements, c.commits)
}

// countSQL registers a dialer for the driver under a name of its own.
func countSQL(t testing.TB) *sqlWire {
	w := &sqlWire{net: testenv.RandomName("sqlcount")}
	var d net.Dialer
	mysql.RegisterDialContext(w.net, func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return &countedConn{Conn: c, w: w}, nil
	})
	return w
}

// dsn is the test DSN dialled through w.
func (w *sqlWire) dsn(dsn string) string { return strings.Replace(dsn, "@tcp(", "@"+w.net+"(", 1) }

func (w *sqlWire) snapshot() sqlCounts {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.c
}

// countedConn reads the client's packets: the driver writes each in one
// Write (header: 3 bytes length, 1 byte sequence; a command has sequence 0).
type countedConn struct {
	net.Conn
	w    *sqlWire
	inTx bool
}

const (
	comQuery       = 0x03
	comStmtExecute = 0x17
)

func (c *countedConn) Write(p []byte) (int, error) {
	if len(p) > 4 && p[3] == 0 {
		c.count(p[4], p[5:])
	}
	return c.Conn.Write(p)
}

func (c *countedConn) count(cmd byte, body []byte) {
	if cmd != comQuery && cmd != comStmtExecute {
		return
	}
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	c.w.c.statements++
	if cmd != comQuery {
		return
	}
	fields := bytes.Fields(body[:min(len(body), 24)])
	if len(fields) == 0 {
		return
	}
	switch strings.ToUpper(string(fields[0])) {
	case "START", "BEGIN":
		c.inTx = true
	case "COMMIT":
		c.inTx = false
		c.w.c.commits++
	case "ROLLBACK":
		c.inTx = false
	case "INSERT", "UPDATE", "DELETE", "REPLACE":
		if !c.inTx {
			c.w.c.commits++
		}
	}
}
