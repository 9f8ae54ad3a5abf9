package dbhealth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// TestUnreachable: what a request meets when the database is gone answers
// 503; what the database refused answers as before.
func TestUnreachable(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", fmt.Errorf("query: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"connection reset", fmt.Errorf("query: %w", syscall.ECONNRESET), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"pool closed", sql.ErrConnDone, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"query canceled", &pgconn.PgError{Code: "57014"}, false},
		{"no rows", sql.ErrNoRows, false},
		{"other", errors.New("something else"), false},
		{"nil", nil, false},
	} {
		if got := Unreachable(tt.err); got != tt.want {
			t.Errorf("%s: Unreachable = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestMonitor points a monitor at a port nobody listens on: it reports the
// database down at its first check, and unhealthy only past its limit.
func TestMonitor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	sqlDB, err := sql.Open("pgx", "postgres://u:p@"+addr+"/db?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	now := time.Now()
	m := New(sqlDB, slog.New(slog.DiscardHandler), time.Minute)
	m.now = func() time.Time { return now }
	if m.Down() || !m.Healthy() {
		t.Fatal("a monitor that has not checked yet reports the database down")
	}
	m.check(context.Background())
	if !m.Down() || !m.Healthy() {
		t.Fatalf("after a failed ping: down %v, healthy %v; want down and still healthy", m.Down(), m.Healthy())
	}
	now = now.Add(time.Minute + time.Second)
	if m.Healthy() {
		t.Fatalf("down for %v with a limit of a minute: still healthy", m.DownFor())
	}
	var none *Monitor
	if none.Down() || !none.Healthy() {
		t.Error("a nil monitor must report the database up")
	}
}
