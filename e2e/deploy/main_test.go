package deploy_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain runs the tests in the repository's deploy folder, where the files
// they check live (the Dockerfile, compose.yaml, k8s/), so that every path
// in them is the one an operator reads in that folder.
func TestMain(m *testing.M) {
	if err := os.Chdir("../../deploy"); err != nil {
		fmt.Fprintln(os.Stderr, "deploy tests:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
