package reporting

import (
	"context"
	"embed"
	"fmt"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/sqlfiles"
)

// The report's SQL lives in named files, one per figure, so a reader finds
// the definition of a published number in one place. They read the running
// totals of migration 4 (report_filed, report_advised, report_decided,
// report_open, report_signals), which are kept from case_stats and
// signal_stats only: never from cases.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// statements are the report's queries by name; Check makes sure at start
// that each one the report runs is there.
var statements = sqlfiles.Load("reporting", sqlFiles, "sql")

// Check makes sure every query the report needs exists and that PostgreSQL
// can parse and plan each of them against the current schema (as a
// prepared statement). Call it at start, so that a broken query stops the
// service instead of the first report.
func Check(ctx context.Context, db *gorm.DB) error { return check(ctx, db, statements) }

func check(ctx context.Context, db *gorm.DB, set *sqlfiles.Set) error {
	needed := []string{"first_year", "ministries", throughputQuery}
	for _, f := range figureDefs {
		needed = append(needed, f.key)
	}
	for _, n := range needed {
		if !set.Has(n) {
			return fmt.Errorf("reporting: query sql/%s.sql is missing", n)
		}
	}
	return set.Check(ctx, db, nil)
}
