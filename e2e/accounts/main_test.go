package accounts_test

import (
	"os"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestMain stops the private PostgreSQL the tests may have started.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
