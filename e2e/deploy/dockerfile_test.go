package deploy_test

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The Dockerfile lint. No Dockerfile linter can be installed here
// (hadolint is not packaged for Debian, and buildkit's linter is not among
// the Go modules this project may add), so this file parses the Dockerfile
// itself, after the Dockerfile reference: parser directives, comments, line
// continuations, instructions with their --flags, and the JSON (exec) and
// shell forms. The rules are those the issue asks of the image, each with an
// id, and TestDockerfileLintCatches shows each one failing on a bad file.

// instruction is one Dockerfile instruction.
type instruction struct {
	line  int
	cmd   string            // upper case
	flags map[string]string // --name=value before the arguments
	args  string            // the rest, as written
	exec  []string          // the arguments in JSON form, when so written
}

// stage is a FROM and what follows it.
type stage struct {
	from  instruction
	image string
	name  string
	ins   []instruction
}

// parseDockerfile splits a Dockerfile into stages of instructions.
func parseDockerfile(src string) ([]stage, []string) {
	var (
		stages []stage
		errs   []string
		buf    strings.Builder
		start  int
	)
	known := map[string]bool{"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true, "ADD": true,
		"COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true, "WORKDIR": true, "ARG": true, "ONBUILD": true,
		"STOPSIGNAL": true, "HEALTHCHECK": true, "SHELL": true, "MAINTAINER": true}
	emit := func(n int, text string) {
		text = strings.TrimSpace(text)
		if text == "" {
			return
		}
		word, rest, _ := strings.Cut(text, " ")
		in := instruction{line: n, cmd: strings.ToUpper(word), flags: map[string]string{}}
		rest = strings.TrimSpace(rest)
		for strings.HasPrefix(rest, "--") {
			var f string
			f, rest, _ = strings.Cut(rest, " ")
			k, v, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
			in.flags[k] = v
			rest = strings.TrimSpace(rest)
		}
		in.args = rest
		if strings.HasPrefix(rest, "[") {
			if err := json.Unmarshal([]byte(rest), &in.exec); err != nil {
				errs = append(errs, fmt.Sprintf("line %d: DF000 %s: malformed JSON form: %v", n, in.cmd, err))
			}
		}
		if in.cmd == "HEALTHCHECK" && strings.HasPrefix(rest, "CMD ") {
			exec := strings.TrimSpace(strings.TrimPrefix(rest, "CMD "))
			if strings.HasPrefix(exec, "[") {
				json.Unmarshal([]byte(exec), &in.exec)
			}
		}
		if !known[in.cmd] {
			errs = append(errs, fmt.Sprintf("line %d: DF000 unknown instruction %q", n, word))
			return
		}
		if in.cmd == "FROM" {
			f := strings.Fields(rest)
			st := stage{from: in}
			if len(f) > 0 {
				st.image = f[0]
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = strings.ToLower(f[2])
			}
			stages = append(stages, st)
			return
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				errs = append(errs, fmt.Sprintf("line %d: DF000 %s before the first FROM", n, in.cmd))
			}
			return
		}
		stages[len(stages)-1].ins = append(stages[len(stages)-1].ins, in)
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	n, directives := 0, true
	for sc.Scan() {
		n++
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if directives && regexp.MustCompile(`^#\s*escape\s*=`).MatchString(trimmed) {
				errs = append(errs, fmt.Sprintf("line %d: DF000 the escape directive is not supported by this lint", n))
			}
			continue // comments may sit inside a continued instruction too
		}
		directives = false
		if buf.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, `\`) {
			buf.WriteString(strings.TrimSuffix(line, `\`))
			buf.WriteByte(' ')
			continue
		}
		buf.WriteString(line)
		emit(start, buf.String())
		buf.Reset()
	}
	if buf.Len() > 0 {
		errs = append(errs, fmt.Sprintf("line %d: DF000 the file ends inside a continued line", start))
	}
	return stages, errs
}

// pinned reports whether an image reference names a tag other than latest,
// or a digest.
func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return regexp.MustCompile(`@sha256:[0-9a-f]{64}$`).MatchString(image)
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon <= slash {
		return false
	}
	tag := image[colon+1:]
	return tag != "latest" && tag != ""
}

// lintDockerfile applies the rules to a Dockerfile's text.
func lintDockerfile(src string) []string {
	stages, errs := parseDockerfile(src)
	fail := func(line int, rule, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("line %d: %s %s", line, rule, fmt.Sprintf(format, args...)))
	}
	if len(stages) < 2 {
		fail(1, "DF001", "want a multi-stage build: a build stage and a small final stage")
	}
	names := map[string]bool{}
	for i, st := range stages {
		if names[st.image] {
			// FROM an earlier stage: nothing to pin.
		} else if st.image == "scratch" {
		} else if !pinned(st.image) {
			fail(st.from.line, "DF002", "base image %q is not pinned to a tag or digest (never latest)", st.image)
		}
		if st.name != "" {
			if names[st.name] {
				fail(st.from.line, "DF003", "stage name %q used twice", st.name)
			}
			names[st.name] = true
		}
		for _, in := range st.ins {
			if from, ok := in.flags["from"]; ok && in.cmd == "COPY" {
				if _, err := strconv.Atoi(from); err != nil && !names[strings.ToLower(from)] {
					fail(in.line, "DF003", "COPY --from=%s names no earlier stage", from)
				}
			}
			if in.cmd == "ADD" {
				if regexp.MustCompile(`(?i)(^|\s)(https?://|git@)`).MatchString(in.args) {
					fail(in.line, "DF009", "ADD of a URL: download in a build stage with a checksum, or COPY")
				} else {
					fail(in.line, "DF009", "ADD: use COPY (ADD unpacks archives and fetches URLs implicitly)")
				}
			}
			if in.cmd == "ENV" || in.cmd == "ARG" {
				if regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|MASTER_KEYS|DATABASE_URL)[A-Z_]*(=|\s|$)`).MatchString(in.args) {
					fail(in.line, "DF010", "%s sets a secret; secrets are mounted at run time, never baked into the image", in.cmd)
				}
			}
			if in.cmd == "WORKDIR" && !strings.HasPrefix(in.args, "/") {
				fail(in.line, "DF013", "WORKDIR %q is not absolute", in.args)
			}
			if in.cmd == "RUN" && strings.Contains(in.args, "go build") && !regexp.MustCompile(`CGO_ENABLED=0`).MatchString(in.args) {
				fail(in.line, "DF011", "go build without CGO_ENABLED=0: the final stage has no libc")
			}
		}
		_ = i
	}
	if len(stages) == 0 {
		return errs
	}
	final := stages[len(stages)-1]
	if final.image != "scratch" && !regexp.MustCompile(`^gcr\.io/distroless/static(-debian\d+)?:`).MatchString(final.image) {
		fail(final.from.line, "DF004", "final stage on %q: want distroless static or scratch (no shell, no package manager)", final.image)
	}
	var user, health, entry *instruction
	var exposed []string
	env := map[string]string{}
	for i := range final.ins {
		in := &final.ins[i]
		switch in.cmd {
		case "USER":
			user = in
		case "HEALTHCHECK":
			health = in
		case "ENTRYPOINT":
			entry = in
		case "CMD":
			if in.exec == nil {
				fail(in.line, "DF007", "CMD in shell form: there is no shell at run time; use the JSON form")
			}
		case "RUN":
			fail(in.line, "DF008", "RUN in the final stage: it has no shell; do the work in a build stage")
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		}
	}
	if user == nil {
		fail(final.from.line, "DF005", "the final stage sets no USER: the process would run as root")
	} else {
		u, _, _ := strings.Cut(user.args, ":")
		if u == "root" || u == "0" || u == "" {
			fail(user.line, "DF005", "USER %q is root", user.args)
		} else if _, err := strconv.Atoi(u); err != nil && u != "nonroot" {
			fail(user.line, "DF005", "USER %q: use a numeric uid, so that runAsNonRoot can verify it", user.args)
		}
	}
	if health == nil {
		fail(final.from.line, "DF006", "no HEALTHCHECK in the final stage")
	} else if strings.HasPrefix(strings.TrimSpace(health.args), "NONE") || health.exec == nil {
		fail(health.line, "DF006", "HEALTHCHECK must run a command in the JSON form (no shell at run time)")
	}
	if entry == nil || entry.exec == nil {
		line := final.from.line
		if entry != nil {
			line = entry.line
		}
		fail(line, "DF007", "ENTRYPOINT missing or in shell form: want the binary in the JSON form")
	} else if health != nil && len(health.exec) > 0 && health.exec[0] != entry.exec[0] {
		fail(health.line, "DF006", "HEALTHCHECK runs %q, not the service's own binary %q", health.exec[0], entry.exec[0])
	}
	if addr, ok := env["RKC_ADDR"]; ok {
		port := addr[strings.LastIndex(addr, ":")+1:]
		if !slices.Contains(exposed, port) && !slices.Contains(exposed, port+"/tcp") {
			fail(final.from.line, "DF014", "RKC_ADDR listens on %s but EXPOSE says %v", port, exposed)
		}
	}
	return errs
}

func TestDockerfileLint(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lintDockerfile(string(b)) {
		t.Errorf("deploy/Dockerfile %s", e)
	}
}

// TestDockerfileLintCatches shows every rule failing on a Dockerfile that
// breaks it.
func TestDockerfileLintCatches(t *testing.T) {
	good, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		rule, from, to string
	}{
		{"DF001", "FROM gcr.io/distroless/static-debian12:nonroot AS runtime\nCOPY --from=build /out/rkc /rkc", "COPY /out/rkc /rkc"},
		{"DF002", "FROM golang:1.26.8-bookworm AS build", "FROM golang AS build"},
		{"DF002", "FROM golang:1.26.8-bookworm AS build", "FROM golang:latest AS build"},
		{"DF003", "COPY --from=build", "COPY --from=builder"},
		{"DF004", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:12-slim"},
		{"DF005", "USER 65532:65532", "USER root"},
		{"DF005", "USER 65532:65532\n", ""},
		{"DF006", `HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/rkc", "healthcheck"]`, `HEALTHCHECK CMD curl -f http://localhost:8080/healthz`},
		{"DF006", `HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/rkc", "healthcheck"]`, `HEALTHCHECK CMD ["/usr/bin/wget", "-q", "localhost:8080/healthz"]`},
		{"DF006", `HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/rkc", "healthcheck"]`, ``},
		{"DF007", `ENTRYPOINT ["/rkc"]`, `ENTRYPOINT /rkc`},
		{"DF008", "USER 65532:65532", "RUN mkdir /data\nUSER 65532:65532"},
		{"DF009", "COPY cmd ./cmd", "ADD https://example.org/tool.tar.gz /tmp/"},
		{"DF010", "ENV RKC_ADDR=:8080", "ENV RKC_ADDR=:8080 RKC_SMTP_PASSWORD=hunter2"},
		{"DF011", "CGO_ENABLED=0 GOOS=linux go build", "GOOS=linux go build"},
		{"DF013", "WORKDIR /src", "WORKDIR src"},
		{"DF014", "EXPOSE 8080", "EXPOSE 9090"},
		{"DF000", "EXPOSE 8080", "EXPOZE 8080"},
	} {
		if !strings.Contains(string(good), c.from) {
			t.Errorf("%s: the Dockerfile has no %q to change", c.rule, c.from)
			continue
		}
		bad := strings.Replace(string(good), c.from, c.to, 1)
		errs := lintDockerfile(bad)
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, " "+c.rule+" ") }) {
			t.Errorf("%s not reported after %q → %q; reported %q", c.rule, c.from, c.to, errs)
		}
	}
}

