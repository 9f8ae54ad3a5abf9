// Command benchreport runs the capacity benchmarks of e2e/loadtest (and the
// access log's verify benchmark of internal/audit) and writes their figures, with the machine they ran on, into the README
// between the markers of its "Benchmarks" section:
//
//	make bench-report
//
// which is `withpg --durable -- go -C e2e run ./loadtest/benchreport`: one private
// PostgreSQL for the run. With -in FILE it reads saved `go test -bench`
// output instead of running the benchmarks.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

const (
	begin = "<!-- benchmarks:begin (written by make bench-report) -->"
	end   = "<!-- benchmarks:end -->"
)

// benchFlags are the go test flags of every run.
var benchFlags = []string{"test", "-run", "^$", "-bench", ".", "-benchtime", "2s", "-timeout", "30m"}

// benchRuns are the runs the figures come from, shown in the README: each is
// a package directory in its module, relative to the repository root (the
// capacity benchmarks live in the e2e module, the verify benchmark in the
// product module).
var benchRuns = []struct{ module, pkg string }{
	{"e2e", "./loadtest"},
	{".", "./internal/audit"},
}

func main() {
	in := flag.String("in", "", "read saved go test -bench output instead of running the benchmarks")
	readme := flag.String("readme", "README.md", "README to update")
	flag.Parse()
	if err := run(*in, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(in, readme string) error {
	load := loadavg()
	var out []byte
	var err error
	if in != "" {
		out, err = os.ReadFile(in)
	} else {
		out, err = runBenchmarks()
	}
	if err != nil {
		return err
	}
	res := parse(out)
	if len(res) == 0 {
		return errors.New("no benchmark results in the output")
	}
	section := render(res, load, loadavg())
	b, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	i, j := bytes.Index(b, []byte(begin)), bytes.Index(b, []byte(end))
	if i < 0 || j < i {
		return fmt.Errorf("%s has no benchmark markers (%s … %s)", readme, begin, end)
	}
	var nb bytes.Buffer
	nb.Write(b[:i+len(begin)])
	nb.WriteString("\n" + section)
	nb.Write(b[j:])
	return os.WriteFile(readme, nb.Bytes(), 0o644)
}

// runBenchmarks runs benchRuns one after the other from the repository root
// and returns their output together.
func runBenchmarks() ([]byte, error) {
	root, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/rkc-nl/rkc").Output()
	if err != nil {
		return nil, fmt.Errorf("finding the repository root: %w", err)
	}
	var buf bytes.Buffer
	for _, r := range benchRuns {
		cmd := exec.Command("go", append(benchFlags, r.pkg)...)
		cmd.Dir = filepath.Join(strings.TrimSpace(string(root)), r.module)
		cmd.Stdout = io.MultiWriter(os.Stdout, &buf)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("go test %s in %s: %w", r.pkg, r.module, err)
		}
	}
	return buf.Bytes(), nil
}

// parse reads "BenchmarkName-P  N  V unit  V unit …" lines.
func parse(out []byte) map[string]map[string]float64 {
	res := map[string]map[string]float64{}
	re := regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		vals := map[string]float64{}
		for k := 0; k+1 < len(f); k += 2 {
			if v, err := strconv.ParseFloat(f[k], 64); err == nil {
				vals[f[k+1]] = v
			}
		}
		res[strings.TrimPrefix(m[1], "Benchmark")] = vals
	}
	return res
}

func ms(ns float64) string { return fmt.Sprintf("%.2f ms", ns/1e6) }

