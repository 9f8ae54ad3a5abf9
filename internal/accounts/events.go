package accounts

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/audit"
)

// Actions of the access log for sign-in and account events (issue 13).
// The entry's person is whoever acted (for a failed sign-in, the account
// asked for, when it exists), its client the address; an entry never holds
// a password, a code or an address that was typed in.
const (
	ActSignIn            = "signin"                  // + ":" + method
	ActSignInFailed      = "signin-failed"           // + ":" + method, or ":password:unknown-account"
	ActReauth            = "reauth"                  // + ":" + method
	ActEnrolBegin        = "second-factor:enrol"     // a new secret is being set up
	ActEnrolConfirm      = "second-factor:confirm"   // it is in force
	ActRecoveryCodeUsed  = "second-factor:recovery"  // a recovery code was used
	ActFirstPassword     = "account:first-password"  // the first admin replaced the printed password
	ActSessionsEnded     = "account:sessions-ended:" // + person: ended by someone else's act
	ActAccountCreated    = "account:create:"         // + person
	ActResetRequested    = "account:reset-request:"  // + person
	ActPasswordSetByLink = "account:password-set:"   // + person
	ActGrantRequested    = "account:grant-request:"  // + role@domain:person
	ActGrantConfirmed    = "account:grant-confirm:"  // + role@domain:person
	ActGrantRefused      = "account:grant-refuse:"   // + role@domain:person
	roleSelf             = "self"                    // the person acting on their own account
	roleAnonymous        = "anonymous"               // not signed in (a reset request)
	roleSystem           = "system"                  // the service itself (start-up, a provider's first sign-in)
)

// record appends an entry to the access log in tx, or in a transaction of
// its own when tx is nil (the log's chain needs one).
func (s *Service) record(ctx context.Context, tx *gorm.DB, e audit.Entry) error {
	e.At = s.now()
	if tx != nil {
		return audit.Append(ctx, tx, e)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return audit.Append(ctx, tx, e) })
}

// recordSelf logs an act of a person on their own account.
func (s *Service) recordSelf(ctx context.Context, tx *gorm.DB, person uuid.UUID, client, action string) error {
	return s.record(ctx, tx, audit.Entry{PersonID: &person, Role: roleSelf, Action: action, Client: client})
}

// recordFailure logs a failed sign-in or code. It is best effort: a
// failure to log must not turn a wrong password into a server error, and
// it is reported to the operator's log by kind only.
func (s *Service) recordFailure(ctx context.Context, person *uuid.UUID, client, action string) {
	if err := s.record(context.WithoutCancel(ctx), nil, audit.Entry{PersonID: person, Role: roleSelf, Action: action, Client: client}); err != nil {
		s.log.Error("logging a failed sign-in failed", "action", action)
	}
}

// endSessionsFor ends every session of the person because of actor's act
// (a role changed, the account switched off, its second factor reset), in
// tx, and logs it when any was live.
func (s *Service) endSessionsFor(ctx context.Context, tx *gorm.DB, actor *Caller, personID uuid.UUID) error {
	res := tx.WithContext(ctx).Exec(`DELETE FROM sessions WHERE person_id = ?`, personID)
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return s.log_(ctx, tx, actor, ActSessionsEnded+personID.String())
}
