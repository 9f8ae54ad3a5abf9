package notify_test

import (
	"os"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestMain stops the private PostgreSQL the tests may have started. The
// tests of delivery to a real SMTP server are in e2e/notify.
func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
