// Package loadtest measures RKC's capacity: the real binary (built as the
// image builds it) on a real PostgreSQL, each figure beside its physical
// ceiling measured in the same run on the same machine, so that the ratio
// says how much of the machine the product uses, whatever the machine.
//
//	make bench          (all benchmarks of the repository)
//	make bench-report   (these, and the README "Benchmarks" table from them)
//
// Every benchmark runs on a durable PostgreSQL (fsync, synchronous commit
// and full-page writes on, on disk: withpg --durable, as `make bench` and
// `make bench-report` start it) and refuses to run on anything less. A
// ceiling holds only what the physics of the work needs: the same rows
// written by raw pgx in one transaction, with none of RKC's own triggers
// (session_replication_role = replica: no access-log queue, no report
// totals), no HTTP, no authorisation, no encryption, no lock.
//
// Figures (b.ReportMetric units):
//
//   - BenchmarkFileComplaint: one POST /api/v1/cases at a time (encryption
//     of every field under a new case key, the access log, the statistical
//     record); ceiling: a raw pgx transaction doing the same inserts with the
//     same sizes.
//   - BenchmarkReadCase: one GET /api/v1/cases/{id} at a time by the
//     complainant (session, casbin, relation check, decryption, access log);
//     ceiling: a raw pgx transaction that reads the case row and inserts one
//     access-log row.
//   - BenchmarkLoad: vegeta with 8 workers as fast as they go, for both of
//     the above against their ceilings on 8 connections under the same load;
//     the sequencing lag (an entry's commit to the first signed checkpoint
//     that holds it, p99) of the entries written under that load; and the
//     API's peak resident memory (VmHWM) at the end, against the 512 MiB
//     limit of the Kubernetes manifests. Beside the ceilings, for reading
//     the gap: the same raw transactions served by a bare net/http handler
//     under the same vegeta load (the HTTP floor), which the API's figures
//     are also given as a share of. The ceilings stay what the issue asks;
//     the floor only says how much of the distance is HTTP itself.
//   - BenchmarkAnnualReport1M: GET /api/v1/reports/annual/{year} over
//     1,000,000 synthetic cases (reporting.SeedSynthetic); ceiling: one
//     sequential scan of the same 1,000,000 statistical rows.
package loadtest_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/reporting"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
	"github.com/rkc-nl/rkc/internal/testing/deploytest"
)

func TestMain(m *testing.M) { os.Exit(deploytest.Main(m)) }

const (
	password  = "correct horse battery staple"
	complaint = `{"category":"bullying","description":"Mijn leidinggevende kleineert mij sinds maanden in elk teamoverleg; collega's zagen het.","respondent":{"ministry":"BZK","name":"J. Jansen","function":"afdelingshoofd"},"incident_when":"2026-09","incident_where":"Den Haag","witnesses":"twee collega's"}`
	// memLimit is the API container's memory limit in deploy/k8s/base.
	memLimit = 512 << 20
)

// env is a running API on its own database with a signed-in complainant,
// secretary and reporter.
type env struct {
	url                              string
	api                              *deploytest.Instance
	gdb                              *gorm.DB
	complainant, secretary, reporter string
	complainantID                    uuid.UUID
	client                           *deploytest.Client
}

func newEnv(b *testing.B) *env {
	b.Helper()
	e := &env{url: dbtest.NewURL(b), client: deploytest.NewClient()}
	requireDurable(b, e.url)
	e.client.HTTP.Transport = &http.Transport{MaxIdleConnsPerHost: 64}
	e.api = deploytest.Start(b, deploytest.Options{Name: "api", Env: map[string]string{
		"DATABASE_URL": dbtest.AppURL(b, e.url), "RKC_OWNER_DATABASE_URL": e.url, "RKC_MASTER_KEYS": deploytest.MasterKeys(), "RKC_LOG_LEVEL": "warn",
		"RKC_DEADLINE_WATCH_INTERVAL": "24h"}})
	ctx := context.Background()
	var err error
	if e.gdb, err = db.Open(ctx, e.url); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close(e.gdb) })
	acc := accounts.NewService(e.gdb, slog.New(slog.DiscardHandler), 12*time.Hour)
	mk := func(email string, g authz.Grant) (string, uuid.UUID) {
		p, err := acc.Create(ctx, accounts.NewPerson{Email: email, Name: "Bench " + email, Ministry: "BZK", Password: password, Grants: []authz.Grant{g}}, nil)
		if err != nil {
			b.Fatal(err)
		}
		tok, err := acc.OpenSession(ctx, p.ID)
		if err != nil {
			b.Fatal(err)
		}
		return tok, p.ID
	}
	e.complainant, e.complainantID = mk("klager@bench.rkc", authz.Grant{Role: authz.Complainant, Domain: "BZK"})
	e.secretary, _ = mk("secretaris@bench.rkc", authz.Grant{Role: authz.Secretary, Domain: authz.AnyDomain})
	e.reporter, _ = mk("rapportage@bench.rkc", authz.Grant{Role: authz.Reporter, Domain: authz.AnyDomain})
	return e
}

