package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/wxcoupon/coupon/internal/config"
)

// migrationStatus prints each embedded migration and whether the database has
// it (`server migrate status`), without changing the schema: before an upgrade
// it shows what the new image would apply, after one what was applied.
func migrationStatus(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	st, err := openStore(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tSTATE\tAPPLIED AT\tFILE")
	for _, m := range list {
		state, at := "pending", "-"
		if m.Applied {
			state, at = "applied", m.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\n", m.Version, state, at, m.File)
	}
	return w.Flush()
}
