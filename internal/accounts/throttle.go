package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"gorm.io/gorm"
)

// Throttle counts failed attempts (sign-in, receipt codes) per key in
// PostgreSQL, so that every instance sees the same counts. Keys are stored
// hashed: an e-mail address or client address is personal data.
type Throttle struct {
	db *gorm.DB
	// After SlowAfter failures within Window, each further failure is slowed
	// down by Delay; after LockAfter, the key is locked for LockFor.
	Window    time.Duration
	SlowAfter int
	Delay     time.Duration
	LockAfter int
	LockFor   time.Duration
}

// NewThrottle returns a throttle with the defaults: slow after 5 failures in
// 15 minutes, lock for 15 minutes after 10.
func NewThrottle(db *gorm.DB) *Throttle {
	return &Throttle{db: db, Window: 15 * time.Minute, SlowAfter: 5, Delay: time.Second, LockAfter: 10, LockFor: 15 * time.Minute}
}

func hashKey(k string) string {
	h := sha256.Sum256([]byte(k))
	return hex.EncodeToString(h[:16])
}

// Check returns how long the longest-locked of keys must still wait.
func (t *Throttle) Check(ctx context.Context, keys ...string) (time.Duration, error) {
	hashed := make([]string, len(keys))
	for i, k := range keys {
		hashed[i] = hashKey(k)
	}
	var secs *float64
	err := t.db.WithContext(ctx).Raw(`SELECT max(extract(epoch FROM locked_until - now())) FROM throttle
		WHERE key IN ? AND locked_until > now()`, hashed).Scan(&secs).Error
	if err != nil || secs == nil {
		return 0, err
	}
	return time.Duration(*secs * float64(time.Second)), nil
}

// Fail records a failure for each key and returns the delay to apply.
func (t *Throttle) Fail(ctx context.Context, keys ...string) (time.Duration, error) {
	most := 0
	for _, k := range keys {
		var failures int
		err := t.db.WithContext(ctx).Raw(`
			INSERT INTO throttle (key, failures, window_start) VALUES (?, 1, now())
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN throttle.window_start < now() - make_interval(secs => ?) THEN 1 ELSE throttle.failures + 1 END,
				window_start = CASE WHEN throttle.window_start < now() - make_interval(secs => ?) THEN now() ELSE throttle.window_start END,
				locked_until = CASE WHEN throttle.failures + 1 >= ? AND throttle.window_start >= now() - make_interval(secs => ?)
				                    THEN now() + make_interval(secs => ?) ELSE throttle.locked_until END
			RETURNING failures`, hashKey(k), t.Window.Seconds(), t.Window.Seconds(), t.LockAfter, t.Window.Seconds(), t.LockFor.Seconds()).Scan(&failures).Error
		if err != nil {
			return 0, err
		}
		most = max(most, failures)
	}
	if most > t.SlowAfter {
		return t.Delay, nil
	}
	return 0, nil
}

// Reset forgets the failures of keys after a success.
func (t *Throttle) Reset(ctx context.Context, keys ...string) {
	for _, k := range keys {
		t.db.WithContext(ctx).Exec(`DELETE FROM throttle WHERE key = ?`, hashKey(k))
	}
}
