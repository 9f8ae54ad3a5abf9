package cases_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
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

// A case read loads its case in the statement that checks the session
// (cases.PrefetchRead), on the API and on the case page alike: an ended
// session, a deactivated account and a withdrawn grant must still take
// effect at the very next read.
func TestCaseReadWithTheSessionSeesChangesAtOnce(t *testing.T) {
	t.Parallel()
	for _, face := range []struct {
		name string
		read func(c *cast, p *apptest.Person, id string) readAnswer
	}{{"API", readByAPI}, {"page", readByPage}} {
		t.Run(face.name, func(t *testing.T) {
			t.Parallel()
			c := newCast(t)
			id := c.File(t, c.Complainant, casetest.Complaint())
			owner := casetest.OwnerDB(t, c.E)
			if r := face.read(c, c.Secretary, id); r.status != http.StatusOK || !strings.Contains(r.body, casetest.DescriptText) {
				t.Fatalf("secretary reads the case: %d", r.status)
			}
			if _, err := owner.Exec(`DELETE FROM role_grants WHERE person_id = $1 AND role = $2`, c.Secretary.ID, authz.Secretary); err != nil {
				t.Fatal(err)
			}
			// Left without a role, the secretary is refused by the route
			// (403) before the case is looked at.
			if r := face.read(c, c.Secretary, id); r.status != http.StatusForbidden || strings.Contains(r.body, casetest.DescriptText) {
				t.Errorf("secretary whose role was withdrawn reads the case: %d, want 403", r.status)
			}

			if r := face.read(c, c.Complainant, id); r.status != http.StatusOK {
				t.Fatalf("complainant reads the case: %d", r.status)
			}
			if _, err := owner.Exec(`UPDATE persons SET active = false WHERE id = $1`, c.Complainant.ID); err != nil {
				t.Fatal(err)
			}
			if r := face.read(c, c.Complainant, id); !r.signedOut || strings.Contains(r.body, casetest.DescriptText) {
				t.Errorf("deactivated complainant reads the case: %d, want to be signed out", r.status)
			}

			adviser := face.read(c, c.Adviser, id).status
			if _, err := owner.Exec(`DELETE FROM sessions WHERE person_id = $1`, c.Adviser.ID); err != nil {
				t.Fatal(err)
			}
			if r := face.read(c, c.Adviser, id); !r.signedOut || strings.Contains(r.body, casetest.DescriptText) {
				t.Errorf("adviser (%d before) whose session was ended reads the case: %d, want to be signed out", adviser, r.status)
			}
		})
	}
}

// readAnswer is how a read of a case ended: its status and body, and
// whether the reader was found signed out.
type readAnswer struct {
	status    int
	body      string
	signedOut bool
}

// readByAPI reads case id as p through the API: signed out is 401.
func readByAPI(c *cast, p *apptest.Person, id string) readAnswer {
	r := c.E.Do(p, "GET", "/api/v1/cases/"+id, nil)
	return readAnswer{r.Status, string(r.Body), r.Status == http.StatusUnauthorized}
}

// readByPage opens the case page of id as p's browser, with p's session
// cookie: signed out ends on the sign-in page.
func readByPage(c *cast, p *apptest.Person, id string) readAnswer {
	req, _ := http.NewRequest("GET", c.E.Server.URL+"/cases/"+id, nil)
	req.AddCookie(&http.Cookie{Name: accounts.CookieName, Value: p.Token})
	res, err := c.E.Server.Client().Do(req) // following redirects
	if err != nil {
		c.E.T.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return readAnswer{res.StatusCode, string(body), res.Request.URL.Path == "/login"}
}

// The row a session check loaded serves only the read it was loaded for:
// the same case, the same caller, in the scope the caller's grants give.
// Any other read loads the case again. The probe: the case changes after
// the session check, so a read that used the early row shows the old
// state or another case.
func TestPrefetchedCaseServesOnlyItsOwnRead(t *testing.T) {
	t.Parallel()
	c := newCast(t)
	id := uuid.MustParse(c.File(t, c.Complainant, casetest.Complaint()))
	other := uuid.MustParse(c.File(t, c.Complainant, casetest.Complaint()))
	svc, secretary := c.E.App.Cases, c.E.Caller(c.Secretary)

	// prefetch runs the companion as the session check does, for person
	// me, and registers both cases afterwards.
	prefetch := func(me uuid.UUID, of uuid.UUID) context.Context {
		ctx, comp := cases.PrefetchRead(context.Background(), of)
		dest := append([]any{new(uuid.UUID), new(float64), new(float64)}, comp.Dest...)
		if err := c.E.App.DB.Raw(`WITH me AS (SELECT $1::uuid AS id, $2::float8 AS idle, $3::float8 AS touch)
			SELECT * FROM me CROSS JOIN LATERAL (`+comp.SQL+`) companion`, append([]any{me, 0.0, 0.0}, comp.Args...)...).Row().Scan(dest...); err != nil {
			t.Fatal(err)
		}
		comp.Found = true
		return ctx
	}
	fresh := func(ctx context.Context, caller *accounts.Caller, of uuid.UUID, want string) {
		t.Helper()
		v, err := svc.Get(ctx, caller, of)
		if err != nil {
			t.Fatal(err)
		}
		if v.ID != of || string(v.State) != want {
			t.Errorf("read of case %s (%s) shows case %s in %s: a row loaded for another read", of, want, v.ID, v.State)
		}
	}

	early := prefetch(c.Secretary.ID, id)
	casetest.StepRegister(c.Cast, t, id.String())
	if v, err := svc.Get(early, secretary, id); err != nil || v.State != "submitted" {
		t.Fatalf("the read the row was loaded for shows %v (%v), want the early submitted: the probe proves nothing", v.State, err)
	}

	// Another case.
	fresh(prefetch(c.Secretary.ID, other), secretary, id, "registered")

	// Another caller: the chair.
	early = prefetch(c.Chair.ID, id)
	casetest.StepAdmit(c.Cast, t, id.String())
	fresh(early, secretary, id, "admissible")

	// A caller whose grants, as the session check read them, give another
	// scope than the row was loaded in.
	early = prefetch(c.Secretary.ID, id)
	casetest.StepInvestigate(c.Cast, t, id.String())
	wider := *secretary
	wider.Grants = append(append([]authz.Grant(nil), secretary.Grants...), authz.Grant{Role: authz.Authority, Domain: "FIN"})
	fresh(early, &wider, id, "investigating")
}
