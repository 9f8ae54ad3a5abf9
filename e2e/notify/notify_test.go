package notify_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	gomail "github.com/wneessen/go-mail"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/e2e/internal/smtptest"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/i18n"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/testing/apptest"
	"github.com/rkc-nl/rkc/internal/testing/casetest"
	"github.com/rkc-nl/rkc/internal/testing/notifytest"
)

const sentinel = "ZEBRA7731"

// want is one message a test expects: which kind, in which case, to whom.
type want struct {
	kind, caseID, to string
}

// TestEveryKindReachesItsRecipients drives real cases through every step
// that tells someone, with the sentinel in every text anyone typed, and
// checks at a real SMTP server that each recipient got exactly the messages
// meant for them, in their language, with the case number and the link,
// and nothing of the case's content.
func TestEveryKindReachesItsRecipients(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	e := c.E
	srv := smtptest.New(t, smtptest.Options{})
	var wants []want
	expect := func(kind, id string, to ...*apptest.Person) {
		for _, p := range to {
			wants = append(wants, want{kind, id, p.Email})
		}
	}
	dueAtRegistration := map[string]time.Time{}
	register := func(id string) {
		c.Step(t, c.Secretary, id, "register", nil)
		var due time.Time
		e.App.DB.Raw(`SELECT due_on FROM cases WHERE id = ?`, id).Scan(&due)
		dueAtRegistration[id] = due
	}

	// A: filed by the adviser for the (English-reading) complainant, through
	// to the authority's decision.
	body := casetest.TaggedComplaint(sentinel)
	body["complainant_email"] = c.Complainant.Email
	body["consent"] = "Toestemming " + sentinel
	a := c.File(t, c.Adviser, body)
	expect("filed_on_behalf", a, c.Complainant) // told, without content, that it was filed for them
	register(a)
	expect("acknowledgement", a, c.Complainant, c.Adviser)
	c.Step(t, c.Secretary, a, "information-request", map[string]any{"what": "Datum " + sentinel})
	expect("information_requested", a, c.Complainant, c.Adviser)
	c.Step(t, c.Complainant, a, "information", map[string]any{"text": "Antwoord " + sentinel})
	c.Investigate(t, a)
	expect("admissible", a, c.Complainant, c.Adviser)
	expect("respondent_informed", a, c.Respondent)
	c.Step(t, c.Respondent, a, "statements", map[string]any{"body": "Verweer " + sentinel})
	var h struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	c.Step(t, c.Secretary, a, "hearings", map[string]any{"planned_at": e.Clock.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339),
		"parties": "both", "location": "Zaal " + sentinel}).Decode(t, &h)
	expect("hearing_planned", a, c.Complainant, c.Adviser, c.Respondent)
	c.Step(t, c.Chair, a, "extension", map[string]any{"reason": "Drukte " + sentinel})
	expect("extension", a, c.Complainant, c.Adviser, c.Respondent)
	var extendedDue time.Time
	e.App.DB.Raw(`SELECT due_on FROM cases WHERE id = ?`, a).Scan(&extendedDue)
	c.Step(t, c.Chair, a, "further-delay", map[string]any{"new_due_on": e.App.Cases.Calendar().Shift(extendedDue.AddDate(0, 0, 21)).Format(time.DateOnly),
		"consent_received_on": cases.DateOf(e.Clock.Now()).Format(time.DateOnly), "consent_form": "email", "reason": "Rapport " + sentinel})
	expect("further_delay", a, c.Complainant, c.Adviser, c.Respondent)
	e.Clock.Advance(48 * time.Hour)
	e.Must(200, c.Member, "PUT", "/api/v1/cases/"+a+"/hearings/"+h.ID, map[string]any{"version": h.Version, "minutes": "Verslag " + sentinel, "held": true})
	c.Step(t, c.Chair, a, "advice", map[string]any{"findings": "Bevindingen " + sentinel, "measures": "Maatregel " + sentinel,
		"judgements": []map[string]any{{"position": 1, "judgement": "founded"}, {"position": 2, "judgement": "unfounded"}}})
	expect("advice_sent", a, c.Authority)
	c.Step(t, c.Authority, a, "decision", map[string]any{"follows_advice": false, "reasons": "Redenen " + sentinel})
	expect("decision", a, c.Complainant, c.Adviser, c.Respondent)

	// B: inadmissible.
	b := c.File(t, c.Complainant2, casetest.TaggedComplaint(sentinel))
	register(b)
	expect("acknowledgement", b, c.Complainant2)
	c.Step(t, c.Chair, b, "admissibility", map[string]any{"admissible": false, "ground": "insufficient_interest", "reason": "Gering " + sentinel})
	expect("inadmissible", b, c.Complainant2)

	// C: withdrawn before a respondent was told.
	cc := c.File(t, c.Complainant, casetest.TaggedComplaint(sentinel))
	register(cc)
	expect("acknowledgement", cc, c.Complainant)
	c.Step(t, c.Complainant, cc, "withdraw", map[string]any{"reason": "Opgelost " + sentinel})
	expect("withdrawal", cc, c.Complainant)

	// D: resolved by mediation.
	d := c.File(t, c.Complainant, casetest.TaggedComplaint(sentinel))
	register(d)
	expect("acknowledgement", d, c.Complainant)
	c.Investigate(t, d)
	expect("admissible", d, c.Complainant)
	expect("respondent_informed", d, c.Respondent)
	c.Step(t, c.Chair, d, "informal-resolution", map[string]any{"reason": "Bemiddeld " + sentinel, "complainant_consented": true, "respondent_consented": true})
	expect("resolved_informally", d, c.Complainant, c.Respondent)

	// E: open, reminded as it nears and passes its deadline; the second
	// chair declared a conflict and hears nothing of it.
	ee := c.File(t, c.Complainant2, casetest.TaggedComplaint(sentinel))
	register(ee)
	expect("acknowledgement", ee, c.Complainant2)
	e.Must(204, c.Chair2, "POST", "/api/v1/cases/"+ee+"/conflicts", map[string]any{"reason": "Collega " + sentinel})
	watch := notify.NewWatch(e.App.DB, nil)
	due := dueAtRegistration[ee]
	for _, day := range []time.Time{due.AddDate(0, 0, -1), due.AddDate(0, 0, 1)} {
		if _, err := watch.Run(context.Background(), day.Add(10*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	expect(notify.KindDueSoon, ee, c.Secretary, c.Chair)
	expect(notify.KindOverdue, ee, c.Secretary, c.Chair)
	// Still not ruled on after four weeks (Awb 9:8 lid 3).
	expect(notify.KindNotHandledDueSoon, ee, c.Secretary, c.Chair)

	runWorker(t, newWorker(t, c, srv))
	srv.WaitFor(len(wants), 20*time.Second)
	time.Sleep(100 * time.Millisecond) // nothing more may come
	msgs := srv.Messages()
	checkOnce(t, c, msgs)

	rows := c.Outbox(t)
	people := map[string]*apptest.Person{}
	for _, p := range []*apptest.Person{c.Complainant, c.Complainant2, c.Adviser, c.Respondent, c.Secretary, c.Chair, c.Chair2, c.Member, c.Authority, c.AuthorityFIN} {
		people[p.Email] = p
	}
	var got []want
	kinds := map[string]bool{}
	for _, m := range msgs {
		id, domain, _ := cutAt(m.MessageID)
		r := rows[id]
		to := m.Header.Get("To")
		to = strings.Trim(to, "<>")
		got = append(got, want{r.Kind, r.CaseID.String(), to})
		kinds[r.Kind] = true
		where := fmt.Sprintf("%s message of case %s to %s", r.Kind, r.CaseID, to)
		if len(m.Rcpt) != 1 || m.Rcpt[0] != to {
			t.Errorf("%s: envelope recipients %v, header To %q", where, m.Rcpt, to)
		}
		if domain != "rkc.test" || m.From != "noreply@rkc.test" {
			t.Errorf("%s: Message-ID domain %q, envelope sender %q", where, domain, m.From)
		}
		p := people[to]
		if p == nil || p.ID != r.RecipientID {
			t.Errorf("%s: sent to an address that is not the recipient's", where)
			continue
		}
		lang := "nl"
		if p == c.Complainant {
			lang = "en"
		}
		if got := m.Header.Get("Content-Language"); got != lang {
			t.Errorf("%s: Content-Language %q, want %q", where, got, lang)
		}
		var number string
		e.App.DB.Raw(`SELECT number FROM cases WHERE id = ?`, r.CaseID).Scan(&number)
		key := "mail." + r.Kind
		if !i18n.Has(lang, key+".subject") {
			key = "mail.news"
		}
		if want := i18n.T(lang, key+".subject", "number", number); m.Subject != want {
			t.Errorf("%s: subject %q, want %q", where, m.Subject, want)
		}
		if link := "https://rkc.test/cases/" + r.CaseID.String(); !strings.Contains(m.Body, link) || !strings.Contains(m.Body, number) {
			t.Errorf("%s: body lacks the link %s or the number %s:\n%s", where, link, number, m.Body)
		}
		if r.Kind == "acknowledgement" {
			if date := i18n.Date(lang, dueAtRegistration[r.CaseID.String()]); !strings.Contains(m.Body, date) {
				t.Errorf("%s: acknowledgement lacks the due date %s:\n%s", where, date, m.Body)
			}
		}
		if lang == "en" && (strings.Contains(m.Body, "zaak") || strings.Contains(m.Subject, "zaak")) {
			t.Errorf("%s: the English message has Dutch in it:\n%s", where, m.Body)
		}
		// No content: not the sentinel that every typed text carries, not
		// the category, not anyone's name, not another person's address.
		for _, bad := range []string{sentinel, "bullying", "pesten", "Test ", "BZK"} {
			if strings.Contains(string(m.Raw), bad) || strings.Contains(m.Body, bad) || strings.Contains(m.Subject, bad) {
				t.Errorf("%s holds %q:\n%s", where, bad, m.Raw)
			}
		}
		for email := range people {
			if email != to && strings.Contains(string(m.Raw), email) {
				t.Errorf("%s holds the address of %s", where, email)
			}
		}
	}
	key := func(w want) string { return w.kind + " " + w.caseID + " " + w.to }
	gotKeys, wantKeys := make([]string, len(got)), make([]string, len(wants))
	for i := range got {
		gotKeys[i] = key(got[i])
	}
	for i := range wants {
		wantKeys[i] = key(wants[i])
	}
	slices.Sort(gotKeys)
	slices.Sort(wantKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("messages received:\n%s\nwant:\n%s", strings.Join(gotKeys, "\n"), strings.Join(wantKeys, "\n"))
	}
	for _, k := range []string{"acknowledgement", "information_requested", "admissible", "inadmissible", "respondent_informed",
		"hearing_planned", "extension", "advice_sent", "decision", "withdrawal", "resolved_informally", notify.KindDueSoon, notify.KindOverdue,
		notify.KindNotHandledDueSoon, "further_delay"} {
		if !kinds[k] {
			t.Errorf("no %s message received", k)
		}
	}
}

// TestSMTPOutageDeliversExactlyOnce: with the mail server down, steps go on
// and their messages wait; once it is back each arrives exactly once.
func TestSMTPOutageDeliversExactlyOnce(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	srv := smtptest.New(t, smtptest.Options{})
	srv.Stop()
	runWorker(t, newWorker(t, c, srv))

	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, c.Registered(t, c.Complainant, sentinel))
	}
	c.Investigate(t, ids[0])
	c.Step(t, c.Complainant, ids[1], "withdraw", map[string]any{})
	total := int(c.Count(t, "outbox", ""))
	if total != 6 { // 3 acknowledgements, admissible, respondent informed, withdrawal
		t.Fatalf("%d messages enqueued, want 6", total)
	}
	waitUntil(t, 10*time.Second, "failed attempts", func() bool {
		return c.Count(t, "outbox", "attempts > 0 AND status = 'pending'") >= 2
	})
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages arrived while the server was down", n)
	}
	var typ string
	c.E.App.DB.Raw(`SELECT last_error_type FROM outbox WHERE attempts > 0 LIMIT 1`).Scan(&typ)
	if typ != "smtp_connect" {
		t.Errorf("last_error_type %q, want smtp_connect", typ)
	}

	srv.Start()
	srv.WaitFor(total, 20*time.Second)
	waitUntil(t, 10*time.Second, "all rows sent", func() bool { return c.Pending(t) == 0 })
	time.Sleep(150 * time.Millisecond)
	checkOnce(t, c, srv.Messages())
}

