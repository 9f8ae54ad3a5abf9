// Command withpg starts one private PostgreSQL server for a whole test run,
// runs the command it is given with TEST_DATABASE_URL pointing at it, and
// stops the server afterwards: `go run ./internal/testing/dbtest/withpg -- go test ./...`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

func main() {
	args := os.Args[1:]
	// --durable: the server keeps the product's durable settings, on disk
	// (dbtest.EnvDurable), for the capacity benchmarks.
	if len(args) > 0 && args[0] == "--durable" {
		os.Setenv(dbtest.EnvDurable, "1")
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withpg [--durable] -- command [args...]")
		os.Exit(2)
	}
	os.Exit(run(args))
}

func run(args []string) int {
	srv, dir, err := dbtest.StartServer(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	// Stopped before the folder is removed: defers run last-in, first-out.
	defer os.RemoveAll(dir)
	defer srv.Stop()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), dbtest.EnvURL+"="+srv.URL("postgres"))
	// Forward Ctrl-C to the child and wait, so the server is stopped last.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		return 1
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	if err := cmd.Wait(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		return 1
	}
	return 0
}