func (e *env) file(b *testing.B) string {
	st, body, err := e.client.Do(context.Background(), "POST", e.api.URL+"/api/v1/cases", e.complainant, []byte(complaint))
	if err != nil || st != http.StatusCreated {
		b.Fatalf("filing: %d %s %v", st, body, err)
	}
	var f struct{ ID string }
	json.Unmarshal(body, &f)
	return f.ID
}

// rawFiler does with pgx, on one connection, the inserts a filing makes.
type rawFiler struct {
	conn        *pgx.Conn
	complainant uuid.UUID
	fields      [][]byte // sealed-field sizes of the benchmark's complaint
}

// connect opens a connection to url, for the caller to close.
func connect(b *testing.B, url string) (context.Context, *pgx.Conn) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	return ctx, conn
}

// rawConn is a connection for a ceiling: it writes rows without RKC's own
// triggers, which are steps of RKC's design, not of the work's physics.
func rawConn(b *testing.B, url string) *pgx.Conn {
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(context.Background(), `SET session_replication_role = replica`); err != nil {
		b.Fatal(err)
	}
	return conn
}

// requireDurable stops a benchmark that would measure a relaxed server.
func requireDurable(b *testing.B, url string) {
	ctx, conn := connect(b, url)
	defer conn.Close(ctx)
	for _, setting := range []string{"fsync", "synchronous_commit", "full_page_writes"} {
		var v string
		if err := conn.QueryRow(ctx, `SELECT current_setting($1)`, setting).Scan(&v); err != nil {
			b.Fatal(err)
		}
		if v != "on" {
			b.Fatalf("%s is %s: the capacity benchmarks measure the durable settings the product ships with (run them with make bench or make bench-report)", setting, v)
		}
	}
}

func newRawFiler(b *testing.B, url string, complainant uuid.UUID) *rawFiler {
	conn := rawConn(b, url)
	// AES-GCM adds a 12-byte nonce and a 16-byte tag to each field.
	var c struct {
		Description, IncidentWhen, IncidentWhere, Witnesses string
		Respondent                                          struct{ Name, Function string }
	}
	json.Unmarshal([]byte(complaint), &c)
	sealed := func(s string) []byte { b := make([]byte, len(s)+28); rand.Read(b); return b }
	return &rawFiler{conn: conn, complainant: complainant, fields: [][]byte{
		sealed(c.Description), sealed(c.IncidentWhen), sealed(c.IncidentWhere), sealed(c.Witnesses),
		sealed(c.Respondent.Name), sealed(c.Respondent.Function), sealed(c.Description), sealed("0123456789abcdef")}}
}

