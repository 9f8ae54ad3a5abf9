package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rkc-nl/rkc/internal/testing/proctest"
)

// The browser tests drive Debian's Chromium, headless, through the pages:
// one browser for the whole test binary, one isolated browser context (its
// own cookies) per person. scripts/setup.sh installs Chromium, so a missing
// browser is a failure, not a skip.

const chromiumPath = "/usr/bin/chromium"

var shared struct {
	once    sync.Once
	ctx     context.Context
	cancels []context.CancelFunc
	dir     string
	err     error
}

func startBrowser() {
	path := chromiumPath
	if _, err := os.Stat(path); err != nil {
		p, lerr := exec.LookPath("chromium")
		if lerr != nil {
			shared.err = fmt.Errorf("Chromium is not installed (looked for %s and chromium on PATH): run scripts/setup.sh, "+
				"or apt-get install chromium; the browser tests need it", chromiumPath)
			return
		}
		path = p
	}
	dir, err := os.MkdirTemp("", "rkc-chromium-")
	if err != nil {
		shared.err = err
		return
	}
	shared.dir = dir
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "nl-NL"),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, c2 := chromedp.NewContext(alloc)
	shared.cancels = []context.CancelFunc{c2, c1}
	start, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err = <-done:
	case <-start.Done():
		err = fmt.Errorf("Chromium did not start within 60 s")
	}
	if err != nil {
		shared.err = fmt.Errorf("starting Chromium (%s): %w", path, err)
		return
	}
	shared.ctx = ctx
}

func stopBrowser() {
	for _, c := range shared.cancels {
		c()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
}

// tab is one person's browser window.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string // for screenshots
}

func newTab(t *testing.T, base, name string) *tab {
	t.Helper()
	shared.once.Do(startBrowser)
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: base, name: name}
}

func (b *tab) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 30*time.Second)
}

func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %s: %v (at %s)", b.name, what, err, b.location())
	}
}

// open loads a page of the server.
func (b *tab) open(path string) {
	b.t.Helper()
	t0 := time.Now()
	defer func() {
		if os.Getenv("RKC_TIMING") != "" {
			b.t.Logf("open %s: %v", path, time.Since(t0))
		}
	}()
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(b.base+path)); err != nil {
		b.t.Fatalf("%s: open %s: %v", b.name, path, err)
	}
}

// submit clicks a button that leaves the page and waits for the next one.
func (b *tab) submit(sel string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("%s: submit %s: %v (at %s)", b.name, sel, err, b.location())
	}
}

func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeReady))
}

func (b *tab) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("%s: text of %s: %v (at %s)", b.name, sel, err, b.location())
	}
	return s
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: eval %q: %v", b.name, js, err)
	}
	return s
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// path is the current page's path and query.
func (b *tab) path() string { return strings.TrimPrefix(b.location(), b.base) }

// key presses one key (a kb constant) or types text.
func (b *tab) key(keys string) {
	b.t.Helper()
	b.do("key", chromedp.KeyEvent(keys))
}

// expect fails unless the page body contains every text.
func (b *tab) expect(texts ...string) {
	b.t.Helper()
	body := b.text("body")
	for _, s := range texts {
		if !strings.Contains(body, s) {
			b.t.Fatalf("%s: page %s does not say %q:\n%s", b.name, b.path(), s, body)
		}
	}
}

func (b *tab) login(email, password string) {
	b.t.Helper()
	t0 := time.Now()
	defer func() {
		if os.Getenv("RKC_TIMING") != "" {
			b.t.Logf("login %s: %v", email, time.Since(t0))
		}
	}()
	b.open("/login")
	b.signIn(email, password)
	if p := b.path(); !strings.HasPrefix(p, "/dashboard") {
		b.t.Fatalf("%s: after signing in at %s: %s", b.name, p, b.text("main"))
	}
}

// signIn fills in the sign-in form the tab shows and sends it.
func (b *tab) signIn(email, password string) {
	b.t.Helper()
	b.fill("#f-email", email)
	b.fill("#f-password", password)
	b.submit("form[action='/login'] button[type=submit]")
}

// sendSignal sends the anonymous signal form the tab shows and returns the
// receipt code the answer shows once.
func (b *tab) sendSignal(category, message string) string {
	b.t.Helper()
	b.click("#f-category-" + category)
	b.fill("#f-message", message)
	b.submit("form[action='/signal'] button[type=submit]")
	return strings.TrimSpace(b.text("#receipt-code"))
}

// enterCode enters a signal's receipt code in the follow-up form the tab
// shows; followSignal opens that form first.
func (b *tab) enterCode(code string) {
	b.t.Helper()
	b.fill("#f-code", code)
	b.submit("form[action='/signal/follow'] button[type=submit]")
}

func (b *tab) followSignal(code string) {
	b.t.Helper()
	b.open("/signal/follow")
	b.enterCode(code)
}

