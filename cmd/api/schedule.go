package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/platform/db"
)

// instanceName names this process in scheduled_runs, for operators who
// want to see which instance ran a round.
func instanceName() string {
	h, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", h, os.Getpid())
}

// runScheduled runs fn at most once per round of interval across every
// instance on the database. Each instance calls it at each of its own
// ticks. It first takes the job's advisory lock without waiting, so that a
// run of the previous round still going on elsewhere is never overlapped,
// then claims the current round (by the database's clock, so that the
// instances' clocks need not agree) with an insert that only one instance
// can make. The others, and this one at a second tick within the same
// round, skip. It reports whether fn ran.
func runScheduled(ctx context.Context, gdb *gorm.DB, log *slog.Logger, job string, lockKey int64, interval time.Duration, fn func()) bool {
	sqlDB, err := gdb.DB()
	if err != nil {
		return false
	}
	ran := false
	db.Exclusive(ctx, sqlDB, lockKey, func(*sql.Conn) error {
		var round []int64
		err := gdb.WithContext(ctx).Raw(`INSERT INTO scheduled_runs (job, round, instance)
			VALUES (?, floor(extract(epoch FROM clock_timestamp()) * 1000 / ?)::bigint, ?)
			ON CONFLICT DO NOTHING RETURNING round`, job, interval.Milliseconds(), instanceName()).Scan(&round).Error
		if err != nil {
			if ctx.Err() == nil {
				log.Error("scheduled job: claiming the round failed", "job", job, "error_type", fmt.Sprintf("%T", err))
			}
			return nil
		}
		if len(round) == 0 {
			return nil // another instance ran this round
		}
		fn()
		ran = true
		// The record of a round is only needed while the round lasts; keep
		// a month for operators.
		gdb.WithContext(context.WithoutCancel(ctx)).Exec(`UPDATE scheduled_runs SET finished_at = clock_timestamp() WHERE job = ? AND round = ?`, job, round[0])
		gdb.WithContext(context.WithoutCancel(ctx)).Exec(`DELETE FROM scheduled_runs WHERE job = ? AND started_at < now() - interval '31 days'`, job)
		return nil
	})
	return ran
}

// Whether a scheduled job also tries at start, before the first tick.
const (
	atFirstTick = false
	atStart     = true
)

// scheduleLoop tries job at every tick of interval until ctx ends (and
// first at once when start is atStart); runScheduled lets one instance run
// it per round.
func scheduleLoop(ctx context.Context, gdb *gorm.DB, log *slog.Logger, job string, lockKey int64, interval time.Duration, start bool, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	if start {
		runScheduled(ctx, gdb, log, job, lockKey, interval, fn)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		runScheduled(ctx, gdb, log, job, lockKey, interval, fn)
	}
}
