// Package authz decides who may do what: casbin RBAC with ministry domains
// (model and policy embedded as data) for the role layer, and Relations for
// the per-case layer that the case service checks on every request.
package authz

import (
	_ "embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"
	"github.com/labstack/echo/v4"
)

//go:embed model.conf
var modelText string

//go:embed policy.csv
var policyText string

// Role names, as granted per domain.
const (
	Complainant    = "complainant"
	Respondent     = "respondent"
	Adviser        = "adviser"
	Secretary      = "secretary"
	Member         = "member"
	Chair          = "chair"
	Authority      = "authority"
	Reporter       = "reporter"
	Admin          = "admin"
	PrivacyOfficer = "privacy_officer"
	// Witness is held by a person the secretary linked to a case as its
	// witness, in the case's ministry; like the respondent's role it follows
	// from the case.
	Witness = "witness"
)

// Roles lists every role.
var Roles = []string{Complainant, Respondent, Adviser, Secretary, Member, Chair, Authority, Reporter, Admin, PrivacyOfficer, Witness}

// AnyDomain is the domain of the committee's own staff: it matches every ministry.
const AnyDomain = "*"

// Grant is one role of a person in one domain.
type Grant struct {
	Role   string `json:"role"`
	Domain string `json:"domain"`
}

// Enforcer answers whether a person may attempt an action in a domain. The
// persons' grants are kept in casbin's role manager and synchronised from the
// database on every request (Sync), so the database stays the truth when
// several instances run.
//
// casbin evaluates its matcher against the policy lines one by one, and each
// call has a fixed cost of several microseconds besides. Its answers are
// therefore remembered per person, domain and action; Sync forgets a
// person's answers whenever their grants change, and the policy itself is
// fixed for the life of the process.
type Enforcer struct {
	e *casbin.SyncedEnforcer

	mu     sync.RWMutex       // guards grants; held for writing by Sync
	grants map[string][]Grant // person id → the grants loaded into casbin
	synced map[string]string  // person id → fingerprint of those grants

	memoMu   sync.RWMutex
	memo     map[string]*personMemo // person id → casbin's answers for them
	memoSize int
}

// personMemo holds casbin's answers for one person. Sync replaces it, so an
// answer computed before the replacement is never stored in the new one.
type personMemo struct {
	answers map[decision]bool
}

type decision struct{ domain, action string }

// maxMemo bounds the remembered answers; beyond it they are all forgotten
// and computed afresh.
const maxMemo = 1 << 20

// NewEnforcer loads the embedded model and policy.
func NewEnforcer() (*Enforcer, error) { return newEnforcer(modelText, policyText) }

func newEnforcer(modelText, policyText string) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("authz model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("authz: %w", err)
	}
	// A grant in domain '*' matches any requested domain.
	e.AddNamedDomainMatchingFunc("g", "keyMatch", util.KeyMatch)
	for i, line := range strings.Split(policyText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for j := range f {
			f[j] = strings.TrimSpace(f[j])
		}
		if len(f) != 4 || f[0] != "p" || f[2] == "" || f[3] == "" {
			return nil, fmt.Errorf("authz policy line %d: want 'p, role, domain, action'", i+1)
		}
		if !slices.Contains(Roles, f[1]) {
			return nil, fmt.Errorf("authz policy line %d: unknown role %q", i+1, f[1])
		}
		added, err := e.AddPolicy(f[1], f[2], f[3])
		if err != nil {
			return nil, err
		}
		if !added {
			return nil, fmt.Errorf("authz policy line %d: repeats an earlier line", i+1)
		}
	}
	return &Enforcer{e: e, grants: map[string][]Grant{}, synced: map[string]string{}, memo: map[string]*personMemo{}}, nil
}

