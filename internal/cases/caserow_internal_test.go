package cases

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
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

// A case read's early load (prefetch.go) reads the caller's scope in SQL,
// a second spelling of callerScope. Access falls back to a fresh load when
// the two differ, so a drift cannot open a case, but it would silently cost
// every read its saving: the two must agree for every kind of grant.
func TestScopeSQLAgreesWithCallerScope(t *testing.T) {
	t.Parallel()
	gdb := dbtest.New(t)
	for i, grants := range [][]authz.Grant{
		nil,
		{{Role: authz.Secretary, Domain: authz.AnyDomain}},
		{{Role: authz.Chair, Domain: authz.AnyDomain}, {Role: authz.Member, Domain: authz.AnyDomain}},
		{{Role: authz.Secretary, Domain: "BZK"}, {Role: authz.Chair, Domain: "FIN"}},
		{{Role: authz.Authority, Domain: "FIN"}, {Role: authz.Authority, Domain: "BZK"}, {Role: authz.Complainant, Domain: "OCW"}},
		{{Role: authz.Authority, Domain: authz.AnyDomain}, {Role: authz.Secretary, Domain: authz.AnyDomain}},
		// In byte order "FIN" < "bzk" < "ocw"; a database collation other than
		// C would sort them otherwise, hence scopeSQL's COLLATE "C".
		{{Role: authz.Authority, Domain: "ocw"}, {Role: authz.Authority, Domain: "FIN"}, {Role: authz.Authority, Domain: "bzk"}},
	} {
		person := uuid.New()
		if err := gdb.Exec(`INSERT INTO persons (id, email, name, ministry) VALUES (?, ?, 'Scope', 'BZK')`, person, person.String()+"@scope.test").Error; err != nil {
			t.Fatal(err)
		}
		for _, g := range grants {
			if err := gdb.Exec(`INSERT INTO role_grants (person_id, role, domain) VALUES (?, ?, ?)`, person, g.Role, g.Domain).Error; err != nil {
				t.Fatal(err)
			}
		}
		var sqlStaff bool
		var sqlDoms string
		if err := gdb.Raw(`SELECT scope.staff, array_to_string(scope.doms, ',') FROM (SELECT ?::uuid AS id) me CROSS JOIN LATERAL (`+scopeSQL+`) scope`, person).
			Row().Scan(&sqlStaff, &sqlDoms); err != nil {
			t.Fatal(err)
		}
		staff, doms := callerScope(&accounts.Caller{ID: person, Grants: grants})
		slices.Sort(doms)
		if sqlStaff != staff || sqlDoms != strings.Join(doms, ",") {
			t.Errorf("grant set %d %v: SQL says staff %v, domains %q; callerScope says %v, %q", i, grants, sqlStaff, sqlDoms, staff, strings.Join(doms, ","))
		}
	}
}
