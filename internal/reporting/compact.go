package reporting

import (
	"context"

	"gorm.io/gorm"
)

// Compact folds the changes that case steps append to the report's running
// totals (migration 10) into one row per group, and returns how many rows it
// removed. The report is exact with or without it; compacting keeps the
// totals small, so the report stays fast. Safe to run beside case steps and
// beside another Compact: each removes only the rows it folds.
func Compact(ctx context.Context, db *gorm.DB) (int64, error) {
	var removed int64
	err := db.WithContext(ctx).Raw(`SELECT report_compact()`).Scan(&removed).Error
	return removed, err
}
