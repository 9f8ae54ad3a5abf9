package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/mail"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"
	"gorm.io/gorm"
)

// WorkerOptions configures a Worker.
type WorkerOptions struct {
	DB        *gorm.DB
	Transport Transport
	Log       *slog.Logger
	From      string // sender, "Name <address>" or an address
	BaseURL   string // public address of the service, for the link
	// MaxAttempts is how many failed attempts make a message dead; default 12.
	MaxAttempts int
	// Backoff is the wait after the first failure, doubled after every
	// next one up to MaxBackoff; defaults 1 minute and 2 hours, so the
	// default gives up after about ten hours.
	Backoff, MaxBackoff time.Duration
	// PollInterval is how often an idle worker looks for due messages;
	// default 2 seconds.
	PollInterval time.Duration
	// SendTimeout bounds the delivery of one message, during which the
	// outbox row stays locked; default 60 seconds.
	SendTimeout time.Duration
}

// Worker delivers the outbox. Any number of workers, in one process or in
// several instances, may run against one database (see the package comment
// for the delivery guarantee).
type Worker struct {
	o    WorkerOptions
	from *mail.Address
	// afterSend, when set by a test, runs after the transport accepted a
	// message and before the row is marked sent; an error then rolls the
	// claim back as a crash in that window would.
	afterSend func(id uuid.UUID) error
	lastSweep time.Time
}

// NewWorker checks the options and returns a worker.
func NewWorker(o WorkerOptions) (*Worker, error) {
	from, err := ParseFrom(o.From)
	if err != nil {
		return nil, err
	}
	if o.DB == nil || o.Transport == nil {
		return nil, errors.New("notify: a worker needs a database and a transport")
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Minute
	}
	if o.MaxBackoff < o.Backoff {
		o.MaxBackoff = max(2*time.Hour, o.Backoff)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = time.Minute
	}
	return &Worker{o: o, from: from}, nil
}

// sentRetention is how long a sent row is kept. The row ties a person to a
// case, so it goes once it has no use left; the case's timeline keeps the
// fact that the party was told.
const sentRetention = 30 * 24 * time.Hour

// Run delivers due messages until ctx ends. A message being delivered when
// ctx ends is finished first (within SendTimeout), so that a shutdown does
// not roll back a message the mail server already accepted.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.o.PollInterval)
	defer t.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.o.Log.Error("outbox: delivery round failed", "error_type", fmt.Sprintf("%T", err))
		}
		w.sweep(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Drain delivers messages that are due, one transaction each, until none is
// due, the transport fails (the next round tries again, so an outage does
// not burn every message's attempts at once) or ctx ends. It returns how
// many were sent.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	defer w.o.Transport.Close()
	sent := 0
	for ctx.Err() == nil {
		found, sendErr, err := w.deliverOne(ctx)
		if err != nil {
			return sent, err
		}
		if !found {
			break
		}
		if sendErr == nil {
			sent++
		} else if !perMessage(sendErr) {
			break
		}
	}
	return sent, nil
}

// perMessage reports whether a failure concerns only the one message (its
// recipient was refused), so the others can still go in this round.
func perMessage(err error) bool {
	var se *gomail.SendError
	return errors.Is(err, errAddress) || errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo
}

// claimSQL takes the oldest due message that no other worker holds. FOR
// UPDATE OF o locks only the outbox row; SKIP LOCKED lets other workers take
// the next one instead of waiting.
const claimSQL = `SELECT o.id, o.kind, o.case_id, o.case_number, o.language, o.due_on, o.attempts, o.created_at, p.email
	FROM outbox o JOIN persons p ON p.id = o.recipient_id
	WHERE o.status = 'pending' AND o.next_attempt_at <= now()
	ORDER BY o.next_attempt_at
	LIMIT 1
	FOR UPDATE OF o SKIP LOCKED`

// deliverOne claims, sends and records one message in one transaction.
// found is false when nothing was due; sendErr is the delivery's failure,
// err a failure of the database.
func (w *Worker) deliverOne(ctx context.Context) (found bool, sendErr, err error) {
	// The transaction must outlive a cancelled ctx: rolling back after the
	// server accepted the message would send it again.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.o.SendTimeout+10*time.Second)
	defer cancel()
	err = w.o.DB.WithContext(dctx).Transaction(func(tx *gorm.DB) error {
		var rows []row
		if err := tx.Raw(claimSQL).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		found = true
		r := rows[0]
		sendErr = w.send(dctx, r)
		if sendErr == nil && w.afterSend != nil {
			if err := w.afterSend(r.ID); err != nil {
				return err
			}
		}
		if sendErr == nil {
			w.o.Log.Debug("outbox: message sent", "outbox_id", r.ID, "kind", r.Kind, "attempt", r.Attempts+1)
			return tx.Exec(`UPDATE outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error_type = NULL WHERE id = ?`, r.ID).Error
		}
		return w.failed(tx, r, sendErr)
	})
	return found, sendErr, err
}

func (w *Worker) send(ctx context.Context, r row) error {
	m := render(r, w.o.BaseURL)
	msg, err := m.mailMsg(w.from)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithTimeout(ctx, w.o.SendTimeout)
	defer cancel()
	return w.o.Transport.Send(sctx, r.ID, r.CreatedAt, msg)
}

// failed records a failed attempt: the next one after an exponentially
// growing wait, or the dead state after the last.
func (w *Worker) failed(tx *gorm.DB, r row, sendErr error) error {
	typ := errorType(sendErr)
	attempts := r.Attempts + 1
	if attempts >= w.o.MaxAttempts {
		w.o.Log.Error("outbox: message given up", "outbox_id", r.ID, "kind", r.Kind, "attempts", attempts, "error_type", typ)
		return tx.Exec(`UPDATE outbox SET status = 'dead', attempts = ?, last_error_type = ? WHERE id = ?`, attempts, typ, r.ID).Error
	}
	wait := w.backoff(attempts)
	w.o.Log.Warn("outbox: delivery failed", "outbox_id", r.ID, "kind", r.Kind, "attempts", attempts, "error_type", typ, "retry_in", wait.String())
	return tx.Exec(`UPDATE outbox SET attempts = ?, last_error_type = ?, next_attempt_at = now() + make_interval(secs => ?) WHERE id = ?`,
		attempts, typ, wait.Seconds(), r.ID).Error
}

// backoff is the wait after the given number of failed attempts: Backoff
// doubled per attempt, capped, with up to a tenth of jitter so that
// messages that failed together do not all come back together.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.o.Backoff
	for i := 1; i < attempts && d < w.o.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.o.MaxBackoff)
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// sweep removes sent rows past their use, at most once an hour.
func (w *Worker) sweep(ctx context.Context) {
	if time.Since(w.lastSweep) < time.Hour {
		return
	}
	w.lastSweep = time.Now()
	res := w.o.DB.WithContext(ctx).Exec(`DELETE FROM outbox WHERE status = 'sent' AND sent_at < now() - make_interval(secs => ?)`, sentRetention.Seconds())
	if res.Error != nil {
		w.o.Log.Warn("outbox: removing old sent messages failed", "error_type", fmt.Sprintf("%T", res.Error))
	} else if res.RowsAffected > 0 {
		w.o.Log.Info("outbox: old sent messages removed", "count", res.RowsAffected)
	}
}
