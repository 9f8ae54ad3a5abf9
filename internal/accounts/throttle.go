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

// Remember records key as seen now: an address from which the account's
// owner signed in before. It is kept in the throttle table, hashed like
// the counts, and never locks anything.
func (t *Throttle) Remember(ctx context.Context, key string) {
	t.db.WithContext(ctx).Exec(`INSERT INTO throttle (key, failures, window_start) VALUES (?, 0, now())
		ON CONFLICT (key) DO UPDATE SET window_start = now(), failures = 0, locked_until = NULL`, hashKey(key))
}

// Remembered reports whether key was remembered within the last within.
func (t *Throttle) Remembered(ctx context.Context, key string, within time.Duration) (bool, error) {
	var n int64
	err := t.db.WithContext(ctx).Raw(`SELECT count(*) FROM throttle WHERE key = ? AND window_start > now() - make_interval(secs => ?)`,
		hashKey(key), within.Seconds()).Scan(&n).Error
	return n > 0, err
}

// signInLimits are the throttles of password sign-in and of second-factor
// codes, after the OWASP Authentication Cheat Sheet: an attacker from one
// address is stopped by the (account, address) pair; one spread over many
// addresses by the account's count, which an address the owner signed in
// from before (Remember) and a password reset do not wait for; a
// colleague behind the same proxy is never stopped by another person's
// failures until the address as a whole fails far more often than people
// do. docs/decisions.md ("Throttling") gives the numbers and why.
type signInLimits struct {
	pair, account, client *Throttle
	// knownFor is how long an address the owner signed in from is known.
	knownFor time.Duration
}

func newSignInLimits(db *gorm.DB) signInLimits {
	window := 15 * time.Minute
	return signInLimits{
		pair:     &Throttle{db: db, Window: window, SlowAfter: 3, Delay: time.Second, LockAfter: 10, LockFor: window},
		account:  &Throttle{db: db, Window: window, SlowAfter: 5, Delay: time.Second, LockAfter: 20, LockFor: window},
		client:   &Throttle{db: db, Window: window, SlowAfter: 50, Delay: time.Second, LockAfter: 300, LockFor: window},
		knownFor: 90 * 24 * time.Hour,
	}
}

// guard is one attempt at a secret (a password, a code) for an account
// from an address, with its three throttle keys; kind keeps the counts of
// passwords and codes apart.
type guard struct {
	l                  signInLimits
	pair, account, cli string
	known              string
}

func (l signInLimits) guard(kind, account, client string) guard {
	return guard{l: l, pair: kind + "-pair:" + account + "\x00" + client, account: kind + "-account:" + account,
		cli: kind + "-client:" + client, known: "known:" + account + "\x00" + client}
}

// wait returns how long the attempt must wait: the longest lock of its
// pair, its address and (unless the owner signed in from this address
// before) its account.
func (g guard) wait(ctx context.Context) (time.Duration, error) {
	keys := []string{g.pair, g.cli}
	known, err := g.l.pair.Remembered(ctx, g.known, g.l.knownFor)
	if err != nil {
		return 0, err
	}
	if !known {
		keys = append(keys, g.account)
	}
	return g.l.pair.Check(ctx, keys...)
}

// fail counts a failure against all three keys and waits the longest
// delay they ask for.
func (g guard) fail(ctx context.Context) {
	var delay time.Duration
	for _, f := range []struct {
		t   *Throttle
		key string
	}{{g.l.pair, g.pair}, {g.l.account, g.account}, {g.l.client, g.cli}} {
		if d, err := f.t.Fail(ctx, f.key); err == nil {
			delay = max(delay, d)
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
		}
	}
}

// succeed forgets the pair's failures and remembers the address as the
// owner's. The account's count stays: an attacker elsewhere keeps
// counting while the owner signs in.
func (g guard) succeed(ctx context.Context) {
	g.l.pair.Reset(ctx, g.pair)
	g.l.pair.Remember(ctx, g.known)
}

// ReceiptLimits are the numbers for wrong receipt codes of anonymous
// signals: a receipt code has 160 bits, so no number of guesses finds one,
// and the limits only keep scanners from loading the service. An address
// that gave many wrong codes is answered too_many_requests for its wrong
// codes, while a right code from it still opens its signal: a reporter
// behind a shared proxy is never locked out by someone else's guesses.
const (
	receiptWindow     = 15 * time.Minute
	receiptClientLock = 100  // wrong codes from one address before its wrong codes are refused
	receiptSlowAfter  = 1000 // wrong codes from anywhere before each further one waits a second
)

// WrongReceipt counts a wrong receipt code from client, waits when wrong
// codes come in unusually often from anywhere, and returns how long the
// address must wait before its wrong codes are answered as such again
// (zero: answer not found).
func (t *Throttle) WrongReceipt(ctx context.Context, client string) time.Duration {
	perClient := &Throttle{db: t.db, Window: receiptWindow, SlowAfter: 1 << 30, LockAfter: receiptClientLock, LockFor: receiptWindow}
	global := &Throttle{db: t.db, Window: receiptWindow, SlowAfter: receiptSlowAfter, Delay: time.Second, LockAfter: 1 << 30, LockFor: receiptWindow}
	perClient.Fail(ctx, "receipt-client:"+client)
	if d, err := global.Fail(ctx, "receipt-global"); err == nil && d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	wait, _ := t.Check(ctx, "receipt-client:"+client)
	return wait
}
