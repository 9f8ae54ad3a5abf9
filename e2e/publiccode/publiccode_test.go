package publiccode

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"
)

// root is the repository root, from this package's folder.
const root = "../.."

// publiccode is the part of publiccode.yml the repository checks.
type publiccode struct {
	Version     string                                `json:"publiccodeYmlVersion"`
	Legal       struct{ License string }              `json:"legal"`
	Description map[string]map[string]any             `json:"description"`
	Localise    struct{ AvailableLanguages []string } `json:"localisation"`
}

func readPubliccode(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "publiccode.yml"))
	if err != nil {
		t.Fatalf("publiccode.yml: %v", err)
	}
	return raw
}

// TestPubliccodeValid: publiccode.yml is strict YAML (no key twice) and
// valid against the standard's schema, formats (dates, URLs, e-mail
// addresses) included.
func TestPubliccodeValid(t *testing.T) {
	raw := readPubliccode(t)
	doc, err := yaml.YAMLToJSONStrict(raw)
	if err != nil {
		t.Fatalf("publiccode.yml is not strict YAML: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	// The schema is the one SchemaStore publishes for publiccode.yml
	// (testdata, Apache-2.0), kept here so the test fetches nothing.
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile(filepath.Join("testdata", "publiccode.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Errorf("publiccode.yml does not meet the standard:\n%v", err)
	}
}

// TestPubliccodeMatchesRepository: what publiccode.yml says is what the
// repository has: the licence is EUPL-1.2 and LICENSE holds its text, the
// file follows the newest version of the standard the schema knows, and the
// languages it names are those the interface speaks and describes itself in.
func TestPubliccodeMatchesRepository(t *testing.T) {
	var pc publiccode
	if err := yaml.Unmarshal(readPubliccode(t), &pc); err != nil {
		t.Fatal(err)
	}
	if pc.Legal.License != "EUPL-1.2" {
		t.Errorf("legal.license %q, want EUPL-1.2", pc.Legal.License)
	}
	licence, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		t.Fatalf("LICENSE: %v", err)
	}
	for _, part := range []string{"EUROPEAN UNION PUBLIC LICENCE v. 1.2", "EUPL © the European Union 2007, 2016",
		"1. Definitions", "5. Obligations of the Licensee", "15. Applicable Law", "Compatible Licences"} {
		if !bytes.Contains(licence, []byte(part)) {
			t.Errorf("LICENSE does not hold the EUPL-1.2 text (%q missing)", part)
		}
	}

	if pc.Version != "0.5.0" {
		t.Errorf("publiccodeYmlVersion %q, want 0.5.0, the newest the schema knows", pc.Version)
	}
	langs := pc.Localise.AvailableLanguages
	for _, lang := range []string{"nl", "en"} {
		if !slices.Contains(langs, lang) {
			t.Errorf("localisation.availableLanguages %q lacks %s", langs, lang)
		}
		if _, err := os.Stat(filepath.Join(root, "internal", "i18n", "messages."+lang+".json")); err != nil {
			t.Errorf("the interface has no %s texts: %v", lang, err)
		}
		if pc.Description[lang] == nil {
			t.Errorf("no description in %s", lang)
		}
	}
}