// TestDockerfileBuildsStatic runs the build stage's own go build command
// on the files the image's build context would hold (the Dockerfile's COPY
// sources, less what .dockerignore leaves out), then checks that the result
// is a static binary that starts: the final stage has no libc and no shell.
func TestDockerfileBuildsStatic(t *testing.T) {
	src, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	stages, _ := parseDockerfile(string(src))
	ignore := readDockerignore(t, "../.dockerignore")
	ctx := t.TempDir()
	var buildCmd *instruction
	for _, in := range stages[0].ins {
		switch {
		case in.cmd == "COPY" && in.flags["from"] == "":
			f := strings.Fields(in.args)
			for _, s := range f[:len(f)-1] {
				copyContext(t, "..", s, ctx, ignore)
			}
		case in.cmd == "RUN" && strings.Contains(in.args, "go build"):
			buildCmd = &in
		}
	}
	if buildCmd == nil {
		t.Fatal("no go build in the build stage")
	}
	for _, leaked := range []string{"deploy/secrets/master.keys", ".git/config", "internal/cases/lifecycle_test.go", "var/master.keys"} {
		if !ignore(leaked) {
			t.Errorf(".dockerignore lets %s into the build context", leaked)
		}
	}
	// The words of the command from "CGO_ENABLED=…" on, with -o redirected.
	words := shellWords(buildCmd.args[strings.Index(buildCmd.args, "CGO_ENABLED"):])
	var env, args []string
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("cannot read the go build command: %q", buildCmd.args)
	}
	bin := filepath.Join(t.TempDir(), "rkc")
	for i := 2; i < len(words); i++ {
		w := words[i]
		if w == "-o" {
			args = append(args, "-o", bin)
			i++
			continue
		}
		args = append(args, w)
	}
	cmd := exec.Command("go", append([]string{"build"}, args...)...)
	cmd.Dir = ctx
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in the image's build context: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary asks for a dynamic loader; it would not start on distroless static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}
	if runtime.GOOS == "linux" {
		out, err := exec.Command(bin, "--help").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "healthcheck") {
			t.Errorf("bin --help: %v\n%s", err, out)
		}
	}
}

