package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/authz"
	"github.com/rkc-nl/rkc/internal/cases"
	"github.com/rkc-nl/rkc/internal/i18n"
)

// Every text key the pages use exists in Dutch and in English, so no page
// ever shows a bare key.
func TestCataloguesCoverPages(t *testing.T) {
	keys := map[string]bool{}
	literal := regexp.MustCompile(`"((?:app|layout|nav|form|home|login|dash|deadlines?|case|action|complaint|signals?|audit|admin|mydata|report|err|error|conflict|flash|procedure|a11y|sessions|hold|list|unused)\.[a-z0-9_.-]*[a-z0-9_-])"`)
	hint := regexp.MustCompile(`"hint:([a-z0-9_.-]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, gofiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		for _, m := range hint.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	lists := map[string][]string{
		"category.": cases.Categories, "ground.": cases.Grounds, "inadmissible.": cases.InadmissibleGrounds,
		"judgement.": cases.Judgements, "parties.": {"both", "complainant", "respondent", "witness"}, "role.": authz.Roles,
		"state.":          {"submitted", "registered", "awaiting_information", "admissible", "inadmissible", "investigating", "advised", "decided", "withdrawn", "resolved_informally", "closed"},
		"relation.":       {"complainant", "adviser", "respondent", "panel", "staff", "authority"},
		"side.":           {"complainant", "respondent", "committee"},
		"event.":          {"filed", "acknowledgement_sent", "panel_composed", "respondent_informed", "conflict_declared", "extended", "statement_added", "attachment_added", "hearing_planned", "hearing_recorded"},
		"flash.":          {"register", "information-request", "information", "admissibility", "panel", "investigation", "conflict", "extension", "statement", "attachment", "hearing", "advice", "decision", "withdraw", "informal-resolution", "close"},
		"complaint.step.": {"behalf", "what", "when", "who", "more", "evidence"},
	}
	for prefix, vals := range lists {
		for _, v := range vals {
			keys[prefix+v] = true
		}
	}
	if len(keys) < 300 {
		t.Fatalf("found only %d keys; the pattern is broken", len(keys))
	}
	for k := range keys {
		for _, lang := range i18n.Langs() {
			if !i18n.Has(lang, k) {
				t.Errorf("catalogue %s lacks %q", lang, k)
			}
		}
	}
}

// Start-up fails when a page's template is missing.
func TestMissingTemplateFailsStart(t *testing.T) {
	m := fstest.MapFS{}
	err := fs.WalkDir(templateFiles, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "templates/case.html" {
			return err
		}
		b, _ := fs.ReadFile(templateFiles, p)
		m[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseTemplates(m); err == nil || !strings.Contains(err.Error(), `"case"`) {
		t.Fatalf("parsing without case.html: %v", err)
	}
	if _, err := parseTemplates(templateFiles); err != nil {
		t.Fatalf("the embedded templates: %v", err)
	}
}

// The pages' redirect targets (accounts.LocalPath) stay on this server.
func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/cases/1": "/cases/1", "": "/", "https://evil.example/": "/", "//evil.example": "/", "/\\evil": "/", "cases": "/",
	} {
		if got := accounts.LocalPath(in, "/"); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}
