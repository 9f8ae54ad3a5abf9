package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/rkc-nl/rkc/internal/app"
	"github.com/rkc-nl/rkc/internal/reporting"
)

// compactLock makes the compaction of the report's totals run on one
// instance at a time.
const compactLock = 0x524b43_434d50 // "RKC" "CMP"

// compactEvery is how often the report's appended totals are folded; a
// busy year appends a few thousand rows in that time.
const compactEvery = 5 * time.Minute

// compactLoop folds the report's running totals once per round across all
// instances (runScheduled).
func compactLoop(ctx context.Context, log *slog.Logger, a *app.App) {
	scheduleLoop(ctx, a.DB, log, "report_compact", compactLock, compactEvery, atFirstTick, func() {
		n, err := reporting.Compact(ctx, a.DB)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("report compaction failed", "error_type", fmt.Sprintf("%T", err))
			}
			return
		}
		log.Debug("report compaction", "rows_folded", n)
	})
}
