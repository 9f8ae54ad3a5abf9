package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/reporting"
)

// seedCommand fills the statistical record with a synthetic population:
// `rkc seed synthetic --cases N --years Y [--force]`. It refuses a database
// that holds cases or statistics unless --force is given.
func seedCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "synthetic" {
		return errors.New("seed: want synthetic --cases N --years Y [--force]")
	}
	fs := flag.NewFlagSet("seed synthetic", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	n := fs.Int("cases", 10000, "number of synthetic cases")
	years := fs.Int("years", 10, "number of calendar years, ending with the current one")
	force := fs.Bool("force", false, "seed even when the database holds cases or statistics")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("seed synthetic: %w", err)
	}
	if fs.NArg() > 0 || *n < 0 || *years < 1 || *years > 100 {
		return errors.New("seed synthetic: want --cases N (0 or more) --years Y (1 to 100) [--force]")
	}
	return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		start := time.Now()
		res, err := reporting.SeedSynthetic(ctx, gdb, *n, *years, *force)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "seeded %d synthetic cases and %d signals over %d–%d in %s\n",
			res.Cases, res.Signals, res.FirstYear, res.LastYear, time.Since(start).Round(time.Millisecond))
		return nil
	})
}
