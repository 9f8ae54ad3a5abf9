package signals

import (
	"context"
	"math"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
)

// SignalLimits bound anonymous signals, so that a flood cannot bury the
// committee's work list or inflate the annual report.
type SignalLimits struct {
	// PerAddress is how many signals one client address may file within
	// Window. Counted in memory, per instance, and never written anywhere:
	// a reporter's address must not sit beside the time of an anonymous
	// signal, not even hashed.
	PerAddress int
	// Total is how many signals everyone together may file within Window,
	// over all instances (counted in the database).
	Total int
	// Window is the sliding period both limits count in.
	Window time.Duration
}

// DefaultSignalLimits: a person with something to report files one signal,
// perhaps a few; a hundred an hour is far above anything the committee has
// seen and far below a flood.
var DefaultSignalLimits = SignalLimits{PerAddress: 5, Total: 100, Window: time.Hour}

// signalGate keeps the per-address counts: for each address, the times of
// its accepted signals within the window.
type signalGate struct {
	limits SignalLimits
	mu     sync.Mutex
	seen   map[string][]time.Time
	swept  time.Time
}

func newSignalGate(l SignalLimits) *signalGate {
	if l.Window <= 0 {
		l.Window = DefaultSignalLimits.Window
	}
	return &signalGate{limits: l, seen: map[string][]time.Time{}}
}

// errTooManySignals is the refusal, with the seconds to wait.
func errTooManySignals(wait time.Duration) error {
	e := apperr.New(apperr.TooManyRequests, "too-many-signals", "Too many signals have been filed; please try again later.")
	e.RetryAfter = max(1, int(math.Ceil(wait.Seconds())))
	return e
}

// take counts a signal from addr at now, or refuses it when the address
// has used its allowance; a refused attempt is not counted.
func (g *signalGate) take(addr string, now time.Time) error {
	if g.limits.PerAddress <= 0 {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	from := now.Add(-g.limits.Window)
	if now.Sub(g.swept) > g.limits.Window {
		// Forget the addresses that have been quiet for a whole window, so
		// the map stays as small as the last hour's reporters.
		for a, ts := range g.seen {
			if len(ts) == 0 || !ts[len(ts)-1].After(from) {
				delete(g.seen, a)
			}
		}
		g.swept = now
	}
	ts := g.seen[addr]
	for len(ts) > 0 && !ts[0].After(from) {
		ts = ts[1:]
	}
	if len(ts) >= g.limits.PerAddress {
		g.seen[addr] = ts
		return errTooManySignals(ts[0].Add(g.limits.Window).Sub(now))
	}
	g.seen[addr] = append(ts, now)
	return nil
}

// give returns a signal taken by take that was then not stored (it was
// invalid, or the overall limit refused it), so that it does not count.
func (g *signalGate) give(addr string, at time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ts := g.seen[addr]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			g.seen[addr] = append(ts[:i:i], ts[i+1:]...)
			return
		}
	}
}

// checkTotal refuses a signal when everyone together filed the overall
// limit within the window. It runs in the filing transaction under a lock,
// so concurrent filings on any instance are counted one after the other.
func (g *signalGate) checkTotal(ctx context.Context, tx *gorm.DB, now time.Time) error {
	if g.limits.Total <= 0 {
		return nil
	}
	if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('rkc signal limit'))`).Error; err != nil {
		return err
	}
	var oldest struct {
		N     int
		First *time.Time
	}
	if err := tx.Raw(`SELECT count(*) AS n, min(created_at) AS first FROM (SELECT created_at FROM signals
		WHERE created_at > ? ORDER BY created_at DESC LIMIT ?) s`, now.Add(-g.limits.Window), g.limits.Total).Scan(&oldest).Error; err != nil {
		return err
	}
	if oldest.N >= g.limits.Total && oldest.First != nil {
		return errTooManySignals(oldest.First.Add(g.limits.Window).Sub(now))
	}
	return nil
}
