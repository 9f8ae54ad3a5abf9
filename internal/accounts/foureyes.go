package accounts

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/apperr"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/authz"
)

// Four eyes on power (issue 14). A role that opens cases or accounts to
// its holder takes effect only when a second person, other than whoever
// asked and other than whoever gets it, confirms it: another admin, and for
// the committee's roles the chair. Nobody grants a role to themselves.
// docs/decisions.md ("Four eyes on power") gives the table.

// confirmedRoles need a second person's confirmation.
var confirmedRoles = map[string]bool{authz.Secretary: true, authz.Member: true, authz.Chair: true,
	authz.Authority: true, authz.PrivacyOfficer: true, authz.Admin: true}

// committeeRoles are confirmed by the chair.
var committeeRoles = map[string]bool{authz.Secretary: true, authz.Member: true, authz.Chair: true}

// NeedsConfirmation reports whether a grant of role waits for a second
// person's confirmation.
func NeedsConfirmation(role string) bool { return confirmedRoles[role] }

// The types of the refusals of a role grant or its decision.
const (
	TypeOwnGrant       = "own-grant"
	TypeGrantConfirmer = "grant-confirmer"
)

var (
	errOwnGrant = apperr.New(apperr.Forbidden, TypeOwnGrant, "Nobody grants a role to themselves; another administrator does.")
	errDecider  = apperr.New(apperr.Forbidden, TypeGrantConfirmer,
		"Another person confirms this request: not whoever asked for it or gets the role; another administrator, or the chair for a committee role.")
)

// GrantRequest is a role grant waiting for, or given, a second person's
// confirmation.
type GrantRequest struct {
	ID              uuid.UUID  `json:"id"`
	PersonID        uuid.UUID  `json:"person_id"`
	PersonEmail     string     `json:"person_email"`
	PersonName      string     `json:"person_name"`
	authz.Grant                // the role and domain asked for
	RequestedBy     *uuid.UUID `json:"requested_by"`
	RequestedByName string     `json:"requested_by_name"`
	RequestedAt     time.Time  `json:"requested_at"`
	Outcome         string     `json:"outcome,omitempty"` // "", confirmed or refused
	// CanDecide says whether the caller who listed it may confirm or refuse it.
	CanDecide bool `json:"can_decide"`
}

// requestGrant records a request for a grant that needs confirmation, in
// tx, unless the person holds the grant already or an open request for it
// exists (then that one is returned).
func (s *Service) requestGrant(ctx context.Context, tx *gorm.DB, actor *Caller, personID uuid.UUID, g authz.Grant) (*GrantRequest, error) {
	tx = tx.WithContext(ctx)
	var held int64
	if err := tx.Model(&grantRow{}).Where("person_id = ? AND role = ? AND domain = ?", personID, g.Role, g.Domain).Count(&held).Error; err != nil {
		return nil, err
	}
	if held > 0 {
		return nil, nil
	}
	var by *uuid.UUID
	if actor != nil {
		by = &actor.ID
	}
	var ids []uuid.UUID
	if err := tx.Raw(`INSERT INTO grant_requests (person_id, role, domain, requested_by, requested_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (person_id, role, domain) WHERE decided_at IS NULL DO NOTHING RETURNING id`,
		personID, g.Role, g.Domain, by, s.now()).Scan(&ids).Error; err != nil {
		return nil, err
	}
	if len(ids) == 1 {
		if err := s.log_(ctx, tx, actor, ActGrantRequested+g.Role+"@"+g.Domain+":"+personID.String()); err != nil {
			return nil, err
		}
	}
	var req GrantRequest
	err := tx.Raw(`SELECT id, person_id, role, domain, requested_by, requested_at FROM grant_requests
		WHERE person_id = ? AND role = ? AND domain = ? AND decided_at IS NULL`, personID, g.Role, g.Domain).Scan(&req).Error
	return &req, err
}

