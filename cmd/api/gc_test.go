package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// The collector's target is raised for serving, but an operator's GOGC or
// GOMEMLIMIT is theirs: tuneGC leaves what they set alone.
func TestTuneGCKeepsTheOperatorsSettings(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	tuneGC(func(string) string { return "" }, quiet)
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GOGC unset: collector target %d, want %d", got, gcPercent)
	}
	tuneGC(func(k string) string { return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[k] }, quiet)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC=100 set by the operator: collector target %d, want it left at 100", got)
	}
}

func TestContainerMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string // content "": no such file
		want          int64
		ok            bool
	}{
		{"a container limited to 512 MiB", "536870912\n", 512 << 20, true},
		{"no limit", "max\n", 0, false},
		{"no cgroup v2", "", 0, false},
	} {
		path := filepath.Join(dir, tc.name)
		if tc.content != "" {
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, ok := containerMemoryLimit(path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: got %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