func render(res map[string]map[string]float64, before, after string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s on %s; Go %s, %s.\n", time.Now().UTC().Format("2006-01-02"), machine(), strings.TrimPrefix(runtime.Version(), "go"), postgresVersion())
	fmt.Fprintf(&b, "Load average before and after the run: %s / %s (the machine may be shared, so compare the ratios, which are measured side by side, rather than the absolute figures).\n\n", before, after)
	fmt.Fprintf(&b, "```sh\nmake bench-report   # = withpg --durable -- %s, then this table\n```\n\n", benchCommand())
	b.WriteString("PostgreSQL as the product ships it: durable (fsync, synchronous_commit and full_page_writes on), on disk. Ceilings: the same rows written by raw pgx in one transaction, without RKC's triggers, HTTP, authorisation, encryption or any lock. Under load, each operation and its ceiling run as five pairs, one right after the other, each phase on a settled database (sequencer caught up, VACUUM (ANALYZE), CHECKPOINT); the pair with the median ratio is shown.\n\n")
	b.WriteString("| what | RKC (real binary, real PostgreSQL) | physical ceiling, same run | ratio |\n|---|---|---|---|\n")
	row := func(what, rkc, ceiling, ratio string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", what, rkc, ceiling, ratio)
	}
	if r, ok := res["FileComplaint"]; ok {
		row("filing a complaint, one at a time (encryption, access log, statistics)", ms(r["ns/op"]), ms(r["ceiling-ns/op"])+" raw pgx transaction, same inserts",
			fmt.Sprintf("%.1f× the time", r["x-ceiling"]))
	}
	if r, ok := res["ReadCase"]; ok {
		row("reading an authorised case, one at a time", ms(r["ns/op"]), ms(r["ceiling-ns/op"])+" raw pgx transaction: the case row read, one log row written",
			fmt.Sprintf("%.1f× the time", r["x-ceiling"]))
	}
	if r, ok := res["Load"]; ok {
		row("filing under load (vegeta, 8 workers)", fmt.Sprintf("%.0f req/s, p99 %.0f ms", r["file-req/s"], r["file-p99-ms"]),
			fmt.Sprintf("%.0f tx/s raw pgx, 8 connections", r["file-ceiling-tx/s"]), fmt.Sprintf("%.0f%% of the ceiling", 100*r["file-of-ceiling"]))
		row("reading under load (vegeta, 8 workers)", fmt.Sprintf("%.0f req/s, p99 %.0f ms", r["read-req/s"], r["read-p99-ms"]),
			fmt.Sprintf("%.0f tx/s raw pgx read-plus-log-row, 8 connections", r["read-ceiling-tx/s"]), fmt.Sprintf("%.0f%% of the ceiling", 100*r["read-of-ceiling"]))
		row("the same raw transactions behind a bare HTTP handler (net/http, vegeta, 8 workers): what any HTTP service writing those rows manages at the most",
			fmt.Sprintf("filing %.0f%%, reading %.0f%% of that", 100*r["file-of-http-floor"], 100*r["read-of-http-floor"]),
			fmt.Sprintf("%.0f req/s filing (p99 %.0f ms), %.0f req/s reading (p99 %.0f ms)", r["file-http-floor-req/s"], r["file-http-floor-p99-ms"],
				r["read-http-floor-req/s"], r["read-http-floor-p99-ms"]),
			fmt.Sprintf("HTTP alone leaves %.0f%% / %.0f%% of the ceilings", 100*r["file-http-floor-req/s"]/r["file-ceiling-tx/s"], 100*r["read-http-floor-req/s"]/r["read-ceiling-tx/s"]))
		row("sequencing lag under that load (an entry's commit to the signed checkpoint that holds it, p99)", fmt.Sprintf("%.0f ms", r["lag-p99-ms"]),
			"1 s batch interval (the sequencer's longest wait)", fmt.Sprintf("%.0f%% of the interval", r["lag-p99-ms"]/10))
		row("peak memory of the API under that load (VmHWM)", fmt.Sprintf("%.0f MiB (idle %.0f MiB)", r["peak-rss-MiB"], r["idle-rss-MiB"]),
			"512 MiB container limit (deploy/k8s/base)", fmt.Sprintf("%.0f%% of the limit", 100*r["peak-of-limit"]))
	}
	if r, ok := res["Verify"]; ok {
		row("rkc audit verify over 1,000,000 access-log entries (every leaf, the tree, the newest signed checkpoint)", fmt.Sprintf("%.1f s", r["s/1M-entries"]),
			"60 s (issue 13's limit)", fmt.Sprintf("%.0f%% of the limit", 100*r["s/1M-entries"]/60))
	}
	if r, ok := res["AnnualReport1M"]; ok {
		row("annual report over 1,000,000 cases (GET /api/v1/reports/annual)", ms(r["ns/op"]), ms(r["ceiling-ns/op"])+" one sequential scan of the 1,000,000 statistical rows",
			fmt.Sprintf("%.2f× the time", r["x-ceiling"]))
		if _, ok := r["hidden-entries"]; ok {
			row("information lost to disclosure control in that report (every table, every year)", fmt.Sprintf("%.0f entries hidden, counting %.0f people", r["hidden-entries"], r["hidden-people"]),
				"", "method and comparison with the old one: docs/disclosure.md")
		}
	} else {
		row("annual report over 1,000,000 cases", "not measured in this run", "", "")
	}
	return b.String()
}

// benchCommand is benchRuns as the shell commands they amount to.
func benchCommand() string {
	flags := strings.Join(quoteArgs(benchFlags), " ")
	var cmds []string
	for _, r := range benchRuns {
		if r.module == "." {
			cmds = append(cmds, fmt.Sprintf("go %s %s", flags, r.pkg))
		} else {
			cmds = append(cmds, fmt.Sprintf("go -C %s %s %s", r.module, flags, r.pkg))
		}
	}
	return strings.Join(cmds, " && ")
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, "^$ ") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return out
}

// machine describes the CPUs and memory.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(b); m != nil {
			model = strings.TrimSpace(string(m[1]))
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if m := regexp.MustCompile(`(?m)^MemTotal:\s*(\d+) kB`).FindSubmatch(b); m != nil {
			kb, _ := strconv.ParseFloat(string(m[1]), 64)
			mem = fmt.Sprintf(", %.0f GiB RAM", kb/(1<<20))
		}
	}
	return fmt.Sprintf("%d × %s%s (nproc %d)", runtime.NumCPU(), model, mem, runtime.NumCPU())
}

func postgresVersion() string {
	out, err := exec.Command("pg_config", "--version").Output()
	if err == nil {
		return strings.TrimSpace(string(out))
	}
	if ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres"); len(ms) > 0 {
		if out, err := exec.Command(ms[len(ms)-1], "--version").Output(); err == nil {
			return strings.TrimSpace(string(out))
		}
	}
	return "PostgreSQL"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