// startWorkerProcess starts the test binary as a worker-only instance.
func startWorkerProcess(t *testing.T, c *notifytest.Cast, srv *smtptest.Server) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"=1", "DATABASE_URL="+c.E.Config.DatabaseURL, fmt.Sprintf("SMTP_PORT=%d", srv.Port()))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- strings.TrimSpace(line) == "ready"
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("worker process did not start")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("worker process did not start in time")
	}
	return cmd
}

// TestKillNineBetweenCommitAndDelivery: steps commit while no worker runs;
// an instance starts, is killed with SIGKILL in the middle of delivering,
// and after a restart every message arrives exactly once.
func TestKillNineBetweenCommitAndDelivery(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	srv := smtptest.New(t, smtptest.Options{})
	for i := 0; i < 3; i++ {
		c.Registered(t, c.Complainant, sentinel)
	}
	total := int(c.Count(t, "outbox", "status = 'pending'"))
	if total != 3 {
		t.Fatalf("%d pending messages, want 3", total)
	}

	gate := srv.HoldNext()
	first := startWorkerProcess(t, c, srv)
	select {
	case <-gate.Entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the worker process never reached the mail server")
	}
	// The worker is inside its transaction, the server holds the message
	// unanswered: kill -9.
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	close(gate.Release)
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages accepted before the restart", n)
	}
	// The killed instance's transaction died with its connection: nothing
	// is marked sent. (Its row lock may outlive it for a moment; the next
	// instance skips the row until then.)
	if n := c.Count(t, "outbox", "status = 'pending' AND attempts = 0"); int(n) != total {
		t.Fatalf("%d of %d messages untouched after the kill", n, total)
	}

	second := startWorkerProcess(t, c, srv)
	srv.WaitFor(total, 20*time.Second)
	waitUntil(t, 10*time.Second, "all rows sent", func() bool { return c.Pending(t) == 0 })
	second.Process.Signal(syscall.SIGTERM)
	second.Wait()
	checkOnce(t, c, srv.Messages())
}

