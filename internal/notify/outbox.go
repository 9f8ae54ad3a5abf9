// Package notify tells people of the steps in their cases and of deadlines,
// by e-mail that carries no case content (docs/design.md §4.7).
//
// Every message starts as a row in the outbox table, written by Enqueue in
// the transaction of the step that causes it: a step is never committed
// without its messages, and no message exists for a step that rolled back.
// A Worker in every instance of the binary delivers due rows; a Watch flags
// deadlines and enqueues reminders to the committee's staff.
//
// # Delivery guarantee
//
// The worker claims one row with SELECT … FOR UPDATE SKIP LOCKED, sends it,
// and marks it sent in that same transaction. While one instance holds the
// row lock, every other instance skips the row; once the transaction
// commits, the row is no longer pending (PostgreSQL re-checks the WHERE
// clause on the newest row version), so no two instances ever send the same
// row, and a row marked sent is never sent again.
//
// A crash (kill -9, power loss, lost database connection) before the SMTP
// server accepted the message rolls the transaction back: the row is pending
// again and the next worker sends it. That is how a step committed but not
// yet delivered is still delivered after a restart.
//
// The one window left is a crash after the SMTP server answered 250 to the
// message and before the database committed "sent": a few milliseconds per
// message. Then the row rolls back and is sent once more. SMTP gives no way to
// close that window (there is no two-phase commit between an MTA and
// PostgreSQL); the choice is between losing the message and sending it
// twice, and for a legal duty such as the acknowledgement of receipt (Awb
// 9:6) a second copy is the lesser harm. Both copies carry the same
// Message-ID (<outbox id@sender domain>), so mail systems and readers can
// recognise the repeat, and the message holds no content that a copy could
// leak further. Within that boundary delivery is at most once per message,
// whatever the number of instances.
package notify

import (
	"context"
	"fmt"
	"regexp"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/cases"
)

// Statuses of an outbox row.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusDead    = "dead" // gave up after the maximum number of attempts
)

// Kinds of message the deadline watch sends; the case service names the
// kinds of the steps (cases.Notice.Kind).
const (
	KindDueSoon = "deadline_due_soon"
	KindOverdue = "deadline_overdue"
	// KindNotHandledDueSoon reminds of the four weeks of Awb 9:8 lid 3.
	KindNotHandledDueSoon = "not_handled_due_soon"
)

var kindPattern = regexp.MustCompile(`^[a-z_]{1,40}$`)

// Outbox stores messages to be sent.
type Outbox struct {
	db *gorm.DB
}

// NewOutbox returns the outbox on db.
func NewOutbox(db *gorm.DB) *Outbox { return &Outbox{db: db} }

// Enqueue writes one message per recipient of n in the caller's transaction
// tx, in each recipient's language. It has the signature of
// cases.Service.Notify. A recipient without an account is an error, so the
// step rolls back rather than lose a message the law may require.
func (o *Outbox) Enqueue(ctx context.Context, tx *gorm.DB, n cases.Notice) error {
	_, err := enqueue(ctx, tx, n)
	return err
}

func enqueue(ctx context.Context, tx *gorm.DB, n cases.Notice) (int, error) {
	if !kindPattern.MatchString(n.Kind) || n.CaseID == uuid.Nil || n.Number == "" {
		return 0, apperr.Wrap(fmt.Errorf("outbox: malformed notice of kind %q", n.Kind))
	}
	seen := make(map[uuid.UUID]bool, len(n.To))
	var to []uuid.UUID
	for _, id := range n.To {
		if id != uuid.Nil && !seen[id] {
			seen[id] = true
			to = append(to, id)
		}
	}
	if len(to) == 0 {
		return 0, nil
	}
	var due any
	if n.DueOn != nil {
		due = cases.DateOf(*n.DueOn)
	}
	// The language is fixed now, with the row, so the message does not change
	// tongue between a failed attempt and the next.
	res := tx.WithContext(ctx).Exec(`INSERT INTO outbox (id, kind, case_id, case_number, recipient_id, language, due_on)
		SELECT gen_random_uuid(), ?, ?, ?, p.id, p.language, ? FROM persons p WHERE p.id IN ?`,
		n.Kind, n.CaseID, n.Number, due, to)
	if res.Error != nil {
		return 0, apperr.Wrap(fmt.Errorf("outbox: %w", res.Error))
	}
	if int(res.RowsAffected) != len(to) {
		return 0, apperr.Wrap(fmt.Errorf("outbox: %d of %d recipients of a %s notice have no account", len(to)-int(res.RowsAffected), len(to), n.Kind))
	}
	return len(to), nil
}

// DeadCount returns the number of messages given up on, for the
// secretary's board. It is a count only: which cases they concern is not
// the board's business.
func (o *Outbox) DeadCount(ctx context.Context) (int64, error) {
	var n int64
	err := o.db.WithContext(ctx).Raw(`SELECT count(*) FROM outbox WHERE status = 'dead'`).Scan(&n).Error
	return n, err
}

// RetryDead puts every dead message back in the queue with a fresh count of
// attempts, once the cause (a wrong password, a mail server down for a day)
// has been dealt with. It returns how many.
func (o *Outbox) RetryDead(ctx context.Context) (int64, error) {
	res := o.db.WithContext(ctx).Exec(`UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = now() WHERE status = 'dead'`)
	return res.RowsAffected, res.Error
}
