package server_test

import (
	"os"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestMain stops the private PostgreSQL the tests of this package may have
// started, so no server outlives the test binary.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
