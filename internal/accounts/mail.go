package accounts

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"
)

// Kinds of account e-mail.
const (
	MailInvitation    = "account_invitation"     // a link to set the first password
	MailReset         = "account_password_reset" // a link to set a new password
	MailAccountExists = "account_exists"         // an invitation to an address that has an account already
)

// Mail is an account e-mail. Unlike the case notices it carries a secret:
// a single-use link, valid until Expires. It names no case.
type Mail struct {
	Kind    string
	To      string // the address
	Lang    string // nl or en
	Link    string // empty for MailAccountExists
	Expires time.Time
}

// Mailer sends account e-mails. The account service calls it after the
// transaction that made the link committed, so that a link in a message
// always works; a message that fails is not retried (the person asks again,
// or the admin invites again).
type Mailer interface {
	SendAccountMail(ctx context.Context, m Mail) error
}

// discardMailer is used when no mailer is configured: it says so in the
// log, without the address or the link.
type discardMailer struct{ log *slog.Logger }

func (d discardMailer) SendAccountMail(_ context.Context, m Mail) error {
	d.log.Warn("account e-mail not sent: no mailer configured", "kind", m.Kind)
	return nil
}

// rateLimits count requests (not only failures) that send e-mail, per
// target account and per client address. They reuse the throttle table
// with their own keys and limits.
type rateLimits struct {
	resetAccount, resetClient   *Throttle
	inviteAccount, inviteClient *Throttle
}

func newRateLimits(db *gorm.DB) rateLimits {
	limit := func(n int, per time.Duration) *Throttle {
		return &Throttle{db: db, Window: per, SlowAfter: 1 << 30, LockAfter: n, LockFor: per}
	}
	return rateLimits{
		resetAccount:  limit(3, time.Hour),
		resetClient:   limit(20, time.Hour),
		inviteAccount: limit(3, time.Hour),
		inviteClient:  limit(50, time.Hour),
	}
}

// hit counts one request against each key of its throttle, and refuses it
// with too_many_requests while any key is over its limit.
func hit(ctx context.Context, pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		t, key := pairs[i].(*Throttle), pairs[i+1].(string)
		wait, err := t.Check(ctx, key)
		if err != nil {
			return err
		}
		if wait > 0 {
			return tooMany("rate-limited", "Too many requests; try again later.", wait)
		}
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		t, key := pairs[i].(*Throttle), pairs[i+1].(string)
		if _, err := t.Fail(ctx, key); err != nil {
			return err
		}
	}
	return nil
}
