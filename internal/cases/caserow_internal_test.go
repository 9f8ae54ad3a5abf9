package cases

import (
	"slices"
	"strconv"
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
	// parts_present is the database's own (migration 17's trigger keeps
	// it): the load reads it beside the row, and no write names it.
	read := []string{"parts_present"}
	for _, f := range (&CaseRecord{}).fields() {
		read = append(read, f.column)
	}
	slices.Sort(read)
	if !slices.Equal(read, table) {
		t.Fatalf("the load reads columns %v\nthe cases table has %v", read, table)
	}
}

// A case read asks only the part tables whose bit is set on the case
// (parts.go); a part table whose trigger were missing, or set another bit
// than the one the read looks for, would leave its rows out of the view.
func TestEveryPartTableSetsItsBit(t *testing.T) {
	t.Parallel()
	var triggers []struct {
		Table string
		Bit   string
	}
	if err := dbtest.New(t).Raw(`SELECT c.relname AS table, convert_from(rtrim(t.tgargs, '\x00'), 'UTF8') AS bit
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname = 'case_part_added' ORDER BY 1`).Scan(&triggers).Error; err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tr := range triggers {
		got[tr.Table] = tr.Bit
	}
	all, bits := int32(0), 0
	for _, k := range partKinds {
		if k.bit == 0 { // always read: no trigger
			if b, ok := got[k.table]; ok {
				t.Errorf("table %s, always read, sets bit %s", k.table, b)
			}
			continue
		}
		bits++
		if want := strconv.Itoa(int(k.bit)); got[k.table] != want {
			t.Errorf("table %s sets bit %q, the read looks for %s", k.table, got[k.table], want)
		}
		all |= k.bit
	}
	if len(got) != bits {
		t.Errorf("%d part tables have the trigger, want %d: %v", len(got), bits, got)
	}
	if all != allParts {
		t.Errorf("the part kinds' bits make %b, allParts is %b", all, allParts)
	}
}
