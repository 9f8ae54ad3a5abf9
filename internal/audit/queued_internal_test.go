package audit

import (
	"strings"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// The sequencer reads each batch every second: its cost must not grow with
// the log. With 100,000 entries of which 500 wait, PostgreSQL must find the
// waiting ones by their ids, not scan the log for them.
func TestQueuedReadDoesNotScanTheLog(t *testing.T) {
	t.Parallel()
	gdb := dbtest.New(t)
	for _, q := range []string{
		// As the owner, without the queue trigger: only the 500 newest wait.
		`SET session_replication_role = replica`,
		`INSERT INTO access_log (at, role, action, client) SELECT now(), 'secretary', 'case:read', '127.0.0.1' FROM generate_series(1, 100000)`,
		`INSERT INTO access_log_queue SELECT id FROM access_log ORDER BY id DESC LIMIT 500`,
		`RESET session_replication_role`,
		`ANALYZE access_log, access_log_queue`,
	} {
		if err := gdb.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	var plan []string
	if err := gdb.Raw(`EXPLAIN ` + strings.ReplaceAll(queuedSQL, "$1", "5000")).Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if strings.Contains(text, "Seq Scan on access_log a") || !strings.Contains(text, "access_log_pkey") {
		t.Fatalf("the batch read does not look entries up by id:\n%s", text)
	}
}
