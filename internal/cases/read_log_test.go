package cases_test

import (
	"bytes"
	"database/sql"
	"net/http"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// A case read is not a transaction (docs/decisions.md, "Work per request"):
// the case is read first and its access-log line written after it, in a
// statement of its own. A read whose line cannot be written must show
// nothing of the case.
func TestReadWithoutLogLineShowsNothing(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := c.File(t, c.Complainant, casetest.Complaint())
	owner, err := sql.Open("pgx", c.E.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Exec(`CREATE FUNCTION refuse_read_lines() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the log refuses this line'; END $$;
		CREATE TRIGGER refuse_read_lines BEFORE INSERT ON access_log FOR EACH ROW
		WHEN (NEW.action IN ('case:read', 'case:events')) EXECUTE FUNCTION refuse_read_lines()`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/events"} {
		r := c.E.Do(c.Complainant, "GET", path, nil)
		if r.Status != http.StatusInternalServerError {
			t.Errorf("GET %s with its log line refused: %d, want 500", path, r.Status)
		}
		for _, text := range []string{casetest.DescriptText, casetest.WitnessText, "registered", "filed"} {
			if bytes.Contains(r.Body, []byte(text)) {
				t.Errorf("GET %s with its log line refused shows %q", path, text)
			}
		}
	}
}
