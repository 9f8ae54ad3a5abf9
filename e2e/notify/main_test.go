package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/testing/dbtest"
)

// workerEnv makes the test binary, started again by a test, run only an
// outbox worker: the stand-in for an instance of the binary that a test
// can kill -9.
const workerEnv = "RKC_NOTIFY_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(workerProcess())
	}
	os.Exit(dbtest.Main(m))
}

// workerProcess delivers the outbox of DATABASE_URL to the SMTP server at
// 127.0.0.1:SMTP_PORT until SIGTERM, printing "ready" once it runs.
func workerProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	gdb, err := db.Open(ctx, os.Getenv("DATABASE_URL"), db.AsAppRole())
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	defer db.Close(gdb)
	port, _ := strconv.Atoi(os.Getenv("SMTP_PORT"))
	t, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, TLS: notify.TLSNone, Timeout: 30 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	w, err := notify.NewWorker(notify.WorkerOptions{DB: gdb, Transport: t, From: "RKC <noreply@rkc.test>",
		BaseURL: "https://rkc.test", Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, MaxAttempts: 100,
		Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	fmt.Println("ready")
	w.Run(ctx)
	return 0
}