func (r *rawFiler) file(ctx context.Context) error {
	tx, err := r.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	id, statsID := uuid.New(), uuid.New()
	key := make([]byte, 60)
	rand.Read(key)
	var seq int64
	if err := tx.QueryRow(ctx, `SELECT nextval('case_number_seq')`).Scan(&seq); err != nil {
		return err
	}
	now := time.Now()
	f := r.fields
	if _, err := tx.Exec(ctx, `INSERT INTO cases (id, number, state, version, ministry, respondent_ministry, category,
		complainant_id, filed_by, filed_at, data_key, data_key_id, description_enc, incident_when_enc, incident_where_enc,
		witnesses_enc, respondent_name_enc, respondent_function_enc, stats_id_enc, created_at, updated_at)
		VALUES ($1, $2, 'submitted', 1, 'BZK', 'BZK', 'bullying', $3, $3, $4, $5, 'raw', $6, $7, $8, $9, $10, $11, $12, $4, $4)`,
		id, fmt.Sprintf("RAW-%d-%d", now.Year(), seq), r.complainant, now, key, f[0], f[1], f[2], f[3], f[4], f[5], f[7]); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_elements (case_id, position, description_enc) VALUES ($1, 1, $2)`, id, f[6]); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_events (case_id, at, actor_id, actor_role, kind, to_state) VALUES ($1, $2, $3, 'complainant', 'filed', 'submitted')`,
		id, now, r.complainant); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_stats (id, ministry, respondent_ministry, category, filed_on, state) VALUES ($1, 'BZK', 'BZK', 'bullying', $2, 'submitted')`,
		statsID, now); err != nil {
		return err
	}
	if err := insertLogRow(ctx, tx, newSealing(), "case:file"); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// sealing is what internal/audit writes instead of an entry's case and
// person: the case's log-key handle and a search tag of the person, the same
// for every entry of one person about one case.
type sealing struct {
	handle uuid.UUID
	tag    []byte
}

func newSealing() sealing {
	tag := make([]byte, 16)
	rand.Read(tag)
	return sealing{handle: uuid.New(), tag: tag}
}

// insertLogRow writes one access-log row as internal/audit writes it: the
// case and person only sealed under the case's log key (60 bytes), with the
// key's handle and the person's search tag, case_id and person_id left
// empty; one insert, no lock, no read of earlier rows.
func insertLogRow(ctx context.Context, tx pgx.Tx, s sealing, action string) error {
	sealed := make([]byte, 60)
	rand.Read(sealed)
	_, err := tx.Exec(ctx, `INSERT INTO access_log (at, role, action, client, key_handle, sealed, person_tag)
		VALUES ($1, 'complainant', $2, '127.0.0.1', $3, $4, $5)`, time.Now(), action, s.handle, sealed, s.tag)
	return err
}

// rawReader does with pgx, on one connection, what a case read must do at
// the least: read the case row and write its access-log row, in one
// transaction.
type rawReader struct {
	conn    *pgx.Conn
	caseID  uuid.UUID
	sealing sealing
}

func (r *rawReader) read(ctx context.Context) error {
	tx, err := r.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	rows, err := tx.Query(ctx, `SELECT * FROM cases WHERE id = $1`, r.caseID)
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("raw read found %d cases", n)
	}
	if err := insertLogRow(ctx, tx, r.sealing, "case:read"); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// BenchmarkFileComplaint files complaints one at a time through the API.
func BenchmarkFileComplaint(b *testing.B) {
	e := newEnv(b)
	e.file(b) // warm up connections and caches
	for b.Loop() {
		e.file(b)
	}
	api := b.Elapsed() / time.Duration(b.N)
	reportCeiling(b, api, newRawFiler(b, e.url, e.complainantID).file)
}

// BenchmarkReadCase reads one authorised case at a time through the API.
func BenchmarkReadCase(b *testing.B) {
	e := newEnv(b)
	id := e.file(b)
	url := e.api.URL + "/api/v1/cases/" + id
	ctx := context.Background()
	get := func(url, tok string) {
		if st, body, err := e.client.Do(ctx, "GET", url, tok, nil); err != nil || st != http.StatusOK {
			b.Fatalf("GET %s: %d %s %v", url, st, body, err)
		}
	}
	get(url, e.complainant)
	for b.Loop() {
		get(url, e.complainant)
	}
	api := b.Elapsed() / time.Duration(b.N)
	raw := &rawReader{conn: rawConn(b, e.url), caseID: uuid.MustParse(id), sealing: newSealing()}
	reportCeiling(b, api, raw.read)
}

// reportCeiling runs the ceiling's op b.N times, one after the other, and
// reports its time per operation (ceiling-ns/op) and the API's time per
// operation as a multiple of it (x-ceiling).
func reportCeiling(b *testing.B, api time.Duration, op func(context.Context) error) {
	ctx := context.Background()
	start := time.Now()
	for range b.N {
		if err := op(ctx); err != nil {
			b.Fatal(err)
		}
	}
	ceiling := time.Since(start) / time.Duration(b.N)
	b.ReportMetric(float64(ceiling.Nanoseconds()), "ceiling-ns/op")
	b.ReportMetric(float64(api)/float64(ceiling), "x-ceiling")
}

const (
	loadWorkers  = 8
	loadDuration = 4 * time.Second
)

// attack runs vegeta as fast as loadWorkers workers go and returns the
// metrics; every answer must have the status want.
func attack(b *testing.B, name string, t vegeta.Target, want int) *vegeta.Metrics {
	b.Helper()
	a := vegeta.NewAttacker(vegeta.Workers(loadWorkers), vegeta.MaxWorkers(loadWorkers), vegeta.KeepAlive(true),
		vegeta.Connections(loadWorkers), vegeta.Timeout(30*time.Second))
	m := &vegeta.Metrics{}
	for res := range a.Attack(vegeta.NewStaticTargeter(t), vegeta.Rate{Freq: 0}, loadDuration, name) {
		m.Add(res)
	}
	m.Close()
	if n := m.StatusCodes[strconv.Itoa(want)]; uint64(n) != m.Requests {
		b.Errorf("%s: %d of %d answers were %d: %v %v", name, n, m.Requests, want, m.StatusCodes, m.Errors)
	}
	return m
}

// rawWorkers are raw transactions, each on a connection of its own, for
// one raw load: closed after it, so that the pairs' loads do not pile up
// connections towards PostgreSQL's limit.
type rawWorkers struct {
	work  []func(context.Context) error
	conns []*pgx.Conn
}

func (w rawWorkers) close() {
	for _, c := range w.conns {
		c.Close(context.Background())
	}
}

// rawLoad runs one raw transaction per worker, each on its own connection,
// as fast as they go for loadDuration, and returns the transactions per
// second.
func rawLoad(b *testing.B, workers []func(context.Context) error) float64 {
	b.Helper()
	var (
		n  atomic.Int64
		wg sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), loadDuration)
	defer cancel()
	start := time.Now()
	for _, work := range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				if err := work(ctx); err == nil {
					n.Add(1)
				} else if ctx.Err() == nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// pairs is how often an operation and its ceiling are measured one right
// after the other (beside): the machine may be shared, and a neighbour's
// burst during one four-second window moved a single ratio by several
// points; the median of five pairs does not follow one or two such bursts.
const pairs = 5

// beside measures the API under target and, right after it, the ceiling
// of the same work done by the workers of a fresh workers(), pairs times, each phase on a settled
// database, and returns the pair whose ratio is the median.
func beside(b *testing.B, url, name string, target vegeta.Target, want int, workers func() rawWorkers) (*vegeta.Metrics, float64) {
	b.Helper()
	type pair struct {
		api     *vegeta.Metrics
		ceiling float64
	}
	var measured []pair
	for range pairs {
		settle(b, url)
		api := attack(b, name, target, want)
		ceiling := workers()
		settle(b, url)
		measured = append(measured, pair{api, rawLoad(b, ceiling.work)})
		ceiling.close()
	}
	slices.SortFunc(measured, func(x, y pair) int { return cmp.Compare(x.api.Throughput/x.ceiling, y.api.Throughput/y.ceiling) })
	for _, m := range measured {
		b.Logf("%s: %.0f req/s (p99 %v) beside %.0f tx/s: %.1f%%", name, m.api.Throughput, m.api.Latencies.P99.Round(100*time.Microsecond), m.ceiling, 100*m.api.Throughput/m.ceiling)
	}
	m := measured[len(measured)/2]
	return m.api, m.ceiling
}

// settle waits, before a measured phase, until the database has finished
// the work an earlier phase left behind: the sequencer has integrated every
// queued access-log entry, no autovacuum worker is running, and a VACUUM
// (ANALYZE) has done what autovacuum would still do (the filing phases'
// thousands of inserts set autovacuum off on the tables a read uses, which
// then ran during whichever phase came next); a checkpoint then starts each
// phase from the same point of the WAL, each paying its own full-page
// writes. Each phase so measures its own work only, side by
// side with its ceiling.
func settle(b *testing.B, url string) {
	b.Helper()
	ctx, conn := connect(b, url)
	defer conn.Close(ctx)
	quiet := 0
	for deadline := time.Now().Add(60 * time.Second); quiet < 3; time.Sleep(200 * time.Millisecond) {
		var busy int64
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM access_log_queue)
			+ (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker')`).Scan(&busy); err != nil {
			b.Fatal(err)
		}
		if quiet++; busy > 0 {
			quiet = 0
		}
		if time.Now().After(deadline) {
			b.Logf("the database was still busy 60 s after a phase; measuring anyway")
			break
		}
	}
	// What an earlier phase left for autovacuum (the launcher may not have
	// picked it up yet) is done now, not during the next phase.
	for _, stmt := range []string{`VACUUM (ANALYZE)`, `CHECKPOINT`} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			b.Fatal(err)
		}
	}
}