// Actions returns every action the policy names, sorted.
func (en *Enforcer) Actions() []string {
	seen := map[string]bool{}
	pol, _ := en.e.GetPolicy()
	for _, p := range pol {
		seen[p[2]] = true
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// Sync makes casbin hold exactly the given grants for the person. It is cheap
// when nothing changed, which is the normal case.
func (en *Enforcer) Sync(personID string, grants []Grant) error {
	fp := fingerprint(grants)
	en.mu.RLock()
	same := en.synced[personID] == fp
	_, known := en.synced[personID]
	en.mu.RUnlock()
	if same && known {
		return nil
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	if old, ok := en.synced[personID]; ok && old == fp {
		return nil
	}
	// Remove every old grant and add every new one, rather than only the
	// difference: with domain matching, removing a '*' grant also removes
	// the link it made in each ministry, which a remaining ministry grant of
	// the same role must then make again.
	for _, g := range en.grants[personID] {
		if _, err := en.e.RemoveGroupingPolicy(personID, g.Role, g.Domain); err != nil {
			return err
		}
	}
	var kept []Grant
	for _, g := range grants {
		if slices.Contains(kept, g) {
			continue
		}
		if _, err := en.e.AddGroupingPolicy(personID, g.Role, g.Domain); err != nil {
			return err
		}
		kept = append(kept, g)
	}
	en.grants[personID] = kept
	en.synced[personID] = fp
	// Forget the person's answers only now that casbin holds the new grants:
	// an answer computed meanwhile belongs to the replaced memo and is dropped.
	en.memoMu.Lock()
	if pm := en.memo[personID]; pm != nil {
		en.memoSize -= len(pm.answers)
	}
	en.memo[personID] = &personMemo{answers: map[decision]bool{}}
	en.memoMu.Unlock()
	return nil
}

func fingerprint(grants []Grant) string {
	parts := make([]string, len(grants))
	for i, g := range grants {
		parts[i] = g.Role + "@" + g.Domain
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Allowed reports whether the person may attempt action in domain. Use
// AnyDomain as domain for actions that are not tied to one ministry (listing,
// filing); the grant's own domain is then checked by the service.
func (en *Enforcer) Allowed(personID, domain, action string) bool {
	k := decision{domain, action}
	en.memoMu.RLock()
	pm := en.memo[personID]
	if pm != nil {
		if ok, found := pm.answers[k]; found {
			en.memoMu.RUnlock()
			return ok
		}
	}
	en.memoMu.RUnlock()

	ok, err := en.enforce(personID, domain, action)
	if err != nil {
		return false
	}
	en.memoMu.Lock()
	defer en.memoMu.Unlock()
	if en.memo[personID] != pm {
		return ok // the grants changed meanwhile: do not remember
	}
	if pm == nil {
		pm = &personMemo{answers: map[decision]bool{}}
		en.memo[personID] = pm
	}
	if en.memoSize >= maxMemo {
		for _, m := range en.memo {
			clear(m.answers)
		}
		en.memoSize = 0
	}
	if _, found := pm.answers[k]; !found {
		en.memoSize++
	}
	pm.answers[k] = ok
	return ok
}

// enforce asks casbin, walking the policy.
func (en *Enforcer) enforce(personID, domain, action string) (bool, error) {
	return en.e.Enforce(personID, domain, action)
}

// Domains returns the domains in which the person may attempt action ('*'
// for a committee-wide grant). The route middleware asks whether there is any;
// list queries use them to scope rows in SQL.
func (en *Enforcer) Domains(personID, action string) []string {
	en.mu.RLock()
	grants := en.grants[personID]
	en.mu.RUnlock()
	var out []string
	for _, g := range grants {
		if !slices.Contains(out, g.Domain) && en.Allowed(personID, g.Domain, action) {
			out = append(out, g.Domain)
		}
	}
	return out
}

// AllowedSomewhere reports whether any grant of the person allows action
// (in some domain); it stops at the first.
func (en *Enforcer) AllowedSomewhere(personID, action string) bool {
	en.mu.RLock()
	grants := en.grants[personID]
	en.mu.RUnlock()
	for _, g := range grants {
		if en.Allowed(personID, g.Domain, action) {
			return true
		}
	}
	return false
}

// Require is the echo middleware of the role layer. Its subject is the
// authenticated person that the session middleware put on the context, never
// a name from a header. It answers with denied when no grant of the caller
// allows the action in any domain; the case layer then answers 404 for cases
// the caller may not know.
func (en *Enforcer) Require(action string, caller func(echo.Context) (string, bool), denied func(echo.Context) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, ok := caller(c)
			if !ok || !en.AllowedSomewhere(id, action) {
				return denied(c)
			}
			return next(c)
		}
	}
}
