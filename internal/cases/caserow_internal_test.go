package cases

import (
	"slices"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// A case is loaded by a hand-written column list (caserow.go). A column added
// to the cases table later would silently never be read, and a case row
// written back from a load would lose it: the list must name every column.
func TestCaseColumnsCoverTable(t *testing.T) {
	t.Parallel()
	var table []string
	if err := dbtest.New(t).Raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'cases' ORDER BY 1`).Scan(&table).Error; err != nil {
		t.Fatal(err)
	}
	var read []string
	for _, f := range (&CaseRecord{}).fields() {
		read = append(read, f.column)
	}
	slices.Sort(read)
	if !slices.Equal(read, table) {
		t.Fatalf("the load reads columns %v\nthe cases table has %v", read, table)
	}
}
