// Command seed fills a MariaDB/MySQL database with a large, realistic data set
// for the ten-million-codes measurements (docs/benchmarks.md, "Ten million
// codes"):
//
//	go run ./bench/seed -database coupon_10m -codes 10000000 -cards 1000 -users 1000000
//
// It creates the database when it does not exist, applies the project's
// migrations (store.Migrate, the same as the server), and refuses to touch a
// database whose issued_codes is not empty. It then drops the secondary
// indexes of the tables it fills, inserts the rows in primary-key order with
// multi-row INSERTs from -workers connections, and builds the indexes again
// exactly as the migrations defined them (read from information_schema before
// they were dropped): one sorted build per index instead of ten million random
// index inserts. Last it runs ANALYZE TABLE.
//
// What it writes (deterministic for a given -seed):
//   - cards: -cards catalogue cards, created over the 18 months before now.
//   - issued_codes: -codes codes, id 1…N, received_at rising with id over the
//     last -months months. The card of a code is skewed (card k's share falls
//     as 1/sqrt(k): the biggest card holds about 3 % of the codes, a median one
//     about 0.07 %); the holder too (-users openids, the heaviest few hold
//     hundreds of codes, every one several). Statuses: 70 % issued, 22 %
//     consumed (consumed_at days after receipt), 3 % gifted, 3 % unavailable,
//     2 % deleted.
//   - card_events: -events-per-code × codes pushed events (user_get_card,
//     user_view_card, user_consume_card...), dedupe keys as the callback makes them.
//   - audit_entries: -audit-per-code × codes admin writes over the last 400 days.
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"golang.org/x/sync/errgroup"

	"github.com/wxcoupon/coupon/internal/store"
)

type options struct {
	mysql       string
	database    string
	codes       int64
	cards       int
	users       int64
	eventsPer   float64
	auditPer    float64
	months      int
	workers     int
	batch       int
	seed        uint64
	keepIndexes bool
	endAt       time.Time
}

func main() {
	var o options
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	fs.StringVar(&o.mysql, "mysql", "root:@tcp(127.0.0.1:3306)/", "MySQL/MariaDB server (DSN ending in /)")
	fs.StringVar(&o.database, "database", "coupon_10m", "database to fill (created when missing; its issued_codes must be empty)")
	fs.Int64Var(&o.codes, "codes", 10_000_000, "issued codes")
	fs.IntVar(&o.cards, "cards", 1000, "catalogue cards the codes belong to")
	fs.Int64Var(&o.users, "users", 1_000_000, "distinct holders (openids)")
	fs.Float64Var(&o.eventsPer, "events-per-code", 0.5, "card events per code")
	fs.Float64Var(&o.auditPer, "audit-per-code", 0.1, "audit entries per code")
	fs.IntVar(&o.months, "months", 12, "months over which the codes were received (ending now)")
	fs.IntVar(&o.workers, "workers", 2, "parallel insert connections")
	fs.IntVar(&o.batch, "batch", 2000, "rows per INSERT statement")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed (same seed, same data)")
	fs.BoolVar(&o.keepIndexes, "keep-indexes", false, "insert with the secondary indexes in place (slow: for comparison)")
	_ = fs.Parse(os.Args[1:])
	if o.codes < 1 || o.cards < 1 || o.users < 1 || o.workers < 1 || o.batch < 1 {
		fmt.Fprintln(os.Stderr, "seed: -codes, -cards, -users, -workers and -batch must be ≥ 1")
		os.Exit(2)
	}
	o.endAt = time.Now().UTC().Truncate(time.Millisecond)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
	logf("done in %s", time.Since(start).Round(time.Second))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s seed: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) error {
	admin, err := sql.Open("mysql", o.mysql)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+o.database+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	dsn := o.mysql + o.database + "?parseTime=true&charset=utf8mb4&loc=UTC"

	t := time.Now()
	st, err := store.Open(ctx, store.Config{MySQLDSN: dsn}, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	err = st.Migrate(ctx)
	st.Close()
	if err != nil {
		return err
	}
	logf("migrations applied in %s", time.Since(t).Round(time.Millisecond))

	db, err := sql.Open("mysql", dsn+"&maxAllowedPacket=0")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(o.workers + 1)
	db.SetMaxIdleConns(o.workers + 1)
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM issued_codes LIMIT 1) x").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("database %s already holds issued codes: use another -database or drop it", o.database)
	}

	g := newGen(o)
	tables := []struct {
		name string
		rows int64
		cols string
		row  func(b *strings.Builder, id int64, r *rand.Rand)
	}{
		{"cards", int64(o.cards), cardCols, g.card},
		{"issued_codes", o.codes, codeCols, g.code},
		{"card_events", int64(float64(o.codes) * o.eventsPer), eventCols, g.event},
		{"audit_entries", int64(float64(o.codes) * o.auditPer), auditCols, g.audit},
	}
	for _, tb := range tables {
		if tb.rows == 0 {
			continue
		}
		var idx []indexDef
		if !o.keepIndexes {
			if idx, err = dropSecondary(ctx, db, o.database, tb.name); err != nil {
				return err
			}
		}
		t := time.Now()
		if err := fill(ctx, db, o, tb.name, tb.cols, tb.rows, tb.row); err != nil {
			return err
		}
		ins := time.Since(t)
		t = time.Now()
		if err := addIndexes(ctx, db, tb.name, idx); err != nil {
			return err
		}
		logf("%s: %d rows inserted in %s (%.0f rows/s), %d indexes built in %s", tb.name, tb.rows,
			ins.Round(time.Millisecond), float64(tb.rows)/ins.Seconds(), len(idx), time.Since(t).Round(time.Millisecond))
	}
	t = time.Now()
	for _, tb := range tables {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+tb.name); err != nil {
			return fmt.Errorf("analyze %s: %w", tb.name, err)
		}
	}
	logf("analyzed in %s", time.Since(t).Round(time.Millisecond))
	return nil
}

