// Package sqlfiles keeps a package's SQL in named files: each statement in
// sql/<name>.sql, embedded in the binary, with PostgreSQL's positional
// parameters ($1, $2, …). A reader finds every statement a package runs in
// one folder, apart from the rules that decide when to run it; Check lets
// PostgreSQL parse and plan each of them against the current schema at
// start, so that a broken statement stops the service instead of the first
// request that needs it.
package sqlfiles

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// Set is a package's statements by name (the file name without .sql). A
// file whose name starts with "_" is a template: the package fills in its
// /*markers*/ and passes the finished statements to Check.
type Set struct {
	pkg    string
	byName map[string]string
}

// Load reads every .sql file of dir in fsys (an embed.FS). It reads
// embedded data only, so an error is a build mistake: it panics.
func Load(pkg string, fsys fs.FS, dir string) *Set {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		panic(fmt.Sprintf("%s: %v", pkg, err))
	}
	s := &Set{pkg: pkg, byName: map[string]string{}}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			panic(fmt.Sprintf("%s: %v", pkg, err))
		}
		s.byName[strings.TrimSuffix(e.Name(), ".sql")] = string(b)
	}
	return s
}

// Get returns the named statement. Statements are looked up when the
// package's variables are initialised, so a missing file stops the binary
// (and every test) at once.
func (s *Set) Get(name string) string {
	q, ok := s.byName[name]
	if !ok {
		panic(fmt.Sprintf("%s: no statement sql/%s.sql", s.pkg, name))
	}
	return q
}

// Has says whether the set holds the named statement.
func (s *Set) Has(name string) bool {
	_, ok := s.byName[name]
	return ok
}

// Check has PostgreSQL prepare every statement of the set, and the extra
// statements the package assembles from them, against the current schema.
func (s *Set) Check(ctx context.Context, db *gorm.DB, extra map[string]string) error {
	all := map[string]string{}
	for n, q := range s.byName {
		if !strings.HasPrefix(n, "_") {
			all["sql/"+n+".sql"] = q
		}
	}
	for n, q := range extra {
		all[n] = q
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	for _, n := range names {
		st, err := sqlDB.PrepareContext(ctx, all[n])
		if err != nil {
			return fmt.Errorf("%s: statement %s: %w", s.pkg, n, err)
		}
		st.Close()
	}
	return nil
}