// sequencingLag waits until every access-log entry written since since is
// in the tree, and returns the 99th percentile of the time from an entry's
// writing to the signing of the first checkpoint that holds it.
func sequencingLag(b *testing.B, url string, since time.Time) time.Duration {
	b.Helper()
	ctx, conn := connect(b, url)
	defer conn.Close(ctx)
	for deadline := time.Now().Add(30 * time.Second); ; {
		var waiting int64
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM access_log_queue`).Scan(&waiting); err != nil {
			b.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d access-log entries still unsequenced 30 s after the load", waiting)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var p99 float64
	if err := conn.QueryRow(ctx, `SELECT coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM c.signed_at - e.at)), 0)
		FROM access_log e JOIN log_leaves l ON l.entry_id = e.id
		CROSS JOIN LATERAL (SELECT signed_at FROM log_checkpoints k WHERE k.size > l.position ORDER BY k.size LIMIT 1) c
		WHERE e.at >= $1`, since).Scan(&p99); err != nil {
		b.Fatal(err)
	}
	return time.Duration(p99 * float64(time.Second))
}

// BenchmarkLoad drives the API with vegeta, 8 workers as fast as they go,
// against the ceilings under the same load, and reads the API's peak memory.
func BenchmarkLoad(b *testing.B) {
	e := newEnv(b)
	id := e.file(b)
	idle, _ := e.api.PeakRSS()
	sealing := newSealing() // one person reading one case
	// Each raw load gets connections of its own: rawLoad's deadline
	// cancels a transaction midway, which closes its connection.
	filers := func() rawWorkers {
		var w rawWorkers
		for range loadWorkers {
			f := newRawFiler(b, e.url, e.complainantID)
			w.work, w.conns = append(w.work, f.file), append(w.conns, f.conn)
		}
		return w
	}
	readers := func() rawWorkers {
		var w rawWorkers
		for range loadWorkers {
			r := &rawReader{conn: rawConn(b, e.url), caseID: uuid.MustParse(id), sealing: sealing}
			w.work, w.conns = append(w.work, r.read), append(w.conns, r.conn)
		}
		return w
	}
	for b.Loop() {
		auth := http.Header{"Authorization": {"Bearer " + e.complainant}}
		loadStart := time.Now()
		fileTarget := vegeta.Target{Method: "POST", URL: e.api.URL + "/api/v1/cases", Body: []byte(complaint),
			Header: http.Header{"Authorization": auth["Authorization"], "Content-Type": {"application/json"}}}
		file, fileCeiling := beside(b, e.url, "file", fileTarget, http.StatusCreated, filers)
		read, readCeiling := beside(b, e.url, "read", vegeta.Target{Method: "GET", URL: e.api.URL + "/api/v1/cases/" + id, Header: auth}, http.StatusOK, readers)
		// The lag of the entries of both of RKC's phases, filing and reading.
		lag := sequencingLag(b, e.url, loadStart)
		settle(b, e.url)
		fileFloor := attack(b, "file-floor", vegeta.Target{Method: "POST", URL: floor(b, filers().work, http.StatusCreated) + "/", Body: []byte(complaint),
			Header: http.Header{"Content-Type": {"application/json"}}}, http.StatusCreated)
		settle(b, e.url)
		readFloor := attack(b, "read-floor", vegeta.Target{Method: "GET", URL: floor(b, readers().work, http.StatusOK) + "/"}, http.StatusOK)
		peak, err := e.api.PeakRSS()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(file.Throughput, "file-req/s")
		b.ReportMetric(fileCeiling, "file-ceiling-tx/s")
		b.ReportMetric(file.Throughput/fileCeiling, "file-of-ceiling")
		b.ReportMetric(float64(file.Latencies.P99.Microseconds())/1000, "file-p99-ms")
		b.ReportMetric(read.Throughput, "read-req/s")
		b.ReportMetric(readCeiling, "read-ceiling-tx/s")
		b.ReportMetric(read.Throughput/readCeiling, "read-of-ceiling")
		b.ReportMetric(float64(read.Latencies.P99.Microseconds())/1000, "read-p99-ms")
		b.ReportMetric(float64(lag.Milliseconds()), "lag-p99-ms")
		b.ReportMetric(fileFloor.Throughput, "file-http-floor-req/s")
		b.ReportMetric(file.Throughput/fileFloor.Throughput, "file-of-http-floor")
		b.ReportMetric(float64(fileFloor.Latencies.P99.Microseconds())/1000, "file-http-floor-p99-ms")
		b.ReportMetric(readFloor.Throughput, "read-http-floor-req/s")
		b.ReportMetric(float64(readFloor.Latencies.P99.Microseconds())/1000, "read-http-floor-p99-ms")
		b.ReportMetric(read.Throughput/readFloor.Throughput, "read-of-http-floor")
		b.ReportMetric(float64(idle)/(1<<20), "idle-rss-MiB")
		b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
		b.ReportMetric(float64(peak)/memLimit, "peak-of-limit")
	}
}

// BenchmarkAnnualReport1M asks the API for the annual report over a million
// synthetic cases.
func BenchmarkAnnualReport1M(b *testing.B) {
	const n = 1_000_000
	e := newEnv(b)
	ctx := context.Background()
	start := time.Now()
	// force: the bench database holds the filing warm-up's accounts only.
	if _, err := reporting.SeedSynthetic(ctx, e.gdb, n, 10, true); err != nil {
		b.Fatal(err)
	}
	seed := time.Since(start)
	year := time.Now().Year() - 1
	url := fmt.Sprintf("%s/api/v1/reports/annual/%d", e.api.URL, year)
	get := func() {
		if st, body, err := e.client.Do(ctx, "GET", url, e.reporter, nil); err != nil || st != http.StatusOK {
			b.Fatalf("GET %s: %d %.300s %v", url, st, body, err)
		}
	}
	get()
	for b.Loop() {
		get()
	}
	api := b.Elapsed() / time.Duration(b.N)
	// The ceiling: read every statistical row once.
	conn, err := pgx.Connect(ctx, e.url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows int64
	scan := func() {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT * FROM case_stats OFFSET 0) s`).Scan(&rows); err != nil {
			b.Fatal(err)
		}
	}
	scan()
	start = time.Now()
	const scans = 5
	for range scans {
		scan()
	}
	ceiling := time.Since(start) / scans
	if rows < n {
		b.Fatalf("case_stats holds %d rows, want %d", rows, n)
	}
	b.ReportMetric(seed.Seconds(), "seed-s")
	b.ReportMetric(float64(ceiling.Nanoseconds()), "ceiling-ns/op")
	b.ReportMetric(float64(api)/float64(ceiling), "x-ceiling")
	// What disclosure control hides of that report (docs/disclosure.md).
	r, err := reporting.Build(ctx, e.gdb, year)
	if err != nil {
		b.Fatal(err)
	}
	entries, people := r.InformationLoss()
	b.ReportMetric(float64(entries), "hidden-entries")
	b.ReportMetric(float64(people), "hidden-people")
}

// floor serves the ceilings' raw transactions over HTTP: a bare net/http
// handler that runs one of workers (each on its own connection) per
// request and answers status with a small JSON body. It is what any HTTP
// service doing the same rows must do at the least, so the API's share of
// it says how much of what is left is RKC's own work; it returns the
// server's URL.
func floor(b *testing.B, workers []func(context.Context) error, status int) string {
	free := make(chan func(context.Context) error, len(workers))
	for _, w := range workers {
		free <- w
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		work := <-free
		defer func() { free <- work }()
		if err := work(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}