// mayDecide reports whether decider may confirm or refuse a request: not
// its requester or subject; for a committee role the chair (of its domain
// or of all), or another admin while no such chair exists besides those
// two; for any other role another admin.
func (s *Service) mayDecide(ctx context.Context, tx *gorm.DB, decider *Caller, r *GrantRequest) (bool, error) {
	if decider == nil || decider.ID == r.PersonID || (r.RequestedBy != nil && *r.RequestedBy == decider.ID) {
		return false, nil
	}
	if !committeeRoles[r.Role] {
		return decider.HasRole(authz.Admin), nil
	}
	if decider.Has(authz.Chair, r.Domain) {
		return true, nil
	}
	if !decider.HasRole(authz.Admin) {
		return false, nil
	}
	var chairs int64
	err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM role_grants g JOIN persons p ON p.id = g.person_id
		WHERE p.active AND g.role = ? AND (g.domain = ? OR g.domain = ?) AND g.person_id <> ? AND g.person_id <> coalesce(?, g.person_id)`,
		authz.Chair, r.Domain, authz.AnyDomain, r.PersonID, r.RequestedBy).Scan(&chairs).Error
	return chairs == 0, err
}

// GrantRequests lists the open requests the caller asked for or may
// decide, the oldest first. Callable by an admin or a chair.
func (s *Service) GrantRequests(ctx context.Context, caller *Caller) ([]GrantRequest, error) {
	var rows []GrantRequest
	err := s.db.WithContext(ctx).Raw(`SELECT r.id, r.person_id, p.email AS person_email, p.name AS person_name, r.role, r.domain,
		r.requested_by, coalesce(q.name, '') AS requested_by_name, r.requested_at
		FROM grant_requests r JOIN persons p ON p.id = r.person_id LEFT JOIN persons q ON q.id = r.requested_by
		WHERE r.decided_at IS NULL ORDER BY r.requested_at, r.id LIMIT 1000`).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(err)
	}
	out := []GrantRequest{}
	for _, r := range rows {
		ok, err := s.mayDecide(ctx, s.db, caller, &r)
		if err != nil {
			return nil, apperr.Wrap(err)
		}
		mine := r.RequestedBy != nil && *r.RequestedBy == caller.ID
		if ok || (mine && caller.HasRole(authz.Admin)) {
			r.CanDecide = ok
			out = append(out, r)
		}
	}
	return out, nil
}

// DecideGrant confirms (the grant takes effect, and the person's sessions
// end) or refuses an open request; both are logged. Returns not_found for
// an unknown or already decided request, and forbidden (grant-confirmer)
// when the caller may not decide it (see mayDecide). Callable by an admin
// or a chair.
func (s *Service) DecideGrant(ctx context.Context, decider *Caller, id uuid.UUID, confirm bool) error {
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := openRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		ok, err := s.mayDecide(ctx, tx, decider, r)
		if err != nil {
			return err
		}
		if !ok {
			return errDecider
		}
		outcome, action := "refused", ActGrantRefused
		if confirm {
			outcome, action = "confirmed", ActGrantConfirmed
		}
		if err := tx.Exec(`UPDATE grant_requests SET decided_by = ?, decided_at = ?, outcome = ? WHERE id = ?`,
			decider.ID, s.now(), outcome, id).Error; err != nil {
			return err
		}
		what := r.Role + "@" + r.Domain + ":" + r.PersonID.String()
		if err := audit.Append(ctx, tx, audit.Entry{At: s.now(), PersonID: &decider.ID, Role: deciderRole(decider, r),
			Action: action + what, Client: decider.Client}); err != nil {
			return err
		}
		if !confirm {
			return nil
		}
		_, err = s.grant(ctx, tx, decider, r.PersonID, r.Grant)
		return err
	}))
}

// deciderRole is the role a decision is logged under.
func deciderRole(decider *Caller, r *GrantRequest) string {
	if committeeRoles[r.Role] && decider.Has(authz.Chair, r.Domain) {
		return authz.Chair
	}
	return authz.Admin
}

// ConfirmByOperator confirms a request from the server's command line
// (`rkc grants confirm ID`): the operator, who holds the server, is the
// second person. It is for the first admin's first colleague, when no
// account but the requester and the subject could decide the request; while
// one could, it answers conflict (confirm-in-app). Logged as the system's.
func (s *Service) ConfirmByOperator(ctx context.Context, id uuid.UUID) error {
	return apperr.Wrap(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := openRequest(ctx, tx, id)
		if err != nil {
			return err
		}
		deciders := []string{authz.Admin}
		if committeeRoles[r.Role] {
			deciders = append(deciders, authz.Chair)
		}
		var n int64
		if err := tx.Raw(`SELECT count(DISTINCT g.person_id) FROM role_grants g JOIN persons p ON p.id = g.person_id
			WHERE p.active AND g.role IN ? AND g.person_id <> ? AND g.person_id <> coalesce(?, g.person_id)`,
			deciders, r.PersonID, r.RequestedBy).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "confirm-in-app", "Another person can confirm this request in RKC; the command is only for when nobody can.")
		}
		if err := tx.Exec(`UPDATE grant_requests SET decided_at = ?, outcome = 'confirmed' WHERE id = ?`, s.now(), id).Error; err != nil {
			return err
		}
		what := r.Role + "@" + r.Domain + ":" + r.PersonID.String()
		if err := audit.Append(ctx, tx, audit.Entry{At: s.now(), Role: roleSystem, Action: ActGrantConfirmed + what, Client: "command-line"}); err != nil {
			return err
		}
		_, err = s.grant(ctx, tx, nil, r.PersonID, r.Grant)
		return err
	}))
}

// OpenGrantRequests lists every open request, for the operator's command.
func (s *Service) OpenGrantRequests(ctx context.Context) ([]GrantRequest, error) {
	var rows []GrantRequest
	err := s.db.WithContext(ctx).Raw(`SELECT r.id, r.person_id, p.email AS person_email, p.name AS person_name, r.role, r.domain,
		r.requested_by, r.requested_at FROM grant_requests r JOIN persons p ON p.id = r.person_id
		WHERE r.decided_at IS NULL ORDER BY r.requested_at, r.id`).Scan(&rows).Error
	return rows, apperr.Wrap(err)
}

// openRequest locks an open request for a decision in tx; not_found when
// there is none with id.
func openRequest(ctx context.Context, tx *gorm.DB, id uuid.UUID) (*GrantRequest, error) {
	var reqs []GrantRequest
	if err := tx.WithContext(ctx).Raw(`SELECT id, person_id, role, domain, requested_by, requested_at FROM grant_requests
		WHERE id = ? AND decided_at IS NULL FOR UPDATE`, id).Scan(&reqs).Error; err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, apperr.NotFoundError("GrantRequest")
	}
	return &reqs[0], nil
}
