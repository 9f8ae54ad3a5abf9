package scaleout_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/e2e/internal/smtptest"
	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
	"github.com/rkc-nl/rkc/internal/testing/deploytest"
)

func TestMain(m *testing.M) { os.Exit(deploytest.Main(m)) }

const password = "correct horse battery staple"

// jobInterval is the purge and deadline-watch interval of the instances:
// short, so that a few seconds hold many rounds.
const jobInterval = 300 * time.Millisecond

// TestTwoInstances runs two processes of the binary on one database, as two
// replicas behind a load balancer, and shows that neither keeps state of
// its own: a session made on one works on the other, failed sign-ins count
// across both, a case changed through both at once gets one success and one
// 409 and loses no update, the scheduled jobs run once per round between
// them, and every notification goes out once.
func TestTwoInstances(t *testing.T) {
	url := dbtest.NewURL(t)
	mailer := smtptest.New(t, smtptest.Options{})
	env := map[string]string{
		"DATABASE_URL":                dbtest.AppURL(t, url), // as in production: the owner migrates, the service logs in as rkc_app
		"RKC_OWNER_DATABASE_URL":      url,
		"RKC_MASTER_KEYS":             deploytest.MasterKeys(),
		"RKC_PURGE_INTERVAL":          jobInterval.String(),
		"RKC_DEADLINE_WATCH_INTERVAL": jobInterval.String(),
		// The secretary signs in with a password alone: this test is about
		// two instances, not the second factor (internal/accounts tests that).
		"RKC_STAFF_SECOND_FACTOR": "false",
	}
	for k, v := range mailer.Env() {
		env[k] = v
	}
	a := deploytest.Launch(t, deploytest.Options{Name: "A", Env: env})
	b := deploytest.Launch(t, deploytest.Options{Name: "B", Env: env})
	started := time.Now()
	for _, in := range []*deploytest.Instance{a, b} {
		if err := in.WaitReady(90 * time.Second); err != nil {
			t.Fatalf("instance %s: %v\n%s", in.Name, err, in.Output())
		}
	}
	ctx := context.Background()
	gdb, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	acc := accounts.NewService(gdb, slog.New(slog.DiscardHandler), 12*time.Hour)
	person := func(email string, grants ...authz.Grant) {
		if _, err := acc.Create(ctx, accounts.NewPerson{Email: email, Name: "Test " + email, Ministry: "BZK", Password: password, Grants: grants}, nil); err != nil {
			t.Fatalf("creating %s: %v", email, err)
		}
	}
	person("klager@test.rkc", authz.Grant{Role: authz.Complainant, Domain: "BZK"})
	person("secretaris@test.rkc", authz.Grant{Role: authz.Secretary, Domain: authz.AnyDomain})
	person("doelwit@test.rkc", authz.Grant{Role: authz.Complainant, Domain: "BZK"})
	c := deploytest.NewClient()

	t.Run("session made on one works on the other", func(t *testing.T) {
		tok := login(t, c, a, "klager@test.rkc")
		st, body, err := c.Do(ctx, "GET", b.URL+"/api/v1/me", tok, nil)
		if err != nil || st != 200 || !strings.Contains(string(body), "klager@test.rkc") {
			t.Fatalf("GET /me on B with A's session: %d %s %v", st, body, err)
		}
		if st, _, _ := c.Do(ctx, "DELETE", b.URL+"/api/v1/session", tok, nil); st != http.StatusNoContent {
			t.Fatalf("sign-out on B: %d", st)
		}
		if st, _, _ := c.Do(ctx, "GET", a.URL+"/api/v1/me", tok, nil); st != http.StatusUnauthorized {
			t.Errorf("A still accepts a session signed out on B: %d", st)
		}
	})

	klager := login(t, c, a, "klager@test.rkc")
	secretaris := login(t, c, b, "secretaris@test.rkc")
	var caseIDs []string

	t.Run("concurrent change: one success, one 409, no lost update", func(t *testing.T) {
		const rounds = 8
		for i := range rounds {
			in := []*deploytest.Instance{a, b}[i%2]
			st, body, err := c.Do(ctx, "POST", in.URL+"/api/v1/cases", klager,
				[]byte(`{"category":"bullying","description":"Wat er gebeurde","respondent":{"ministry":"BZK"}}`))
			if err != nil || st != http.StatusCreated {
				t.Fatalf("filing on %s: %d %s %v", in.Name, st, body, err)
			}
			var filed struct {
				ID      string `json:"id"`
				Version int    `json:"version"`
			}
			json.Unmarshal(body, &filed)
			caseIDs = append(caseIDs, filed.ID)
			v := caseVersion(t, c, a, secretaris, filed.ID)

			// Both instances register the case at the same moment, each
			// with the version it read.
			var (
				wg      sync.WaitGroup
				gate    = make(chan struct{})
				results [2]int
				bodies  [2][]byte
			)
			for j, inst := range []*deploytest.Instance{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					results[j], bodies[j], _ = c.Do(ctx, "POST", inst.URL+"/api/v1/cases/"+filed.ID+"/register", secretaris,
						[]byte(fmt.Sprintf(`{"version":%d}`, v)))
				}()
			}
			close(gate)
			wg.Wait()
			ok, conflict := 0, 0
			for j, st := range results {
				switch st {
				case http.StatusOK:
					ok++
				case http.StatusConflict:
					conflict++
				default:
					t.Errorf("case %d: register on %s: %d %s", i, []string{"A", "B"}[j], st, bodies[j])
				}
			}
			if ok != 1 || conflict != 1 {
				t.Errorf("case %d: %d successes and %d conflicts, want 1 and 1", i, ok, conflict)
			}
			// The one registration is the only change: one version up, one
			// event, seen alike through both instances.
			for _, inst := range []*deploytest.Instance{a, b} {
				if got := caseVersion(t, c, inst, secretaris, filed.ID); got != v+1 {
					t.Errorf("case %d via %s: version %d after the race, want %d", i, inst.Name, got, v+1)
				}
			}
			if n := countEvents(t, c, b, secretaris, filed.ID, "registered"); n != 1 {
				t.Errorf("case %d: %d registered events, want 1", i, n)
			}
		}
	})

	t.Run("scheduled jobs ran once per round, not once per instance", func(t *testing.T) {
		// Let at least 12 rounds pass while both instances tick.
		if wait := 12*jobInterval - time.Since(started); wait > 0 {
			time.Sleep(wait)
		}
		elapsed := time.Since(started)
		rounds := int(elapsed/jobInterval) + 1
		for _, job := range []struct{ name, logMsg string }{{"purge", "retention purge"}, {"deadline_watch", "deadline watch"}} {
			// A run's log line follows its claim by milliseconds: read
			// both until they hold still between two claims.
			var logged int
			var claimed, instances int64
			for range 50 {
				var before int64
				gdb.Raw(`SELECT count(*) FROM scheduled_runs WHERE job = ? AND finished_at IS NOT NULL`, job.name).Scan(&before)
				logged = a.LogCount(job.logMsg) + b.LogCount(job.logMsg)
				gdb.Raw(`SELECT count(*), count(DISTINCT instance) FROM scheduled_runs WHERE job = ?`, job.name).Row().Scan(&claimed, &instances)
				if before == claimed && int64(logged) == claimed {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("%s: %d runs logged by the two instances, %d rounds claimed by %d instance(s), in %d rounds of %v",
				job.name, logged, claimed, instances, rounds, jobInterval)
			// Each instance ticks once per round; were the job run at each
			// tick that finds the lock free, the two would log about
			// 2 × rounds runs.
			if logged > rounds+1 {
				t.Errorf("%s ran %d times in %d rounds: more than once per round", job.name, logged, rounds)
			}
			if logged < rounds/3 {
				t.Errorf("%s ran only %d times in %d rounds", job.name, logged, rounds)
			}
			if int64(logged) != claimed {
				t.Errorf("%s: %d runs logged, %d rounds claimed", job.name, logged, claimed)
			}
		}
		var purgeRows int64
		gdb.Raw(`SELECT count(*) FROM purge_runs WHERE NOT dry_run`).Scan(&purgeRows)
		if logged := a.LogCount("retention purge") + b.LogCount("retention purge"); purgeRows != int64(logged) {
			t.Errorf("purge_runs has %d rows for %d logged runs", purgeRows, logged)
		}
		// No two purge runs overlapped (the advisory lock).
		var overlaps int64
		gdb.Raw(`SELECT count(*) FROM purge_runs p JOIN purge_runs q ON p.id < q.id
			AND p.started_at < q.finished_at AND q.started_at < p.finished_at`).Scan(&overlaps)
		if overlaps > 0 {
			t.Errorf("%d pairs of purge runs overlapped in time", overlaps)
		}
	})

	t.Run("every notification sent once", func(t *testing.T) {
		var queued int64
		gdb.Raw(`SELECT count(*) FROM outbox`).Scan(&queued)
		if queued == 0 {
			t.Fatal("no step enqueued a message: the case service's Notify must write to the outbox")
		}
		// Both workers poll the outbox; wait until nothing is pending.
		deadline := time.Now().Add(60 * time.Second)
		var pending int64
		for time.Now().Before(deadline) {
			gdb.Raw(`SELECT count(*) FROM outbox WHERE status = 'pending'`).Scan(&pending)
			if pending == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if pending > 0 {
			t.Fatalf("%d messages still pending after a minute", pending)
		}
		var ids []string
		gdb.Raw(`SELECT id::text FROM outbox WHERE status = 'sent'`).Scan(&ids)
		msgs := mailer.Messages()
		seen := map[string]int{}
		idRe := regexp.MustCompile(`^([0-9a-f-]{36})@`) // smtptest keeps the Message-ID without its angle brackets
		for _, m := range msgs {
			if mm := idRe.FindStringSubmatch(m.MessageID); mm != nil {
				seen[mm[1]]++
			} else {
				t.Errorf("a message without an outbox Message-ID: %q", m.MessageID)
			}
		}
		for _, id := range ids {
			if seen[id] != 1 {
				t.Errorf("outbox message %s delivered %d times, want once", id, seen[id])
			}
		}
		if len(msgs) != len(ids) {
			t.Errorf("%d messages delivered for %d sent outbox rows", len(msgs), len(ids))
		}
		t.Logf("%d messages queued, each delivered once, by the two instances' workers", len(ids))
	})
	t.Run("failed sign-ins count across instances", func(t *testing.T) {
		// The lock comes after 10 failures; alternate the instances, so
		// that neither alone saw more than 5. Last, because the lock also
		// holds the client's address (127.0.0.1) for a quarter of an hour.
		for i := range 10 {
			in := []*deploytest.Instance{a, b}[i%2]
			body := fmt.Sprintf(`{"email":"doelwit@test.rkc","password":"wrong %d"}`, i)
			if st, _, _ := c.Do(ctx, "POST", in.URL+"/api/v1/session", "", []byte(body)); st != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d on %s: %d, want 401", i+1, in.Name, st)
			}
		}
		body := `{"email":"doelwit@test.rkc","password":"` + password + `"}`
		for _, in := range []*deploytest.Instance{a, b} {
			if st, _, _ := c.Do(ctx, "POST", in.URL+"/api/v1/session", "", []byte(body)); st != http.StatusTooManyRequests {
				t.Errorf("sign-in on %s after 10 failures spread over both: %d, want 429", in.Name, st)
			}
		}
	})
	_ = caseIDs
}

// TestConcurrentStartOnEmptyDatabase starts several instances at the same
// moment on an empty database: the migrations run once, under the lock, and
// every instance ends up serving the same, complete schema.
func TestConcurrentStartOnEmptyDatabase(t *testing.T) {
	url := dbtest.NewEmptyURL(t)
	env := map[string]string{"DATABASE_URL": dbtest.AppURL(t, url), "RKC_OWNER_DATABASE_URL": url, "RKC_MASTER_KEYS": deploytest.MasterKeys()}
	const n = 4
	deploytest.Binary(t) // build before the clock starts
	var insts []*deploytest.Instance
	for i := range n {
		insts = append(insts, deploytest.Launch(t, deploytest.Options{Name: fmt.Sprint(i + 1), Env: env}))
	}
	for _, in := range insts {
		if err := in.WaitReady(90 * time.Second); err != nil {
			t.Fatalf("instance %s: %v\n%s", in.Name, err, in.Output())
		}
	}
	gdb, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	latest := db.LatestVersion()
	var rows []struct {
		Version int
		N       int
	}
	gdb.Raw(`SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version`).Scan(&rows)
	if len(rows) != latest {
		t.Errorf("schema_migrations holds %d versions, want %d", len(rows), latest)
	}
	for i, r := range rows {
		if r.Version != i+1 || r.N != 1 {
			t.Errorf("schema_migrations row %d: version %d recorded %d times", i, r.Version, r.N)
		}
	}
	applied := 0
	for _, in := range insts {
		applied += in.LogCount("migration applied")
	}
	if applied != latest {
		t.Errorf("%d migrations applied by %d instances together, want each of the %d once", applied, n, latest)
	}
	// The schema is the one a single migration run makes: the same tables
	// as the migrated test template.
	tables := func(g *gorm.DB) []string {
		var ts []string
		g.Raw(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`).Scan(&ts)
		return ts
	}
	ref, err := db.Open(context.Background(), dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ref)
	if got, want := tables(gdb), tables(ref); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("tables after the concurrent start:\n  %v\nwant, as one migration run makes them:\n  %v", got, want)
	}
	// The first-start admin account was made once.
	var admins int64
	gdb.Raw(`SELECT count(*) FROM persons WHERE email = 'beheer@rkc.local'`).Scan(&admins)
	printed := 0
	for _, in := range insts {
		printed += strings.Count(in.Output(), "one-time password")
	}
	if admins != 1 || printed != 1 {
		t.Errorf("%d admin accounts and %d one-time passwords printed, want 1 and 1", admins, printed)
	}
	for _, in := range insts {
		if err := in.Wait(0); err == nil || err.Error() != "still running" {
			t.Errorf("instance %s exited: %v", in.Name, err)
		}
	}
}

func login(t *testing.T, c *deploytest.Client, in *deploytest.Instance, email string) string {
	t.Helper()
	st, body, err := c.Do(context.Background(), "POST", in.URL+"/api/v1/session", "",
		[]byte(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil || st != http.StatusCreated {
		t.Fatalf("sign-in of %s on %s: %d %s %v", email, in.Name, st, body, err)
	}
	var r struct{ Token string }
	json.Unmarshal(body, &r)
	return r.Token
}

func caseVersion(t *testing.T, c *deploytest.Client, in *deploytest.Instance, tok, id string) int {
	t.Helper()
	st, body, err := c.Do(context.Background(), "GET", in.URL+"/api/v1/cases/"+id, tok, nil)
	if err != nil || st != 200 {
		t.Fatalf("GET case on %s: %d %s %v", in.Name, st, body, err)
	}
	var v struct{ Version int }
	json.Unmarshal(body, &v)
	return v.Version
}

func countEvents(t *testing.T, c *deploytest.Client, in *deploytest.Instance, tok, id, kind string) int {
	t.Helper()
	st, body, err := c.Do(context.Background(), "GET", in.URL+"/api/v1/cases/"+id+"/events", tok, nil)
	if err != nil || st != 200 {
		t.Fatalf("GET events on %s: %d %s %v", in.Name, st, body, err)
	}
	var evs struct {
		Items []struct{ Kind string } `json:"items"`
	}
	json.Unmarshal(body, &evs)
	n := 0
	for _, e := range evs.Items {
		if e.Kind == kind {
			n++
		}
	}
	return n
}
