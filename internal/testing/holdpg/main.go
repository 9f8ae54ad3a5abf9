// Command holdpg starts a pgserver on the data directory named by its
// argument, prints the server's URL with the password masked, and holds the
// server until it is signalled. pgserver's tests kill it with SIGKILL to
// check that no PostgreSQL process outlives the process that started it;
// they need a separate process because a test cannot kill -9 itself.
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/rkc-nl/rkc/internal/platform/pgserver"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: holdpg DATADIR")
		os.Exit(2)
	}
	srv, err := pgserver.Start(context.Background(), pgserver.Options{DataDir: os.Args[1]})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	u, err := url.Parse(srv.URL("postgres"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(u.Redacted())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	if err := srv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
