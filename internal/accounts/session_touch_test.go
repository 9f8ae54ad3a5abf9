package accounts_test

import (
	"testing"

	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/testing/accountstest"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
)

// A request marks its session as used only when the last mark is older
// than half a minute, so a burst of reads writes nothing; a withdrawn grant
// and a deactivated account still take effect at the very next request.
func TestSessionTouchedOnlyWhenDue(t *testing.T) {
	t.Parallel()
	e, _ := accountstest.NewEnv(t, nil)
	p := e.Person("a@test.rkc", "BZK", apptest.Grant(authz.Complainant, "BZK"), apptest.Grant(authz.Reporter, authz.AnyDomain))
	ageAfterRequest := func(setAgo string) float64 {
		t.Helper()
		if err := e.App.DB.Exec(`UPDATE sessions SET last_seen_at = now() - CAST(? AS interval) WHERE person_id = ?`, setAgo, p.ID).Error; err != nil {
			t.Fatal(err)
		}
		e.Must(200, p, "GET", "/api/v1/me", nil)
		var age float64
		e.App.DB.Raw(`SELECT extract(epoch FROM now() - last_seen_at)::float8 FROM sessions WHERE person_id = ?`, p.ID).Scan(&age)
		return age
	}
	if age := ageAfterRequest("10 seconds"); age < 9 {
		t.Errorf("a session used 10 s ago was written again (last use %.1f s ago)", age)
	}
	if age := ageAfterRequest("5 minutes"); age > 5 {
		t.Errorf("a session last marked 5 minutes ago was not marked as used (last use %.1f s ago)", age)
	}

	// Withdrawn in the database by another instance: the next request knows.
	if err := e.App.DB.Exec(`DELETE FROM role_grants WHERE person_id = ? AND role = ?`, p.ID, authz.Reporter).Error; err != nil {
		t.Fatal(err)
	}
	e.Must(403, p, "GET", "/api/v1/reports/annual/2025", nil)
	if err := e.App.DB.Exec(`UPDATE persons SET active = false WHERE id = ?`, p.ID).Error; err != nil {
		t.Fatal(err)
	}
	accountstest.ExpectProblem(t, e.Do(p, "GET", "/api/v1/me", nil), 401, "unauthenticated")
}
