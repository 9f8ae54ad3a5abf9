package web_test

import (
	"os"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// TestMain stops the private PostgreSQL and the shared browser, if this
// package's tests started them.
func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	stopBrowser()
	os.Exit(code)
}
