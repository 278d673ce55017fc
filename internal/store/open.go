// Package store keeps the service's data in MySQL (production) or an embedded
// SQLite file (development, single instance) through GORM. It implements the
// store interfaces that internal/service declares; GORM models never leave this
// package. The schema is the versioned SQL in migrations/, applied by Migrate.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	mysqldrv "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"

	"github.com/wxcoupon/coupon/internal/service"
)

// Dialects that Dialect reports.
const (
	DialectMySQL  = "mysql"
	DialectSQLite = "sqlite"
)

// Config says which database to use: MySQL when MySQLDSN is set, otherwise an
// embedded SQLite database at SQLitePath (":memory:" for a throwaway one).
type Config struct {
	MySQLDSN   string
	SQLitePath string
	// MySQL pool sizes. MaxOpenConns 0 takes the defaults (25 open, as many
	// idle as open); otherwise both apply as given (MaxIdleConns 0: none kept).
	MaxOpenConns int
	MaxIdleConns int
}

// Store is the database. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect string
	log     *slog.Logger

	// mysqlCfg is the pool's driver configuration (MySQL only), from which
	// migrations open a connection of their own (migratedb.go).
	mysqlCfg *mysqldrv.Config

	stock     stockLedger
	stopFlush chan struct{}
	flushDone chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var (
	_ service.CardStore  = (*Store)(nil)
	_ service.CodeStore  = (*Store)(nil)
	_ service.AdminStore = (*Store)(nil)
)

// Open connects to the database cfg names and pings it. It does not change the
// schema; call Migrate for that.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		dialect   string
		mysqlCfg  *mysqldrv.Config
		sqlDB     *sql.DB
		dialector gorm.Dialector
		err       error
	)
	switch {
	case cfg.MySQLDSN != "":
		dialect = DialectMySQL
		var mc *mysqldrv.Config
		sqlDB, mc, err = openMySQL(cfg.MySQLDSN, cfg.MaxOpenConns, cfg.MaxIdleConns)
		mysqlCfg = mc
		if err == nil {
			// RETURNING (MariaDB 10.5+) is left off so that inserts behave alike on
			// every server: RowsAffected is what the server reports.
			dialector = mysql.New(mysql.Config{Conn: sqlDB, DSNConfig: mc, DisableWithReturning: true})
		}
	case cfg.SQLitePath != "":
		dialect = DialectSQLite
		sqlDB, err = openSQLite(cfg.SQLitePath)
		if err == nil {
			dialector = &sqlite.Dialector{Conn: sqlDB}
		}
	default:
		return nil, errors.New("open store: neither a MySQL DSN nor an SQLite path is configured")
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: ping: %w", dialect, err)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 newGormLogger(log),
		NowFunc:                now,
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
	})
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	s := &Store{db: db, sqlDB: sqlDB, dialect: dialect, log: log, mysqlCfg: mysqlCfg,
		stopFlush: make(chan struct{}), flushDone: make(chan struct{})}
	go s.flushStockLoop(s.stopFlush, s.flushDone)
	return s, nil
}

// openMySQL opens a pool for dsn, forcing what the store relies on: DATETIME
// columns read as time.Time in UTC, and a dial timeout.
func openMySQL(dsn string, maxOpen, maxIdle int) (*sql.DB, *mysqldrv.Config, error) {
	mc, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("parse DSN: %w", err)
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	if !strings.Contains(dsn, "interpolateParams=") && utf8Charsets(dsn) {
		mc = withInterpolation(mc)
	}
	// Bounded waits: a database that is down or stops answering fails the
	// request (503) instead of holding it.
	if mc.Timeout == 0 {
		mc.Timeout = 3 * time.Second
	}
	if mc.ReadTimeout == 0 {
		mc.ReadTimeout = 10 * time.Second
	}
	if mc.WriteTimeout == 0 {
		mc.WriteTimeout = 10 * time.Second
	}
	connector, err := mysqldrv.NewConnector(mc)
	if err != nil {
		return nil, nil, fmt.Errorf("connector: %w", err)
	}
	db := sql.OpenDB(connector)
	if maxOpen <= 0 {
		// As many idle as open: under load a smaller idle pool closes and reopens
		// connections many times a second (measured in docs/benchmarks.md).
		maxOpen, maxIdle = 25, 25
	}
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxIdle)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, mc, nil
}

// utf8Charsets reports whether the DSN's charset parameter, if any, names only
// UTF-8 character sets, with which the driver's escaping is safe.
func utf8Charsets(dsn string) bool {
	_, query, _ := strings.Cut(dsn[strings.LastIndex(dsn, "/")+1:], "?")
	values, err := url.ParseQuery(query)
	if err != nil {
		return false
	}
	for _, list := range values["charset"] {
		for _, cs := range strings.Split(list, ",") {
			switch strings.ToLower(strings.TrimSpace(cs)) {
			case "utf8mb4", "utf8", "utf8mb3":
			default:
				return false
			}
		}
	}
	return true
}

// withInterpolation turns on client-side parameter interpolation: one round
// trip per statement instead of prepare, execute and close, which was most of
// the database's cost per request (docs/benchmarks.md). Parsing the DSN again
// lets the driver refuse it for collations where its escaping is unsafe; then
// mc is kept as it was.
func withInterpolation(mc *mysqldrv.Config) *mysqldrv.Config {
	on := mc.Clone()
	on.InterpolateParams = true
	parsed, err := mysqldrv.ParseDSN(on.FormatDSN())
	if err != nil {
		return mc
	}
	return parsed
}

// openSQLite opens the database file at path, creating its directory. One
// connection serialises every statement, so writers never meet "database is
// locked" within the process; busy_timeout covers other processes (the migrate
// subcommand, say). Times are written in SQLite's own format, which sorts as text.
func openSQLite(path string) (*sql.DB, error) {
	if strings.Contains(path, "?") {
		return nil, fmt.Errorf("sqlite path %q: query parameters are not accepted", path)
	}
	if path != ":memory:" && !strings.HasPrefix(path, "file:") {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create directory for %s: %w", path, err)
		}
	}
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	db, err := sql.Open(sqlite.DriverName, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0) // a :memory: database lives as long as its connection
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", s.dialect, err)
	}
	return nil
}

// Close counts the received codes still pending off the stock and closes the
// connection pool. Calls after the first return the first one's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopFlush)
		<-s.flushDone
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		flushErr := s.flushStock(ctx)
		if err := s.sqlDB.Close(); err != nil {
			s.closeErr = fmt.Errorf("close %s: %w", s.dialect, err)
			return
		}
		if flushErr != nil {
			s.closeErr = fmt.Errorf("close %s: %w", s.dialect, flushErr)
		}
	})
	return s.closeErr
}

// Dialect is DialectMySQL or DialectSQLite.
func (s *Store) Dialect() string { return s.dialect }

// now is the store's clock: UTC to the millisecond, the precision of the schema.
func now() time.Time { return dbTime(time.Now()) }

// dbTime is t as the database keeps it: UTC, to the millisecond.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
