package pgserver

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// sysProcAttr ties a child (initdb or postgres) to our process.
//
// Pdeathsig makes the kernel signal the child when we die, however we die;
// nothing else survives a kill -9 of our process. For the postmaster the
// signal is SIGQUIT, PostgreSQL's immediate shutdown: the postmaster at once
// sends SIGQUIT to every backend, waits for them (SIGKILLing stragglers after
// a few seconds), removes postmaster.pid and releases its shared memory.
// SIGKILL would end only the postmaster; its backends notice that on their
// own, but one busy in a long query may run on until its next wait, and the
// stale postmaster.pid stays. Either way the next start replays the WAL, which
// is safe because fsync stays on.
//
// Setpgid puts the child in its own process group, so that a Ctrl-C in the
// terminal (SIGINT to the whole foreground group, which postgres reads as
// "fast shutdown") reaches only us, and we stop the database after the
// requests that still need it, not in parallel with them.
//
// Credential switches to the postgres user when we are root; Go applies
// Pdeathsig after the switch, which matters because the kernel clears it on a
// change of user.
func sysProcAttr(acct account, deathSig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Pdeathsig:  deathSig,
		Setpgid:    true,
		Credential: acct.cred,
	}
}

// postgresOwns reports whether pid is a live PostgreSQL process that may be
// serving dataDir. When in doubt (we may not read its working directory) it
// answers yes, because starting a second server on a cluster corrupts it.
func postgresOwns(pid int, dataDir string) bool {
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	comm, err := os.ReadFile(filepath.Join(proc, "comm"))
	if err != nil {
		return false // gone
	}
	if name := strings.TrimSpace(string(comm)); name != "postgres" && name != "postmaster" {
		return false // the pid was reused
	}
	if stat, err := os.ReadFile(filepath.Join(proc, "stat")); err == nil {
		// The state follows the parenthesised command name; a zombie
		// merely waits for its parent to reap it.
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return false
		}
	}
	// Every PostgreSQL process works in its data directory.
	cwd, err := os.Readlink(filepath.Join(proc, "cwd"))
	if err != nil {
		return true
	}
	if real, err := filepath.EvalSymlinks(dataDir); err == nil {
		dataDir = real
	}
	return cwd == dataDir
}

// serverProcesses lists the live PostgreSQL processes working in dataDir:
// every one of them, postmaster and backends alike, has it as its working
// directory. Backends make themselves process-group leaders, so this is how
// the orphans of a killed postmaster are found.
func serverProcesses(dataDir string) []int {
	if real, err := filepath.EvalSymlinks(dataDir); err == nil {
		dataDir = real
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		proc := filepath.Join("/proc", e.Name())
		comm, err := os.ReadFile(filepath.Join(proc, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join(proc, "cwd")); err == nil && cwd == dataDir {
			pids = append(pids, pid)
		}
	}
	return pids
}
