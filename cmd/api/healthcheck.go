package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rkc-nl/rkc/internal/config"
)

// healthcheck asks the instance listening on cfg.Addr for /healthz (or
// /readyz with the argument "ready") and fails unless it answers 200. It is
// the container's HEALTHCHECK: the image has no shell and no curl, so the
// binary checks itself.
func healthcheck(ctx context.Context, cfg *config.Config, _ *slog.Logger, args []string, out io.Writer) error {
	path := "/healthz"
	switch {
	case len(args) == 0:
	case len(args) == 1 && args[0] == "ready":
		path = "/readyz"
	default:
		return fmt.Errorf("healthcheck: want no argument or \"ready\"")
	}
	url, err := localURL(cfg.Addr, path)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d: %s", path, res.StatusCode, body)
	}
	fmt.Fprintf(out, "%s\n", body)
	return nil
}

// localURL turns the listen address into a URL on this host: a wildcard or
// empty host (":8080", "0.0.0.0:8080", "[::]:8080") is asked on loopback.
func localURL(addr, path string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + path, nil
}
