package privacy_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/crypto"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/retention"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// cast is the people of the case tests (casetest.Cast). The case is a BZK
// case against a BZK respondent; the chair and the member work elsewhere,
// so they may sit on its panel.
type cast struct{ *casetest.Cast }

// newCast creates the cast on e; when the test fails, the end of the
// service's log is shown.
func newCast(t testing.TB, e *apptest.Env) *cast {
	t.Helper()
	t.Cleanup(func() {
		if t.Failed() {
			l := e.Log.Bytes()
			t.Logf("end of the service log:\n%s", l[max(0, len(l)-3000):])
		}
	})
	return &cast{casetest.CastOn(t, e)}
}

// sentinel is a string that occurs nowhere unless the test put it there.
func sentinel(label string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return label + "-" + strings.ToUpper(hex.EncodeToString(b))
}

// complaint is casetest's complaint with tag in every free-text field (the
// respondent's name and the complainant's contact details among them), of
// discrimination on the ground of religion, which the statistics kept after
// the purge must show.
func complaint(tag string) map[string]any {
	body := casetest.TaggedComplaint(tag)
	body["category"], body["ground"] = "discrimination", "religion"
	return body
}

// upload adds a text/plain evidence file as p and returns its id.
func (c *cast) upload(t testing.TB, p *apptest.Person, id, filename, content string) string {
	t.Helper()
	r := c.Upload(t, p, id, filename, "text/plain", []byte(content))
	if r.Status != 201 {
		t.Fatalf("upload: status %d: %s", r.Status, r.Body)
	}
	var meta struct{ ID string }
	r.Decode(t, &meta)
	return meta.ID
}

// The steps of a complaint's life up to investigation, each by the person
// who may take it.
func (c *cast) toInvestigation(t testing.TB, id, tag string) {
	t.Helper()
	c.Post(t, c.Secretary, id, "register", nil, "registered")
	c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": true, "reason": "Ontvankelijk " + tag}, "admissible")
	c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String(), c.Chair.ID.String()}})
	c.Post(t, c.Secretary, id, "investigation", map[string]any{"respondent_email": c.Respondent.Email}, "investigating")
}

// absent fails the test when any secret occurs in data as text or as the hex
// that pg_dump writes for bytea (which is how plaintext in a bytea column
// would show).
func absent(t testing.TB, where string, data []byte, secrets ...string) {
	t.Helper()
	lower := bytes.ToLower(data)
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("%s contains %q", where, s)
		}
		if bytes.Contains(lower, []byte(hex.EncodeToString([]byte(s)))) {
			t.Errorf("%s contains %q hex-encoded", where, s)
		}
	}
}

func present(t testing.TB, where string, data []byte, want ...string) {
	t.Helper()
	for _, s := range want {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("%s lacks %q", where, s)
		}
	}
}

func logOf(e *apptest.Env) []byte { return append([]byte(nil), e.Log.Bytes()...) }