// axe runs axe-core on the page and fails on any WCAG 2.1 A or AA violation,
// on colour contrast axe could not decide, and on any text or control whose
// measured contrast is too low (contrast).
// The script is the project's copy (testdata), given to the page by the test
// through the DevTools protocol: no page ever loads it.
func (b *tab) axe(label string) {
	b.t.Helper()
	axeOnce.Do(func() { axeSource, axeErr = os.ReadFile("testdata/axe.min.js") })
	if axeErr != nil {
		b.t.Fatalf("reading axe-core: %v (run scripts/vendor-web.sh)", axeErr)
	}
	ctx, cancel := b.timeout()
	defer cancel()
	t0 := time.Now()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axeSource)+";\ntrue")); err != nil {
		b.t.Fatalf("%s: injecting axe-core: %v", label, err)
	}
	type answer struct {
		Violations []axeResult `json:"violations"`
		Incomplete []axeResult `json:"incomplete"`
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[answer](`axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
		resultTypes: ['violations', 'incomplete']
	}).then(r => {
		const list = vs => vs.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\s+/g, ' '))}));
		// axe treats an inline SVG as an image and so never decides the
		// contrast of text inside one (a chart's labels); contrast() measures
		// those, against the chart's shapes beneath them.
		const inSVG = n => { const el = document.querySelector(n.target[0]); return el instanceof SVGElement; };
		const undecided = r.incomplete.map(v => Object.assign({}, v, {nodes: v.nodes.filter(n => !inSVG(n))})).filter(v => v.nodes.length);
		return {violations: list(r.violations), incomplete: list(undecided)};
	})`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: running axe-core: %v", label, err)
	}
	axeRuns.Add(1)
	if os.Getenv("RKC_TIMING") != "" {
		b.t.Logf("axe %s: %v", label, time.Since(t0))
	}
	for _, v := range res.Violations {
		j, _ := json.MarshalIndent(v.Nodes, "    ", "  ")
		b.t.Errorf("%s (%s): WCAG violation %s [%s]: %s\n    %s", label, b.path(), v.ID, v.Impact, v.Help, j)
	}
	// axe answers "incomplete" where it cannot decide; for colour contrast
	// that includes text of the background's own colour (1:1), which is how
	// the invisible button labels passed unnoticed.
	for _, msg := range contrastIncomplete(label, b.path(), res.Incomplete) {
		b.t.Error(msg)
	}
	b.contrast(label)
}

// axeResult is one rule's result in axe-core's answer.
type axeResult struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

var (
	axeOnce   sync.Once
	axeSource []byte
	axeErr    error
	axeRuns   counter
)

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) Add(n int) { c.mu.Lock(); c.n += n; c.mu.Unlock() }

// shot writes a screenshot of the whole page to screenshots/ at the
// repository root (ignored by git), for a person to look at.
func (b *tab) shot(name string) {
	b.t.Helper()
	ctx, cancel := b.timeout()
	defer cancel()
	t0 := time.Now()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if os.Getenv("RKC_TIMING") != "" {
		b.t.Logf("shot %s: %v", name, time.Since(t0))
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join(proctest.RepoRoot(b.t), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Errorf("screenshots: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

// checkShown runs axe-core on the page as shown, in the language lang it
// is in, and takes a screenshot: for the answer to a form (an error, a
// receipt), which a GET does not show again, so check cannot switch its
// language.
func (b *tab) checkShown(name, lang string) {
	b.t.Helper()
	b.axe(name + " (" + lang + ")")
	b.shot(name + "." + lang)
}

// check runs axe-core on the page in Dutch and in English and takes a
// screenshot of each. The page must be one a GET shows again (the language
// switch reloads it).
//
// Screenshots are taken in Dutch, except for names starting with "_" (minor
// steps); shotEnglish adds the English one (a few pages suffice to look at
// the translation, and each costs a second).
func (b *tab) check(name string, shotEnglish ...bool) {
	b.t.Helper()
	here := b.path()
	if b.eval(`String(!!document.querySelector("footer a[href='/toegankelijkheid']"))`) != "true" {
		b.t.Errorf("%s (%s): the footer does not link to the accessibility statement", name, here)
	}
	b.axe(name + " (nl)")
	if !strings.HasPrefix(name, "_") {
		b.shot(name + ".nl")
	}
	b.open("/lang/en?next=" + urlQueryEscape(here))
	if lang := b.eval(`document.documentElement.lang`); lang != "en" {
		b.t.Fatalf("%s: the language switch gave lang=%q", name, lang)
	}
	b.axe(name + " (en)")
	if len(shotEnglish) > 0 && shotEnglish[0] {
		b.shot(name + ".en")
	}
	b.open("/lang/nl?next=" + urlQueryEscape(here))
}

func urlQueryEscape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "?", "%3F", "#", "%23", "+", "%2B", " ", "%20")
	return r.Replace(s)
}

// tabTo presses Tab until the element matching sel has the focus, as a
// keyboard user would, and fails when it cannot be reached.
func (b *tab) tabTo(sel string, max int) {
	b.t.Helper()
	for i := 0; i < max; i++ {
		if b.eval(fmt.Sprintf(`String(document.activeElement === document.querySelector(%q))`, sel)) == "true" {
			return
		}
		b.key(kb.Tab)
	}
	b.t.Fatalf("%s: %s not reached with %d presses of Tab on %s (focus on %s)", b.name, sel, max, b.path(),
		b.eval(`document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'`))
}
