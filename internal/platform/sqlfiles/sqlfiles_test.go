package sqlfiles_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rkc-nl/rkc/internal/platform/sqlfiles"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

func TestCheckNamesTheStatementPostgreSQLRefuses(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	set := sqlfiles.Load("demo", fstest.MapFS{
		"sql/case_count.sql": {Data: []byte("SELECT count(*) FROM cases WHERE state = $1")},
		"sql/_template.sql":  {Data: []byte("SELECT /*columns*/ FROM cases")},
		"sql/notes.txt":      {Data: []byte("not a statement")},
	}, "sql")
	if got := set.Get("case_count"); !strings.Contains(got, "count(*)") {
		t.Fatalf("Get: %q", got)
	}
	if err := set.Check(ctx, db, map[string]string{"assembled": "SELECT id FROM cases"}); err != nil {
		t.Fatalf("Check of good statements (templates left to the package): %v", err)
	}
	err := set.Check(ctx, db, map[string]string{"assembled": "SELECT id FROM casez"})
	if err == nil || !strings.Contains(err.Error(), "assembled") {
		t.Errorf("Check of a statement on a table that does not exist: %v, want an error naming it", err)
	}
	broken := sqlfiles.Load("demo", fstest.MapFS{"sql/typo.sql": {Data: []byte("SELEKT 1")}}, "sql")
	if err := broken.Check(ctx, db, nil); err == nil || !strings.Contains(err.Error(), "sql/typo.sql") {
		t.Errorf("Check of a syntax error: %v, want an error naming sql/typo.sql", err)
	}
}

func TestGetPanicsOnAMissingStatement(t *testing.T) {
	set := sqlfiles.Load("demo", fstest.MapFS{"sql/a.sql": {Data: []byte("SELECT 1")}}, "sql")
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "sql/b.sql") {
			t.Errorf("Get of a missing statement: recovered %v, want a panic naming sql/b.sql", r)
		}
	}()
	set.Get("b")
}
