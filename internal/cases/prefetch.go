package cases

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
)

// A case read loads its case in the statement that checks the caller's
// session (accounts.Companion), instead of in a statement of its own after
// it: one round trip less on the most frequent request, whose session
// statement cost the database as much as the load itself. The load there
// is the same template with the same relation definition; only the
// caller's scope (callerScope) is read in SQL, because the caller is not
// known yet when the statement is sent.

// scopeSQL is callerScope in SQL, for the session's person me.id: whether
// they hold a committee-wide secretary or chair role, and the ministries
// they are the competent authority of, in byte order as Go sorts them. A
// row loaded with it is used only when it equals callerScope of the caller
// the same statement read (prefetchedRow): should the two ever disagree,
// the case is loaded again, never shown by the SQL's answer.
var scopeSQL = `SELECT EXISTS (SELECT 1 FROM role_grants g WHERE g.person_id = me.id
	  AND g.role IN ('` + authz.Secretary + `', '` + authz.Chair + `') AND g.domain = '` + authz.AnyDomain + `') AS staff,
	ARRAY(SELECT g.domain FROM role_grants g WHERE g.person_id = me.id AND g.role = '` + authz.Authority + `' ORDER BY g.domain COLLATE "C") AS doms`

// prefetchSQL is the load of case $4 for the session's person me.id (the
// session check's parameters are $1 to $3), with the scope it was loaded
// in and the person it was loaded for.
var prefetchSQL = loadStatement(strings.ReplaceAll(stmt("_load_case"), "$1", "$4"),
	strings.NewReplacer("@me", "me.id", "@staff", "scope.staff", "@authdoms", "scope.doms"),
	`, scope.staff AS scope_staff, array_to_string(scope.doms, ',') AS scope_doms, me.id AS loaded_for`,
	`CROSS JOIN LATERAL (`+scopeSQL+`) scope `, "")

// prefetchCheckSQL is prefetchSQL with a stand-in for the session, for
// Check to prepare at start.
var prefetchCheckSQL = `WITH me AS (SELECT $1::uuid AS id, $2::float8 AS idle, $3::float8 AS touch)
	SELECT * FROM me CROSS JOIN LATERAL (` + prefetchSQL + `) companion`

// prefetched is a case read's load sent with the session check.
type prefetched struct {
	id        uuid.UUID
	row       relRow
	staff     bool
	doms      string
	loadedFor uuid.UUID
	companion accounts.Companion
}

type prefetchKey struct{}

// PrefetchRead returns ctx carrying a load of case id, and the companion
// that runs it with the request's session check: Access then uses that row
// for the caller's read of the case instead of loading it again.
func PrefetchRead(ctx context.Context, id uuid.UUID) (context.Context, *accounts.Companion) {
	p := &prefetched{id: id}
	p.companion = accounts.Companion{SQL: prefetchSQL, Args: []any{id},
		Dest: append(p.row.loadDest(), &p.staff, &p.doms, &p.loadedFor)}
	return context.WithValue(ctx, prefetchKey{}, p), &p.companion
}

// prefetchedRow is the row of case id that the session check of ctx's
// request loaded for caller, when it did so in the scope callerScope gives
// the caller; nil otherwise. It is handed out once.
func prefetchedRow(ctx context.Context, caller *accounts.Caller, id uuid.UUID) *relRow {
	p, _ := ctx.Value(prefetchKey{}).(*prefetched)
	if p == nil || !p.companion.Found || p.id != id || p.loadedFor != caller.ID {
		return nil
	}
	p.companion.Found = false
	staff, doms := callerScope(caller) // a slice of its own: sorting it is safe
	slices.Sort(doms)
	if staff != p.staff || strings.Join(doms, ",") != p.doms {
		return nil
	}
	return &p.row
}