// TestSentinelNeverInDumpOrLog files a complaint whose every text, name and
// attachment holds a sentinel, walks it to closed and purges it. At every
// step the sentinel is absent from a plain pg_dump (a backup) and from the
// service's log; after the purge only the anonymous statistical record is
// left.
func TestSentinelNeverInDumpOrLog(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := newCast(t, e)
	s := sentinel("SENTINEL")
	var number string
	check := func(step string) {
		t.Helper()
		dump := dbtest.Dump(t, e.Config.DatabaseURL)
		if number != "" && !bytes.Contains(dump, []byte(number)) {
			t.Fatalf("after %s: the dump does not even hold the case number; is it a dump of the right database?", step)
		}
		absent(t, "pg_dump after "+step, dump, s)
		absent(t, "service log after "+step, logOf(e), s)
	}
	check("start")

	id := c.File(t, c.Complainant, complaint(s))
	var filed struct{ Number string }
	c.E.Must(200, c.Secretary, "GET", "/api/v1/cases/"+id, nil).Decode(t, &filed)
	number = filed.Number
	check("filing")
	aid := c.upload(t, c.Complainant, id, "verslag-"+s+".txt", "Wat er gebeurde, opgeschreven door mij. "+s+"\n")
	check("attachment")
	// The control: the service itself reads the sentinel back, so it was stored.
	present(t, "the case as the secretary reads it", c.E.Must(200, c.Secretary, "GET", "/api/v1/cases/"+id, nil).Body, s)
	present(t, "the attachment", c.E.Must(200, c.Secretary, "GET", "/api/v1/cases/"+id+"/attachments/"+aid, nil).Body, s)

	c.Post(t, c.Secretary, id, "register", nil, "registered")
	check("register")
	c.Post(t, c.Chair, id, "admissibility", map[string]any{"admissible": true, "reason": "Ontvankelijk " + s}, "admissible")
	check("admissibility")
	c.E.Must(200, c.Chair, "POST", "/api/v1/cases/"+id+"/panel", map[string]any{"member_ids": []string{c.Member.ID.String(), c.Chair.ID.String()}})
	check("panel")
	c.Post(t, c.Secretary, id, "investigation", map[string]any{"respondent_email": c.Respondent.Email}, "investigating")
	check("investigation")
	c.E.Must(201, c.Complainant, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Aanvulling " + s})
	c.E.Must(201, c.Respondent, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Verweer " + s})
	check("statements")
	var h struct {
		ID      string
		Version int
	}
	c.E.Must(201, c.Secretary, "POST", "/api/v1/cases/"+id+"/hearings", map[string]any{
		"planned_at": e.Clock.Now().UTC().Format(time.RFC3339Nano), "parties": "both", "location": "Zaal " + s, "minutes": "Eerste verslag " + s}).Decode(t, &h)
	check("hearing planned")
	c.E.Must(200, c.Member, "PUT", "/api/v1/cases/"+id+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": "Verslag " + s, "held": true})
	check("hearing held")
	c.Post(t, c.Chair, id, "advice", map[string]any{"findings": "Bevindingen " + s, "measures": "Maatregel " + s,
		"judgements": []map[string]any{{"position": 1, "judgement": "founded"}, {"position": 2, "judgement": "unfounded"}}}, "advised")
	check("advice")
	c.Post(t, c.Authority, id, "decision", map[string]any{"follows_advice": false, "reasons": "Afwijkende reden " + s}, "decided")
	check("decision")
	c.Post(t, c.Secretary, id, "close", nil, "closed")
	check("close")
	present(t, "the closed case as the complainant reads it", c.E.Must(200, c.Complainant, "GET", "/api/v1/cases/"+id, nil).Body, s)

	var key struct{ DataKey []byte }
	if err := e.App.DB.Raw(`SELECT data_key FROM cases WHERE id = ?`, id).Scan(&key).Error; err != nil || len(key.DataKey) == 0 {
		t.Fatalf("wrapped data key: %x, %v", key.DataKey, err)
	}
	wrapped := key.DataKey

	// Not yet past the term: the purge leaves it.
	ret := retention.Terms{CaseYears: e.Config.RetentionYears, SignalYears: e.Config.SignalRetentionYears}
	rep, err := e.App.Retention.Purge(context.Background(), ret, false)
	if err != nil || rep.CasesPurged != 0 {
		t.Fatalf("purge before the term: %+v, %v", rep, err)
	}
	e.Clock.Set(e.Clock.Now().AddDate(e.Config.RetentionYears, 0, 1))
	rep, err = e.App.Retention.Purge(context.Background(), ret, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.CasesPurged != 1 || rep.AttachmentsPurged != 1 || rep.DryRun {
		t.Fatalf("purge report %+v, want one case with one attachment", rep)
	}
	absent(t, "pg_dump after purge (the case number)", dbtest.Dump(t, e.Config.DatabaseURL), number)
	number = ""
	check("purge")

	// The anonymous statistical record stays, marked purged, with the facts
	// the annual report needs.
	var st struct {
		N                                            int
		State, Ministry, Category, Ground, Judgement string
		ElementsFounded, ElementsUnfounded           int
		HearingsHeld                                 int
		FollowsAdvice                                bool
		PurgedOn                                     *time.Time
	}
	if err := e.App.DB.Raw(`SELECT count(*) OVER () AS n, state, ministry, category, ground, judgement, elements_founded,
		elements_unfounded, hearings_held, follows_advice, purged_on FROM case_stats`).Scan(&st).Error; err != nil {
		t.Fatal(err)
	}
	if st.N != 1 || st.PurgedOn == nil || st.State != "closed" || st.Ministry != "BZK" || st.Category != "discrimination" ||
		st.Ground != "religion" || st.Judgement != "partly_founded" || st.ElementsFounded != 1 || st.ElementsUnfounded != 1 ||
		st.HearingsHeld != 1 || st.FollowsAdvice {
		t.Errorf("statistical record after purge: %+v", st)
	}
	if want := cases.DateOf(e.Clock.Now()); st.PurgedOn != nil && !st.PurgedOn.Equal(want) {
		t.Errorf("purged_on %v, want %v", st.PurgedOn, want)
	}

	// No row of the case is left in any table that refers to cases, the
	// wrapped key included. The access log keeps the case's id only: it is
	// append-only by design and holds no content.
	var tables []string
	if err := e.App.DB.Raw(`SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'
		AND column_name = 'case_id' AND table_name <> 'access_log' ORDER BY table_name`).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"advices", "attachments", "case_elements", "case_events", "decisions", "hearings", "statements"} {
		if !slices.Contains(tables, want) {
			t.Fatalf("tables with a case_id: %v, missing %s", tables, want)
		}
	}
	for _, tbl := range tables {
		var n int64
		if err := e.App.DB.Raw(`SELECT count(*) FROM `+tbl+` WHERE case_id = ?`, id).Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%s: %d rows of the purged case left (%v)", tbl, n, err)
		}
	}
	var n int64
	if err := e.App.DB.Raw(`SELECT count(*) FROM cases WHERE id = ?`, id).Scan(&n).Error; err != nil || n != 0 {
		t.Errorf("cases: %d rows of the purged case left (%v)", n, err)
	}
	absent(t, "pg_dump after purge (the wrapped data key)", dbtest.Dump(t, e.Config.DatabaseURL), string(wrapped))

	// Nobody can read anything of it any more.
	for _, p := range []*apptest.Person{c.Secretary, c.Complainant, c.Respondent, c.Chair, c.Authority} {
		paths := []string{"/api/v1/cases/" + id, "/api/v1/cases/" + id + "/events"}
		if p != c.Authority { // the authority's role has no attachment route at all (403)
			paths = append(paths, "/api/v1/cases/"+id+"/attachments/"+aid)
		}
		for _, path := range paths {
			if r := c.E.Do(p, "GET", path, nil); r.Status != 404 {
				t.Errorf("%s GET %s after purge: %d, want 404", p.Email, path, r.Status)
			}
		}
	}
	var runs int64
	e.App.DB.Raw(`SELECT count(*) FROM purge_runs WHERE NOT dry_run AND cases_purged = 1`).Scan(&runs)
	if runs != 1 {
		t.Errorf("purge_runs: %d rows for the run that purged the case, want 1", runs)
	}
	absent(t, "the service log at the end", logOf(e), s, string(wrapped))
}

// problemWithout checks that r is a 500 problem document carrying none of
// the secrets: a value that fails to decrypt is an error, never blanks and
// never another case's text.
func problemWithout(t *testing.T, r *apptest.Response, secrets ...string) {
	t.Helper()
	if r.Status != 500 {
		t.Fatalf("status %d, want 500: %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q, want a problem document", ct)
	}
	absent(t, "the error answer", r.Body, secrets...)
}

// TestSwappedCiphertextDoesNotOpen copies encrypted values between cases,
// between fields and between rows in the database: reading then fails with a
// 500 that shows neither case's content, and once the value is put back the
// case reads again.
func TestSwappedCiphertextDoesNotOpen(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := newCast(t, e)
	sa, sb := sentinel("CASEA"), sentinel("CASEB")
	a := c.File(t, c.Complainant, complaint(sa))
	b := c.File(t, c.Complainant, complaint(sb))
	attA := c.upload(t, c.Complainant, a, "a.txt", "Bewijs "+sa)
	attB := c.upload(t, c.Complainant, b, "b.txt", "Bewijs "+sb)
	attB2 := c.upload(t, c.Complainant, b, "b2.txt", "Ander bewijs "+sb)
	owner := casetest.OwnerDB(t, e)
	caseB := "/api/v1/cases/" + b

	swaps := []struct {
		name                  string
		table, col, target    string // the value replaced
		srcCol, source        string // the value copied in
		read                  string
		readAfterRestoreHolds string
	}{
		{"description from another case", "cases", "description_enc", "id = '" + b + "'", "description_enc", "id = '" + a + "'", caseB, sb},
		{"contact from another case", "cases", "complainant_contact_enc", "id = '" + b + "'", "complainant_contact_enc", "id = '" + a + "'", caseB, sb},
		{"description into witnesses of the same case", "cases", "witnesses_enc", "id = '" + b + "'", "description_enc", "id = '" + b + "'", caseB, sb},
		{"element 2 into element 1 of the same case", "case_elements", "description_enc", "case_id = '" + b + "' AND position = 1",
			"description_enc", "case_id = '" + b + "' AND position = 2", caseB, sb},
		{"wrapped data key of another case", "cases", "data_key", "id = '" + b + "'", "data_key", "id = '" + a + "'", caseB, sb},
		{"attachment content from another case", "attachments", "content_enc", "id = '" + attB + "'", "content_enc", "id = '" + attA + "'",
			caseB + "/attachments/" + attB, sb},
		{"attachment content from another attachment of the same case", "attachments", "content_enc", "id = '" + attB + "'",
			"content_enc", "id = '" + attB2 + "'", caseB + "/attachments/" + attB, sb},
	}
	for _, sw := range swaps {
		t.Run(sw.name, func(t *testing.T) {
			var orig []byte
			if err := owner.QueryRow(`SELECT ` + sw.col + ` FROM ` + sw.table + ` WHERE ` + sw.target).Scan(&orig); err != nil || orig == nil {
				t.Fatalf("reading the original: %v", err)
			}
			if _, err := owner.Exec(`UPDATE ` + sw.table + ` SET ` + sw.col + ` = (SELECT ` + sw.srcCol + ` FROM ` + sw.table +
				` WHERE ` + sw.source + `) WHERE ` + sw.target); err != nil {
				t.Fatal(err)
			}
			for _, p := range []*apptest.Person{c.Secretary, c.Complainant} {
				problemWithout(t, c.E.Do(p, "GET", sw.read, nil), sa, sb)
			}
			if _, err := owner.Exec(`UPDATE `+sw.table+` SET `+sw.col+` = $1 WHERE `+sw.target, orig); err != nil {
				t.Fatal(err)
			}
			present(t, "the case once the value is back", c.E.Must(200, c.Secretary, "GET", sw.read, nil).Body, sw.readAfterRestoreHolds)
		})
	}
	absent(t, "the service log", logOf(e), sa, sb)
}

// TestSwapBetweenRowsOfOneField swaps values of one field between two rows of
// the same case (two statements); the row id in the associated data must make
// the copy fail to decrypt rather than put one party's words under the other's name.
func TestSwapBetweenRowsOfOneField(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := newCast(t, e)
	s := sentinel("SWAP")
	id := c.File(t, c.Complainant, complaint(s))
	c.toInvestigation(t, id, s)
	mine, theirs := "Klager verklaart "+sentinel("MINE"), "Verweerder verklaart "+sentinel("THEIRS")
	c.E.Must(201, c.Complainant, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": mine})
	c.E.Must(201, c.Respondent, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": theirs})
	owner := casetest.OwnerDB(t, e)
	// The complainant's words put under the respondent's name.
	if _, err := owner.Exec(`UPDATE statements SET body_enc = (SELECT body_enc FROM statements WHERE case_id = $1 AND side = 'complainant')
		WHERE case_id = $1 AND side = 'respondent'`, id); err != nil {
		t.Fatal(err)
	}
	r := c.E.Do(c.Secretary, "GET", "/api/v1/cases/"+id, nil)
	if r.Status == 200 {
		var v struct {
			Statements []struct{ Side, Body string }
		}
		r.Decode(t, &v)
		for _, st := range v.Statements {
			if st.Side == "respondent" && st.Body == mine {
				t.Fatal("a statement body copied into another statement of the same case decrypted: " +
					"the associated data must bind the row as well as the case and field")
			}
		}
	}
	problemWithout(t, r, mine, theirs)
}

// loadConfig builds a configuration from env as the binary would.
func loadConfig(t testing.TB, env map[string]string) *config.Config {
	t.Helper()
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestRotateUnderLoad rotates the master key while the service answers
// reads and takes steps: a new key is added to the key file, a second
// instance is rolled out with both keys, every data key is rewrapped while it
// serves, the old key is retired, and a third instance holding only the new
// key reads every case and signal.
func TestRotateUnderLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "master.keys")
	if err := crypto.GenerateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	cfg := loadConfig(t, map[string]string{"DATABASE_URL": dbtest.NewURL(t), "RKC_DATA_DIR": dir, "RKC_MASTER_KEY_FILE": keyFile})
	e1 := apptest.NewWithConfig(t, cfg)
	oldID := e1.App.Keys.ActiveID()
	c := newCast(t, e1)
	tag := sentinel("ROT")
	const n = 24
	var ids []string
	for range n {
		ids = append(ids, c.File(t, c.Complainant, complaint(tag)))
	}
	e1.Must(201, nil, "POST", "/api/v1/signals", map[string]any{"category": "bullying", "message": "Melding " + tag})

	newID, err := crypto.AddKeyToFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	// Roll: the next instance loads both keys and wraps new cases under the new one.
	e2 := apptest.NewWithConfig(t, cfg)
	if e2.App.Keys.ActiveID() != newID || len(e2.App.Keys.IDs()) != 2 {
		t.Fatalf("rolled instance has keys %v, active %s; want %s active and %s readable", e2.App.Keys.IDs(), e2.App.Keys.ActiveID(), newID, oldID)
	}
	c.E = e2
	ids = append(ids, c.File(t, c.Complainant, complaint(tag)))

	// Readers and a writer on the rolled instance while the rotation runs.
	var reads, failures atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	get := func(p *apptest.Person, method, path string, body []byte) (int, error) {
		req, _ := http.NewRequest(method, e2.Server.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.Token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := e2.Server.Client().Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				st, err := get(c.Secretary, "GET", "/api/v1/cases/"+ids[i%len(ids)], nil)
				reads.Add(1)
				if err != nil || st != 200 {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("GET case: %d %v", st, err))
				}
			}
		}()
	}
	// Steps lock case rows (FOR UPDATE) while the rotation looks for rows to rewrap.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < len(ids)/2; i++ {
			st, err := get(c.Secretary, "POST", "/api/v1/cases/"+ids[i]+"/register", []byte(`{}`))
			if err != nil || st != 200 {
				failures.Add(1)
				firstFailure.CompareAndSwap(nil, fmt.Sprintf("register: %d %v", st, err))
			}
		}
	}()
	for reads.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	keys, err := crypto.LoadKeyring(crypto.KeySource{File: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	// A step holds one case row locked while the rotation runs: the rotation
	// must wait for it rather than finish with that key still under the old
	// master key.
	lockTx, err := casetest.OwnerDB(t, e2).Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockTx.Exec(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, ids[len(ids)-2]); err != nil {
		t.Fatal(err)
	}
	type rotation struct {
		rep *privacy.RotateReport
		err error
	}
	done := make(chan rotation, 1)
	go func() {
		rep, err := privacy.Rotate(ctx, e2.App.DB, keys)
		done <- rotation{rep, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("rotation finished while a case row was locked: %+v, %v", r.rep, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	lockTx.Commit()
	rot := <-done
	rep, err := rot.rep, rot.err
	if err != nil {
		t.Fatal(err)
	}
	after := reads.Load()
	for reads.Load() < after+20 {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if f := failures.Load(); f > 0 {
		t.Fatalf("%d of %d requests failed during the rotation; first: %v", f, reads.Load(), firstFailure.Load())
	}
	t.Logf("%d reads during the rotation, all 200; report %+v", reads.Load(), rep)
	if rep.Rewrapped != n+1 || rep.ByOldKey[oldID] != n+1 {
		t.Errorf("rotation report %+v, want %d keys (%d cases and a signal) moved off %s", rep, n+1, n, oldID)
	}
	if inUse, err := privacy.KeyInUse(ctx, e2.App.DB, oldID); err != nil || inUse != 0 {
		t.Fatalf("KeyInUse(old) = %d, %v; want 0", inUse, err)
	}
	// Restartable: a second run finds nothing to do.
	if rep, err := privacy.Rotate(ctx, e2.App.DB, keys); err != nil || rep.Rewrapped != 0 {
		t.Errorf("second rotation: %+v, %v; want nothing rewrapped", rep, err)
	}

	if err := crypto.RetireKeyFromFile(keyFile, oldID); err != nil {
		t.Fatal(err)
	}
	e3 := apptest.NewWithConfig(t, cfg)
	if got := e3.App.Keys.IDs(); len(got) != 1 || got[0] != newID {
		t.Fatalf("third instance holds keys %v, want only %s", got, newID)
	}
	for _, id := range ids {
		present(t, "case "+id+" on the instance with only the new key", e3.Must(200, c.Secretary, "GET", "/api/v1/cases/"+id, nil).Body, tag)
	}
	var sigs struct{ Items []struct{ ID string } }
	e3.Must(200, c.Secretary, "GET", "/api/v1/signals", nil).Decode(t, &sigs)
	if len(sigs.Items) != 1 {
		t.Fatalf("signals: %+v", sigs)
	}
	present(t, "the signal on the instance with only the new key", e3.Must(200, c.Secretary, "GET", "/api/v1/signals/"+sigs.Items[0].ID, nil).Body, tag)
	// The first instance, which never loaded the new key, can no longer read:
	// the keys really moved.
	if r := e1.Do(c.Secretary, "GET", "/api/v1/cases/"+ids[0], nil); r.Status != 500 {
		t.Errorf("instance with only the retired key read a rewrapped case: %d", r.Status)
	}
}

// exportOf fetches an export and checks the headers every export carries.
func exportOf(t *testing.T, e *apptest.Env, p *apptest.Person, path string) *apptest.Response {
	t.Helper()
	r := e.Must(200, p, "GET", path, nil)
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", path, cc)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("%s: Content-Disposition %q, want a download", path, cd)
	}
	return r
}

type exportDoc struct {
	Account struct{ ID, Email string }
	Cases   []struct {
		Role string
		Case struct {
			ID                 string
			Description        string
			ComplainantContact string `json:"complainant_contact"`
			Statements         []struct{ Side, Body string }
			Attachments        []struct{ Side, Filename string }
		}
	}
	Actions []struct {
		Action string
		CaseID *string `json:"case_id"`
	}
}

// TestExport: each party's export holds their own part of the case and
// leaves out the other party's data; the privacy officer can export a named
// person, and that run is logged; nobody else can.
func TestExport(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := newCast(t, e)
	desc, contact, witness := sentinel("DESC"), sentinel("CONTACT"), sentinel("WITNESS")
	cStmt, rStmt, cAtt, rAtt := sentinel("CSTMT"), sentinel("RSTMT"), sentinel("CATT"), sentinel("RATT")
	body := complaint(desc)
	body["contact"] = "Bel mij op " + contact
	body["witnesses"] = "Getuige " + witness
	id := c.File(t, c.Complainant, body)
	c.upload(t, c.Complainant, id, "klacht-"+cAtt+".txt", "bewijs")
	c.toInvestigation(t, id, desc)
	c.E.Must(201, c.Complainant, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Aanvulling " + cStmt})
	c.E.Must(201, c.Respondent, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Verweer " + rStmt})
	c.upload(t, c.Respondent, id, "verweer-"+rAtt+".txt", "bewijs van de andere kant")

	t.Run("complainant", func(t *testing.T) {
		r := exportOf(t, e, c.Complainant, "/api/v1/me/export")
		present(t, "the complainant's export", r.Body, desc, contact, witness, cStmt, cAtt)
		absent(t, "the complainant's export", r.Body, rStmt, rAtt, c.Respondent.Email, c.Respondent.Name)
		var doc exportDoc
		r.Decode(t, &doc)
		if doc.Account.ID != c.Complainant.ID.String() || len(doc.Cases) != 1 || doc.Cases[0].Role != "complainant" || doc.Cases[0].Case.ID != id {
			t.Errorf("complainant's export: account %+v, cases %+v", doc.Account, doc.Cases)
		}
	})
	t.Run("respondent", func(t *testing.T) {
		r := exportOf(t, e, c.Respondent, "/api/v1/me/export?format=json")
		// What was shared with them: the complaint and their own answer.
		present(t, "the respondent's export", r.Body, desc, rStmt, rAtt)
		absent(t, "the respondent's export", r.Body, contact, witness, cStmt, cAtt, c.Complainant.Email)
		var doc exportDoc
		r.Decode(t, &doc)
		if len(doc.Cases) != 1 || doc.Cases[0].Role != "respondent" || doc.Cases[0].Case.ComplainantContact != "" {
			t.Errorf("respondent's export cases: %+v", doc.Cases)
		}
	})
	t.Run("panel member sees only that they sat on it", func(t *testing.T) {
		r := exportOf(t, e, c.Member, "/api/v1/me/export")
		absent(t, "the member's export", r.Body, desc, contact, witness, cStmt, rStmt, cAtt, rAtt)
		var doc exportDoc
		r.Decode(t, &doc)
		if len(doc.Cases) != 1 || doc.Cases[0].Role != "panel" || doc.Cases[0].Case.ID != id {
			t.Errorf("member's export cases: %+v", doc.Cases)
		}
	})
	// The officer exports others only under a data-subject request
	// (requests_test.go).
	e.OpenDataSubjectRequest(c.Privacy.ID, c.Complainant.ID)
	e.OpenDataSubjectRequest(c.Privacy.ID, c.Admin.ID)
	t.Run("pdf", func(t *testing.T) {
		for _, p := range []*apptest.Person{c.Complainant, c.Respondent} {
			r := exportOf(t, e, p, "/api/v1/me/export?format=pdf")
			if ct := r.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
				t.Errorf("%s: pdf export has type %q and starts %q", p.Email, ct, r.Body[:min(8, len(r.Body))])
			}
		}
		r := exportOf(t, e, c.Privacy, "/api/v1/persons/"+c.Complainant.ID.String()+"/export?format=pdf")
		if !bytes.HasPrefix(r.Body, []byte("%PDF")) {
			t.Errorf("officer's pdf export starts %q", r.Body[:min(8, len(r.Body))])
		}
	})
	t.Run("bad format", func(t *testing.T) {
		for _, path := range []string{"/api/v1/me/export?format=xml", "/api/v1/persons/" + c.Complainant.ID.String() + "/export?format=docx"} {
			p := c.Complainant
			if strings.Contains(path, "persons") {
				p = c.Privacy
			}
			if r := e.Do(p, "GET", path, nil); r.Status != 400 {
				t.Errorf("%s: %d, want 400: %s", path, r.Status, r.Body)
			}
		}
	})
	t.Run("privacy officer exports a named person, and it is logged", func(t *testing.T) {
		r := exportOf(t, e, c.Privacy, "/api/v1/persons/"+c.Complainant.ID.String()+"/export")
		present(t, "the officer's export of the complainant", r.Body, desc, contact, cStmt)
		absent(t, "the officer's export of the complainant", r.Body, rStmt, rAtt)
		// A person without cases: the run is logged all the same.
		exportOf(t, e, c.Privacy, "/api/v1/persons/"+c.Admin.ID.String()+"/export")
		var log struct {
			Items []struct {
				Action, Role string
				PersonID     string  `json:"person_id"`
				CaseID       *string `json:"case_id"`
			}
		}
		e.Must(200, c.Privacy, "GET", "/api/v1/audit?personId="+c.Privacy.ID.String()+"&perPage=500", nil).Decode(t, &log)
		var caseExport, runs int
		for _, it := range log.Items {
			if it.Role != "privacy_officer" {
				t.Errorf("officer's log entry with role %q: %+v", it.Role, it)
			}
			if it.Action == "case:export" && it.CaseID != nil && *it.CaseID == id {
				caseExport++
			}
			if strings.HasPrefix(it.Action, "export:person") {
				runs++
			}
		}
		// Two exports of the complainant so far (json here, pdf above).
		if caseExport < 1 || runs < 2 {
			t.Errorf("officer's exports in the log: %d case reads, %d runs; log %+v", caseExport, runs, log.Items)
		}
		if r := e.Do(c.Privacy, "GET", "/api/v1/persons/"+uuid.NewString()+"/export", nil); r.Status != 404 {
			t.Errorf("export of an unknown person: %d, want 404", r.Status)
		}
	})
	t.Run("only the privacy officer exports others", func(t *testing.T) {
		for _, p := range []*apptest.Person{c.Complainant, c.Respondent, c.Secretary, c.Chair, c.Member, c.Authority, c.Admin} {
			if r := e.Do(p, "GET", "/api/v1/persons/"+c.Complainant.ID.String()+"/export", nil); r.Status != 403 {
				t.Errorf("%s exporting someone else: %d, want 403", p.Email, r.Status)
			}
		}
		if r := e.Do(nil, "GET", "/api/v1/persons/"+c.Complainant.ID.String()+"/export", nil); r.Status != 401 {
			t.Errorf("anonymous export: %d, want 401", r.Status)
		}
	})
	absent(t, "the service log", logOf(e), desc, contact, witness, cStmt, rStmt, cAtt, rAtt)
}

// TestExportAdviser: an adviser's export holds what they filed and wrote,
// not what the complainant wrote in the case themselves.
func TestExportAdviser(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := newCast(t, e)
	adviser := c.Adviser
	desc, consent, mine, theirs := sentinel("DESC"), sentinel("CONSENT"), sentinel("ADVISER"), sentinel("COMPLAINANT")
	body := complaint(desc)
	body["complainant_email"] = c.Complainant.Email
	body["consent"] = "Ingestemd op 3 maart " + consent
	id := c.File(t, adviser, body)
	c.Post(t, c.Secretary, id, "register", nil, "registered")
	e.Must(201, adviser, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Namens klager " + mine})
	e.Must(201, c.Complainant, "POST", "/api/v1/cases/"+id+"/statements", map[string]any{"body": "Zelf geschreven " + theirs})
	c.upload(t, c.Complainant, id, "eigen-"+theirs+".txt", "bewijs")

	r := exportOf(t, e, adviser, "/api/v1/me/export")
	present(t, "the adviser's export", r.Body, consent, mine)
	absent(t, "the adviser's export", r.Body, desc, theirs)
	var doc exportDoc
	r.Decode(t, &doc)
	if len(doc.Cases) != 1 || doc.Cases[0].Role != "adviser" {
		t.Errorf("adviser's export cases: %+v", doc.Cases)
	}
	// The complainant's export holds the whole complaint side.
	present(t, "the complainant's export", exportOf(t, e, c.Complainant, "/api/v1/me/export").Body, desc, consent, mine, theirs)
}
