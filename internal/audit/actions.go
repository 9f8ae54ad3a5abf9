package audit

import "strings"

// The kinds of event on the log. An action is "<kind>:<what>" (case:read,
// account:signin-failed); the privacy officer filters the log by kind. A
// package that logs a new event just calls Append with a new action string
// of an existing kind, or of a new kind listed here.
const (
	KindCase     = "case"     // reads and writes of a case's personal data
	KindAccess   = "access"   // refused access to a case or its parts
	KindAccount  = "account"  // sign-in, second factor, account lifecycle, grants
	KindSession  = "session"  // sessions ended, re-authentication
	KindExport   = "export"   // exports of personal data and reports
	KindKey      = "key"      // master-key and log-key rotation
	KindPurge    = "purge"    // retention purge runs
	KindHold     = "hold"     // legal holds set and lifted
	KindAudit    = "audit"    // reads of the log itself
	KindSignal   = "signal"   // anonymous signals
	KindPrivacy  = "privacy"  // data-subject requests
	KindReport   = "report"   // statistical reports
	KindSecurity = "security" // other security events
)

// Actions this package and its neighbours log that are not named by the
// caller's own package.
const (
	ActionAccessRefused = "access:refused"     // a 403 or 404 answered to a signed-in caller on a case route
	ActionMasterRotated = "key:master-rotated" // case keys rewrapped under a new master key (":" + its id)
	ActionMasterRetired = "key:master-retired" // an old master key removed
	ActionLogKeyRotated = "key:log-rotated"    // a new log signing key took over
	ActionPurgeRun      = "purge:run"          // one run of the retention job
	ActionPurgeDryRun   = "purge:dry-run"      // a dry run: what the job would purge
	ActionHoldSet       = "hold:set"           // a legal hold put on a case
	ActionHoldLifted    = "hold:lifted"        // a legal hold lifted
	ActionExportFile    = "export:file"        // a signed file handed out (data-subject export); Digest names it
	ActionReportFile    = "export:report"      // a signed report file handed out; Digest names it
)

// Kind is the event kind of an action: the part before the first colon.
func Kind(action string) string {
	k, _, _ := strings.Cut(action, ":")
	return k
}
