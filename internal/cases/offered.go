package cases

import (
	"github.com/rkc-nl/rkc/internal/accounts"
)

// A step on a case, named as the pages' route names it (POST
// /cases/{id}/<name>), with the casbin action it needs and the states (and
// deadline) in which the case can take it. This table is what the service
// offers; each step checks its own state again when taken.
type offeredStep struct {
	name, action string
	now          func(v *View) bool
}

// handled: the case is being handled and can still gather material.
func handled(s State) bool {
	return s == Registered || s == AwaitingInformation || s == Admissible || s == Investigating
}

func inState(states ...State) func(*View) bool {
	return func(v *View) bool {
		for _, s := range states {
			if v.State == s {
				return true
			}
		}
		return false
	}
}

var offeredSteps = []offeredStep{
	{"register", "case:register", inState(Submitted)},
	{"information-request", "case:request-information", inState(Registered)},
	{"information", "case:supply-information", inState(AwaitingInformation)},
	{"admissibility", "case:admissibility", inState(Registered, AwaitingInformation)},
	{"panel", "case:panel", inState(Admissible, Investigating)},
	{"investigation", "case:investigate", inState(Admissible)},
	{"extension", "case:extend", func(v *View) bool { return handled(v.State) && v.Deadline != nil && !v.Deadline.Extended }},
	{"conflict", "case:conflict", func(v *View) bool { return v.State == Submitted || handled(v.State) }},
	{"statement", "case:statement", func(v *View) bool { return handled(v.State) }},
	{"attachment", "case:attachment", func(v *View) bool { return v.State == Submitted || handled(v.State) }},
	{"hearing", "case:hearing", inState(Investigating)},
	{"hearing-record", "case:hearing", inState(Investigating)},
	{"advice", "case:advice", inState(Investigating)},
	{"decision", "case:decision", inState(Advised)},
	{"withdraw", "case:withdraw", func(v *View) bool { return v.State == Submitted || handled(v.State) }},
	{"close", "case:close", inState(Decided, Inadmissible, Withdrawn, ResolvedInformally)},
	{"informal-resolution", "case:informal-resolution", inState(Investigating)},
	{"further-delay", "case:extend", func(v *View) bool { return (handled(v.State) || v.State == Advised) && v.Deadline != nil }},
	{"not-heard", "case:advice", inState(Investigating)},
	{"witness", "case:witness", func(v *View) bool { return handled(v.State) }}, // add a witness, record a statement
	{"witness-hearing", "case:witness", inState(Investigating)},
	{"message", "case:message", func(v *View) bool { return v.State != Closed }},
	{"note", "case:note:write", func(v *View) bool { return v.State != Closed }}, // write or edit a note of the panel
}

// Steps says which steps the caller may take on the case of v now, by the
// step's name, in the order of the case's life: their relation to the case
// allows the step's action, their roles allow it (casbin), and the case is
// in a state where the step can be taken. The pages show a step's form only
// when it is offered here, and the API's case view lists them (steps);
// taking the step checks everything again.
func (s *Service) Steps(caller *accounts.Caller, v *View) []string {
	out := []string{}
	if caller == nil {
		return out
	}
	for _, st := range offeredSteps {
		if st.now(v) && s.May(caller, v, st.action) {
			out = append(out, st.name)
		}
	}
	return out
}

// May says whether the caller, who read v, may do action on its case,
// whatever the case's state: some relation of theirs to the case allows it
// and a role they hold in that relation's domain allows it too (casbin).
// It is the decision that taking the step makes (authorize), on the
// relations the case was read with. The pages link to what it allows
// (threads, notes, witnesses, retaliation reports).
func (s *Service) May(caller *accounts.Caller, v *View, action string) bool {
	if caller == nil {
		return false
	}
	_, ok := s.enf.CaseAllowed(caller.ID.String(), v.rels, action)
	return ok
}