// fill inserts rows 1…total of table in primary-key order: workers take
// consecutive chunks of ids, each INSERT carries -batch rows.
func fill(ctx context.Context, db *sql.DB, o options, table, cols string, total int64,
	row func(b *strings.Builder, id int64, r *rand.Rand)) error {
	const chunk = 50_000
	var next, done atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	stopProgress := make(chan struct{})
	go func() {
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				logf("%s: %d / %d", table, done.Load(), total)
			}
		}
	}()
	defer close(stopProgress)
	for range o.workers {
		g.Go(func() error {
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			// Bulk load of fresh rows: no unique check of secondary keys (the
			// generator makes them unique) and no binary log for this session.
			for _, s := range []string{"SET SESSION unique_checks = 0", "SET SESSION foreign_key_checks = 0"} {
				if _, err := conn.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			_, _ = conn.ExecContext(ctx, "SET SESSION sql_log_bin = 0") // refused without the privilege or binlog: harmless
			var b strings.Builder
			for {
				first := next.Add(chunk) - chunk + 1
				if first > total {
					return nil
				}
				last := min(first+chunk-1, total)
				r := rand.New(rand.NewPCG(o.seed, uint64(first)^hash64(table)))
				for id := first; id <= last; {
					b.Reset()
					b.WriteString("INSERT INTO ")
					b.WriteString(table)
					b.WriteString(" (")
					b.WriteString(cols)
					b.WriteString(") VALUES ")
					end := min(id+int64(o.batch)-1, last)
					for ; id <= end; id++ {
						row(&b, id, r)
						if id < end {
							b.WriteByte(',')
						}
					}
					if _, err := conn.ExecContext(ctx, b.String()); err != nil {
						return fmt.Errorf("insert into %s: %w", table, err)
					}
				}
				done.Add(last - first + 1)
			}
		})
	}
	return g.Wait()
}

func hash64(s string) uint64 {
	h := sha256.Sum256([]byte(s))
	var v uint64
	for _, c := range h[:8] {
		v = v<<8 | uint64(c)
	}
	return v
}

// indexDef is one secondary index as information_schema describes it.
type indexDef struct {
	name   string
	unique bool
	cols   []string // with "(n)" for a prefix
}

func (d indexDef) clause() string {
	kind := "KEY"
	if d.unique {
		kind = "UNIQUE KEY"
	}
	return fmt.Sprintf("ADD %s `%s` (%s)", kind, d.name, strings.Join(d.cols, ", "))
}

// dropSecondary drops every index of table but the primary key and returns
// their definitions, in index order, to be built again after the load.
func dropSecondary(ctx context.Context, db *sql.DB, schema, table string) ([]indexDef, error) {
	rows, err := db.QueryContext(ctx, `SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY INDEX_NAME, SEQ_IN_INDEX`, schema, table)
	if err != nil {
		return nil, fmt.Errorf("indexes of %s: %w", table, err)
	}
	defer rows.Close()
	var out []indexDef
	for rows.Next() {
		var name, col string
		var nonUnique int
		var sub sql.NullInt64
		if err := rows.Scan(&name, &nonUnique, &col, &sub); err != nil {
			return nil, err
		}
		if sub.Valid {
			col += "(" + strconv.FormatInt(sub.Int64, 10) + ")"
		}
		col = "`" + col + "`"
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, indexDef{name: name, unique: nonUnique == 0})
		}
		out[len(out)-1].cols = append(out[len(out)-1].cols, col)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	drops := make([]string, len(out))
	for i, d := range out {
		drops[i] = "DROP INDEX `" + d.name + "`"
	}
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+table+" "+strings.Join(drops, ", ")); err != nil {
		return nil, fmt.Errorf("drop indexes of %s: %w", table, err)
	}
	return out, nil
}

// addIndexes builds the indexes again in one ALTER (one pass over the table).
func addIndexes(ctx context.Context, db *sql.DB, table string, idx []indexDef) error {
	if len(idx) == 0 {
		return nil
	}
	adds := make([]string, len(idx))
	for i, d := range idx {
		adds[i] = d.clause()
	}
	_, err := db.ExecContext(ctx, "ALTER TABLE "+table+" "+strings.Join(adds, ", ")+", ALGORITHM=INPLACE, LOCK=NONE")
	if err != nil {
		return fmt.Errorf("build indexes of %s: %w", table, err)
	}
	return nil
}
