package store

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// slowQuery is how long a statement may take before it is logged.
const slowQuery = 500 * time.Millisecond

// gormLogger sends GORM's reports to slog, quietly: slow statements and failed
// statements only, with the SQL but never its arguments (they may hold password
// hashes or openids). Not-found, duplicate keys and cancellations are expected
// outcomes the store translates, so they are not logged.
type gormLogger struct {
	log *slog.Logger
}

func newGormLogger(log *slog.Logger) logger.Interface { return gormLogger{log: log} }

func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm: "+msg, "args", args)
}

func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, "gorm: "+msg, "args", args)
}

func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, "gorm: "+msg, "args", args)
}

func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !expected(err):
		sql, _ := fc()
		l.log.WarnContext(ctx, "sql failed", "sql", sql, "duration", elapsed, "err", err)
	case elapsed > slowQuery:
		sql, rows := fc()
		l.log.WarnContext(ctx, "slow sql", "sql", sql, "rows", rows, "duration", elapsed)
	}
}

// ParamsFilter keeps arguments out of the SQL that Trace reports.
func (l gormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

func expected(err error) bool {
	return errors.Is(err, gorm.ErrRecordNotFound) || isDuplicate(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
