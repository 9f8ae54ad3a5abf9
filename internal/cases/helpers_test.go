package cases_test

import (
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/casetest"
)

// cast is the standard cast of the case tests (internal/testing/casetest);
// the tests of this package add their own checks to it as methods.
type cast struct{ *casetest.Cast }

// newCast starts the service on a fresh database and creates the cast.
func newCast(t *testing.T) *cast { return &cast{casetest.NewCast(t)} }
