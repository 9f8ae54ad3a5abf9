package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// gcPercent is the garbage collector's target when GOGC is not set. Go's
// default (100) lets the heap grow to twice what is live before collecting;
// the API's live heap is small (tens of MiB) and each request allocates
// much that dies at once, so under load the default spent about an eighth
// of the API's CPU collecting (pprof, e2e/loadtest). At 400 that falls to
// a fortieth, for a heap a few tens of MiB larger (docs/decisions.md,
// "Garbage collection").
const gcPercent = 400

// memoryShare is the part of the container's memory limit given to the Go
// runtime as its soft limit (GOMEMLIMIT) when none is set: near the limit
// the collector runs as often as it must, whatever gcPercent says, and the
// rest is left for the stacks, the binary and the kernel's buffers.
const memoryShare = 0.8

// cgroupMemoryMax is where Linux (cgroup v2) says how much memory the
// container may use: "max" or a number of bytes.
const cgroupMemoryMax = "/sys/fs/cgroup/memory.max"

// tuneGC sets the collector's target and soft memory limit for serving,
// unless the operator set GOGC or GOMEMLIMIT themselves.
func tuneGC(getenv func(string) string, log *slog.Logger) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	if limit, ok := containerMemoryLimit(cgroupMemoryMax); ok {
		soft := int64(float64(limit) * memoryShare)
		debug.SetMemoryLimit(soft)
		log.Info("memory limit for the garbage collector", "container_bytes", limit, "soft_limit_bytes", soft)
	}
}

// containerMemoryLimit reads the cgroup v2 memory limit at path; false when
// there is none (no cgroup v2, or "max").
func containerMemoryLimit(path string) (int64, bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}
