package calendar

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Load builds the calendar from the designated days shipped with the
// binary plus those an administrator added to the designated_days table, so
// a new Royal Decree needs no new release.
func Load(ctx context.Context, db *gorm.DB) (*Calendar, error) {
	days := DefaultDesignatedDays()
	var rows []struct {
		Day    time.Time
		Name   string
		Source string
	}
	if err := db.WithContext(ctx).Raw(`SELECT day, name, source FROM designated_days ORDER BY day`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		days = append(days, DesignatedDay{Date: DateOf(r.Day), Name: r.Name, Source: r.Source})
	}
	return NewCalendar(days), nil
}