// readDockerignore returns a matcher with the .dockerignore semantics used
// there: patterns in order, the last match decides, "!" re-includes, "**"
// matches any number of folders, and a match on a folder covers its files.
func readDockerignore(t *testing.T, file string) func(string) bool {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	type rule struct {
		re      *regexp.Regexp
		include bool
	}
	var rules []rule
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		r := rule{}
		if strings.HasPrefix(l, "!") {
			r.include, l = true, l[1:]
		}
		l = strings.TrimSuffix(path.Clean(strings.TrimPrefix(l, "/")), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(l); i++ {
			switch {
			case strings.HasPrefix(l[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(l[i:], "**"):
				re.WriteString(".*")
				i++
			case l[i] == '*':
				re.WriteString("[^/]*")
			case l[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(l[i : i+1]))
			}
		}
		re.WriteString("(/.*)?$")
		r.re = regexp.MustCompile(re.String())
		rules = append(rules, r)
	}
	return func(p string) bool {
		ignored := false
		for _, r := range rules {
			if r.re.MatchString(p) {
				ignored = !r.include
			}
		}
		return ignored
	}
}

// copyContext copies what COPY src would take from the context root into dst.
func copyContext(t *testing.T, root, src, dst string, ignored func(string) bool) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(root, src), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			return nil
		}
		if ignored(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// shellWords splits a command as sh would: blanks separate words, quotes
// group them, a backslash escapes the next character.
func shellWords(s string) []string {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote byte
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '\'':
			cur.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case quote == 0 && (c == '"' || c == '\''):
			quote, in = c, true
		case quote == 0 && (c == ' ' || c == '\t' || c == '\n'):
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}