// TestTwoInstancesThousandMessages: two workers with their own connection
// pools, as two instances of the binary, share 1,000 messages: none twice,
// none lost.
func TestTwoInstancesThousandMessages(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	srv := smtptest.New(t, smtptest.Options{})
	ctx := context.Background()
	id := c.Registered(t, c.Complainant, sentinel) // one acknowledgement
	caseID := uuid.MustParse(id)
	to := []uuid.UUID{c.Complainant.ID, c.Adviser.ID, c.Secretary.ID, c.Chair.ID}
	for batch := 0; batch < 5; batch++ {
		err := c.E.App.DB.Transaction(func(tx *gorm.DB) error {
			for i := 0; i < 50; i++ {
				if err := c.E.App.Outbox.Enqueue(ctx, tx, cases.Notice{Kind: "hearing_planned", CaseID: caseID, Number: "RKC-LOAD", To: to}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	total := int(c.Count(t, "outbox", ""))
	if total != 1001 {
		t.Fatalf("%d messages, want 1001", total)
	}
	var transports []*counting
	for i := 0; i < 2; i++ {
		tr := &counting{Transport: smtpTo(t, srv)}
		transports = append(transports, tr)
		w, err := notify.NewWorker(testOptions(notifytest.OpenPool(t, c.E.Config.DatabaseURL), tr))
		if err != nil {
			t.Fatal(err)
		}
		runWorker(t, w)
	}
	srv.WaitFor(total, 60*time.Second)
	waitUntil(t, 10*time.Second, "all rows sent", func() bool { return c.Pending(t) == 0 })
	time.Sleep(150 * time.Millisecond)
	checkOnce(t, c, srv.Messages())
	a, b := transports[0].n.Load(), transports[1].n.Load()
	if a+b != int64(total) || a == 0 || b == 0 {
		t.Errorf("instances delivered %d and %d, want both some and %d together", a, b, total)
	}
	t.Logf("instance 1 delivered %d, instance 2 %d", a, b)
}

// TestDeadLetterOnTheBoard: a message that fails every attempt is given up,
// counted for the secretaries' board, and goes out once retried.
func TestDeadLetterOnTheBoard(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	srv := smtptest.New(t, smtptest.Options{})
	srv.Stop()
	o := testOptions(c.E.App.DB, smtpTo(t, srv))
	o.MaxAttempts = 3
	w, err := notify.NewWorker(o)
	if err != nil {
		t.Fatal(err)
	}
	runWorker(t, w)
	c.Registered(t, c.Complainant, sentinel)
	ctx := context.Background()
	waitUntil(t, 10*time.Second, "the message to die", func() bool {
		n, err := c.E.App.Outbox.DeadCount(ctx)
		return err == nil && n == 1
	})
	for _, r := range c.Outbox(t) {
		if r.Status != "dead" || r.Attempts != 3 || r.LastErrorType == nil || *r.LastErrorType != "smtp_connect" {
			t.Errorf("dead row: %+v", r)
		}
	}
	var board notify.DeadView
	c.E.Must(200, c.Secretary, "GET", "/api/v1/outbox/dead", nil).Decode(t, &board)
	if board.Count != 1 {
		t.Errorf("board shows %d dead messages, want 1", board.Count)
	}
	for p, status := range map[*apptest.Person]int{c.Complainant: 403, c.Chair: 403, c.Member: 403, nil: 401} {
		if r := c.E.Do(p, "GET", "/api/v1/outbox/dead", nil); r.Status != status {
			t.Errorf("GET /outbox/dead as %v: %d, want %d", p, r.Status, status)
		}
	}

	srv.Start()
	if n, err := c.E.App.Outbox.RetryDead(ctx); err != nil || n != 1 {
		t.Fatalf("RetryDead: %d %v", n, err)
	}
	srv.WaitFor(1, 10*time.Second)
	waitUntil(t, 10*time.Second, "the row sent", func() bool { return c.Pending(t) == 0 })
	checkOnce(t, c, srv.Messages())
	c.E.Must(200, c.Secretary, "GET", "/api/v1/outbox/dead", nil).Decode(t, &board)
	if board.Count != 0 {
		t.Errorf("board shows %d dead messages after the retry", board.Count)
	}
}

// crashBeforeCommit delivers through the transport it wraps and, the first
// time the server accepted a message, ends the worker's database session
// before the worker can record the delivery, as when the process dies
// between the server's 250 and its commit: the worker's transaction (the
// one that holds the claimed outbox row, FOR UPDATE) never commits. The
// session is ended with pg_terminate_backend, waiting until it is gone.
type crashBeforeCommit struct {
	notify.Transport
	t       *testing.T
	url     string // the test database, as a role that may end the worker's session
	crashed bool
}

func (c *crashBeforeCommit) Send(ctx context.Context, id uuid.UUID, date time.Time, msg *gomail.Msg) error {
	if err := c.Transport.Send(ctx, id, date, msg); err != nil || c.crashed {
		return err
	}
	c.crashed = true
	conn, err := pgx.Connect(ctx, c.url)
	if err != nil {
		c.t.Error(err)
		return err
	}
	defer conn.Close(ctx)
	// The claim's FOR UPDATE holds a RowShareLock on outbox until its
	// transaction ends; nothing else in this test holds one. pg_locks is the
	// whole server's, and every test database is a clone of one template
	// (the same table oids): only this database's sessions are candidates.
	var ended []bool
	rows, err := conn.Query(ctx, `SELECT pg_terminate_backend(pid, 5000) FROM pg_locks
		WHERE locktype = 'relation' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
		AND relation = 'outbox'::regclass AND mode = 'RowShareLock' AND granted AND pid <> pg_backend_pid()`)
	if err == nil {
		ended, err = pgx.CollectRows(rows, pgx.RowTo[bool])
	}
	if err != nil || len(ended) != 1 || !ended[0] {
		c.t.Errorf("ending the worker's session: %v %v", ended, err)
	}
	return nil
}

// TestAcceptedButNotRecordedIsSentAgain documents the one window of the
// guarantee: when the server accepted a message but the worker died before
// its transaction committed, the message goes once more, with the same
// Message-ID, so that it is recognisably the same message.
func TestAcceptedButNotRecordedIsSentAgain(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	srv := smtptest.New(t, smtptest.Options{})
	c.Registered(t, c.Complainant, sentinel)
	w, err := notify.NewWorker(testOptions(c.E.App.DB, &crashBeforeCommit{Transport: smtpTo(t, srv), t: t, url: c.E.Config.DatabaseURL}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := w.Drain(ctx); err == nil {
		t.Fatal("the simulated crash did not surface")
	}
	if c.Pending(t) != 1 {
		t.Fatal("the row is not pending after the crash")
	}
	if n, err := w.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("second round: %d %v", n, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[0].MessageID != msgs[1].MessageID {
		t.Fatalf("want the same message twice, got %d with ids %v", len(msgs), msgs)
	}
	if n, err := w.Drain(ctx); err != nil || n != 0 || len(srv.Messages()) != 2 {
		t.Fatalf("a sent row went again: %d %v", n, err)
	}
}

// TestStartTLSWithCredentials: the SMTP settings for TLS and credentials
// reach the server; a wrong password fails as an authentication error
// without the password anywhere.
func TestStartTLSWithCredentials(t *testing.T) {
	t.Parallel()
	c := notifytest.NewCast(t)
	cert, pool := smtptest.SelfSigned(t)
	srv := smtptest.New(t, smtptest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, User: "rkc", Password: "s3cret-pw"})
	c.Registered(t, c.Complainant, sentinel)
	ctx := context.Background()

	bad, err := notify.NewSMTP(notify.SMTPConfig{Host: srv.Host(), Port: srv.Port(), TLS: notify.TLSStartTLS,
		Username: "rkc", Password: "wrong-pw", TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w, err := notify.NewWorker(testOptions(c.E.App.DB, bad))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("drain with a wrong password: %d %v", n, err)
	}
	for _, r := range c.Outbox(t) {
		if r.LastErrorType == nil || *r.LastErrorType != "smtp_auth" || r.Status != "pending" {
			t.Errorf("after a refused login: %+v", r)
		}
	}
	if strings.Contains(c.E.Log.String(), "wrong-pw") {
		t.Error("the password is in the log")
	}
	c.Exec(t, `UPDATE outbox SET next_attempt_at = now()`)

	good, err := notify.NewSMTP(notify.SMTPConfig{Host: srv.Host(), Port: srv.Port(), TLS: notify.TLSStartTLS,
		Username: "rkc", Password: "s3cret-pw", TLSConfig: &tls.Config{RootCAs: pool}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	w, err = notify.NewWorker(testOptions(c.E.App.DB, good))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Drain(ctx); err != nil || n != 1 {
		t.Fatalf("drain: %d %v", n, err)
	}
	checkOnce(t, c, srv.Messages())

	// A server that does not offer STARTTLS is refused in starttls mode
	// rather than sent to in the clear.
	plain := smtptest.New(t, smtptest.Options{})
	c.E.App.DB.Exec(`UPDATE outbox SET status = 'pending', sent_at = NULL, next_attempt_at = now()`)
	strict, _ := notify.NewSMTP(notify.SMTPConfig{Host: plain.Host(), Port: plain.Port(), TLS: notify.TLSStartTLS, Timeout: 5 * time.Second})
	w, _ = notify.NewWorker(testOptions(c.E.App.DB, strict))
	if n, _ := w.Drain(ctx); n != 0 || len(plain.Messages()) != 0 {
		t.Fatal("sent in the clear although STARTTLS is required")
	}
	var typ string
	c.E.App.DB.Raw(`SELECT last_error_type FROM outbox`).Scan(&typ)
	if typ != "smtp_tls" {
		t.Errorf("last_error_type %q, want smtp_tls", typ)
	}
}
