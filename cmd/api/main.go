// Command api is RKC's one binary: the web service and its operational
// subcommands. `rkc --help` lists the commands and settings.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/rkc-nl/rkc/internal/app"
	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/demo"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/platform/dbhealth"
	"github.com/rkc-nl/rkc/internal/platform/pgserver"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is main without globals, so tests can drive the binary's logic.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, rest, err := config.Load(args, getenv, stdout)
	if errors.Is(err, config.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "rkc:", err)
		return 2
	}
	log := newLogger(cfg.LogLevel, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, cmdArgs := "serve", []string(nil)
	if len(rest) > 0 {
		cmd, cmdArgs = rest[0], rest[1:]
	}
	if (cmd == "serve" || cmd == "migrate") && len(cmdArgs) > 0 {
		// The flag package stops at the command, so `rkc serve --addr :9000`
		// would silently ignore the setting; say so instead.
		fmt.Fprintf(stderr, "rkc: %s takes no arguments; put settings before the command (rkc --addr :9000 %s)\n", cmd, cmd)
		return 2
	}
	command, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "rkc: unknown command %q; see rkc --help\n", cmd)
		return 2
	}
	if err = command(ctx, cfg, log, cmdArgs, stdout); err != nil {
		fmt.Fprintln(stderr, "rkc:", err)
		return 1
	}
	return 0
}

// command is a subcommand of the binary; args are the words after its name.
type command func(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error

// commands are the binary's subcommands by name; serve is the default.
var commands = map[string]command{
	"serve":       serve,
	"migrate":     migrateCommand,
	"keys":        keysCommand,
	"audit":       auditCommand,
	"verify":      verifyCommand,
	"purge":       purgeCommand,
	"deadlines":   deadlinesCommand,
	"outbox":      outboxCommand,
	"healthcheck": healthcheck,
	"seed":        seedCommand,
	"grants":      grantsCommand,
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, _ []string, stdout io.Writer) error {
	if err := app.CheckKeyFiles(cfg); err != nil {
		return err
	}
	tuneGC(os.Getenv, log)
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.close()
	if err := db.CheckAppLogin(ctx, d.sql); err != nil {
		if !cfg.DevOwnerLogin {
			return err
		}
		log.Warn("serving with a database login that can alter the access log (RKC_DEV_OWNER_LOGIN); never do this in production")
	}
	// An embedded server that dies is restarted (a bounded number of
	// times); when it cannot be, serve stops with its error.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if d.embedded != nil {
		go func() {
			policy := pgserver.RestartPolicy{Max: cfg.EmbeddedRestarts, Window: pgserver.DefaultRestartPolicy.Window}
			if err := d.embedded.Supervise(ctx, policy); err != nil {
				cancel(err)
			}
		}()
	}
	health := dbhealth.New(d.sql, log, cfg.DBUnreachableLimit)
	go health.Run(ctx)
	err = serveApp(ctx, cfg, log, d, health, stdout)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

func serveApp(ctx context.Context, cfg *config.Config, log *slog.Logger, d *database, health *dbhealth.Monitor, stdout io.Writer) error {
	a, err := app.Build(ctx, cfg, log, d.gdb, app.Options{Health: health})
	if err != nil {
		return err
	}
	if pw, err := a.Accounts.EnsureAdmin(ctx, "beheer@rkc.local"); err != nil {
		return err
	} else if pw != "" {
		// Printed once, to the terminal only, never to the structured log.
		fmt.Fprintf(stdout, "\nFirst start: admin account beheer@rkc.local, one-time password: %s\n\n", pw)
	}
	if cfg.Demo {
		pw, err := demo.Seed(ctx, demo.Deps{Accounts: a.Accounts, Cases: a.Cases, Enforcer: a.Enforcer, Password: cfg.DemoPassword})
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if pw != "" && cfg.DemoPassword == "" {
			fmt.Fprintf(stdout, "Demo accounts (klager@demo.rkc, secretaris@demo.rkc, …) have the password: %s\n\n", pw)
		}
	}
	go a.AuditLog.Run(ctx)
	go purgeLoop(ctx, cfg, log, a)
	go deadlineLoop(ctx, cfg, log, a)
	go compactLoop(ctx, log, a)
	go closeLoop(ctx, cfg, log, a)
	// The outbox worker; serve waits for it, so that a message in
	// flight at shutdown is finished and recorded before the database
	// closes.
	worker, err := notify.WorkerFromConfig(cfg, log, d.gdb)
	if err != nil {
		return err
	}
	workerCtx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	go func() { defer close(workerDone); worker.Run(workerCtx) }()
	defer func() { stopWorker(); <-workerDone }()
	return listen(ctx, cfg, log, a.Handler, a.Metrics)
}

// listen serves until ctx ends, then lets in-flight requests finish. The
// metrics are served on their own address (cfg.MetricsAddr, loopback by
// default), never on the public one.
func listen(ctx context.Context, cfg *config.Config, log *slog.Logger, h, metrics http.Handler) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	servers := []*http.Server{{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}}
	listeners := []net.Listener{ln}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (RKC_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		servers = append(servers, &http.Server{Handler: metrics, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10})
		listeners = append(listeners, mln)
		log.Info("serving metrics", "addr", mln.Addr().String())
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	log.Info("serving", "addr", ln.Addr().String(), "base_url", cfg.BaseURL)
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		errs = append(errs, srv.Shutdown(shutCtx))
	}
	return errors.Join(errs...)
}
