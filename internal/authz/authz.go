// Package authz decides who may do what: casbin RBAC with ministry domains
// (model and policy embedded as data) for the role layer, and Relations for
// the per-case layer that the case service checks on every request.
package authz

import (
	_ "embed"
	"fmt"
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
)

// Roles lists every role.
var Roles = []string{Complainant, Respondent, Adviser, Secretary, Member, Chair, Authority, Reporter, Admin, PrivacyOfficer}

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
type Enforcer struct {
	e      *casbin.SyncedEnforcer
	mu     sync.Mutex
	synced map[string]string // person id → fingerprint of the grants loaded
}

// NewEnforcer loads the embedded model and policy.
func NewEnforcer() (*Enforcer, error) {
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
		if len(f) != 4 || f[0] != "p" {
			return nil, fmt.Errorf("authz policy line %d: want 'p, role, domain, action'", i+1)
		}
		if _, err := e.AddPolicy(f[1], f[2], f[3]); err != nil {
			return nil, err
		}
	}
	return &Enforcer{e: e, synced: map[string]string{}}, nil
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
	en.mu.Lock()
	defer en.mu.Unlock()
	if en.synced[personID] == fp {
		return nil
	}
	if _, err := en.e.DeleteRolesForUser(personID); err != nil && !strings.Contains(err.Error(), "doesn't exist") {
		// casbin reports a person without roles as an error; that is fine.
		_ = err
	}
	for _, g := range grants {
		if _, err := en.e.AddGroupingPolicy(personID, g.Role, g.Domain); err != nil {
			return err
		}
	}
	en.synced[personID] = fp
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
	ok, err := en.e.Enforce(personID, domain, action)
	return err == nil && ok
}

// Domains returns the domains in which the person may attempt action ('*'
// for a committee-wide grant). The route middleware asks whether there is any;
// list queries use them to scope rows in SQL.
func (en *Enforcer) Domains(personID, action string) []string {
	var out []string
	grants, _ := en.e.GetFilteredGroupingPolicy(0, personID)
	for _, g := range grants {
		if en.Allowed(personID, g[2], action) && !contains(out, g[2]) {
			out = append(out, g[2])
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
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
			if !ok || len(en.Domains(id, action)) == 0 {
				return denied(c)
			}
			return next(c)
		}
	}
}
