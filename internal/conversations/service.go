// Package conversations holds what is said inside a case besides the case
// file itself: each party's thread with the committee (messages with
// files), the panel's notes and draft findings, and retaliation reports. It
// works on a case only through cases.Service.Access, which loads the case
// scoped to the caller's relations, checks casbin, unwraps the case key and
// writes the access-log entry; this package decides which thread, note or
// report that relation reaches.
package conversations

import (
	"github.com/rkc-nl/rkc/internal/cases"
)

// Service holds the rules of conversations. Each method's comment says who
// may call it; all of them return not_found when the case does not exist or
// the caller may not know it exists. Their work is beside the case file's
// own fields: it leaves the case's version alone, so a message in a thread
// does not make a party's open form stale.
type Service struct {
	cases *cases.Service
}

// NewService builds the conversation service on the case service.
func NewService(cs *cases.Service) *Service { return &Service{cases: cs} }
