package reporting

import (
	"os"
	"testing"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
