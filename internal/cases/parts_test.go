package cases_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// A case's view reads its parts by the subqueries of sql/_part_*.sql, which
// name each column they read. A column added to a part's table later would
// silently be missing from the view, so every column must be either read
// there or listed here as left out on purpose.
func TestCasePartsReadEveryColumn(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("sql/_part_*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no part subqueries: %v", err)
	}
	var sql string
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sql += string(text)
	}
	tables := map[string]string{"case_elements": "e", "information_requests": "q", "statements": "s",
		"attachments": "a", "hearings": "h", "advices": "v", "decisions": "d", "term_delays": "y", "hearing_waivers": "w"}
	leftOut := map[string]string{
		"case_elements.case_id": "the key", "information_requests.case_id": "the key", "statements.case_id": "the key",
		"attachments.case_id": "the key", "hearings.case_id": "the key",
		"information_requests.requested_by": "not shown", "statements.author_id": "not shown",
		"attachments.uploaded_by": "not shown", "attachments.content_enc": "downloaded on its own, never with the view",
		"hearings.created_at": "not shown", "hearings.updated_at": "not shown",
		"advices.signed_by": "not shown", "decisions.decided_by": "not shown",
		"term_delays.case_id": "the key", "term_delays.recorded_by": "not shown",
		"hearing_waivers.case_id": "the key", "hearing_waivers.recorded_by": "not shown",
	}
	gdb := dbtest.New(t)
	for table, alias := range tables {
		var cols []string
		if err := gdb.Raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`, table).Scan(&cols).Error; err != nil {
			t.Fatal(err)
		}
		if len(cols) == 0 {
			t.Fatalf("table %s has no columns", table)
		}
		for _, c := range cols {
			if _, ok := leftOut[table+"."+c]; ok {
				continue
			}
			if !strings.Contains(sql, alias+"."+c+",") && !strings.Contains(sql, alias+"."+c+")") && !strings.Contains(sql, alias+"."+c+" ") {
				t.Errorf("column %s.%s is neither read by sql/_part_*.sql nor listed as left out", table, c)
			}
		}
	}
}
