package reporting

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"gorm.io/gorm"
)

// The report's SQL lives in named files, one per figure, so a reader finds
// the definition of a published number in one place. They read the running
// totals of migration 4 (report_filed, report_advised, report_decided,
// report_open, report_signals), which are kept from case_stats and
// signal_stats only: never from cases.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

// queries returns the embedded queries by name (the file name without
// .sql). It reads embedded data only, so it is computed once.
var queries = sync.OnceValues(func() (map[string]string, error) {
	entries, err := fs.ReadDir(sqlFiles, "sql")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := sqlFiles.ReadFile(path.Join("sql", e.Name()))
		if err != nil {
			return nil, err
		}
		out[strings.TrimSuffix(e.Name(), ".sql")] = string(b)
	}
	return out, nil
})

// query returns the named query; a missing name is a programming error
// that Check reports at start.
func query(name string) string {
	qs, err := queries()
	if err != nil {
		panic(err)
	}
	q, ok := qs[name]
	if !ok {
		panic("reporting: no query sql/" + name + ".sql")
	}
	return q
}

// Check makes sure every query the report needs exists and that PostgreSQL
// can parse and plan each of them against the current schema (as a
// prepared statement). Call it at start, so that a broken query stops the
// service instead of the first report.
func Check(ctx context.Context, db *gorm.DB) error {
	qs, err := queries()
	if err != nil {
		return fmt.Errorf("reporting: %w", err)
	}
	return check(ctx, db, qs)
}

func check(ctx context.Context, db *gorm.DB, qs map[string]string) error {
	needed := map[string]bool{"first_year": true, "ministries": true}
	for _, f := range figureDefs {
		needed[f.key] = true
	}
	needed[throughputQuery] = true
	var names []string
	for n := range needed {
		names = append(names, n)
	}
	sort.Strings(names)
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	for _, n := range names {
		q, ok := qs[n]
		if !ok {
			return fmt.Errorf("reporting: query sql/%s.sql is missing", n)
		}
		st, err := sqlDB.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("reporting: query sql/%s.sql: %w", n, err)
		}
		st.Close()
	}
	return nil
}
