package deploy_test

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/crypto"
)

// The compose file, reduced to the keys of the Compose Specification that
// deploy/compose.yaml uses; decoding refuses any other key, so a misspelt
// or misplaced one fails (the compose CLI is not installed here: Debian's
// docker-compose package pulls in a whole Docker engine).
type composeFile struct {
	Name     string                    `json:"name"`
	Services map[string]composeService `json:"services"`
	Secrets  map[string]struct {
		File string `json:"file"`
	} `json:"secrets"`
	Volumes  map[string]struct{} `json:"volumes"`
	Networks map[string]struct{} `json:"networks"`
}

type composeService struct {
	Image       string                                `json:"image"`
	Build       *struct{ Context, Dockerfile string } `json:"build,omitempty"`
	Restart     string                                `json:"restart"`
	Command     []string                              `json:"command,omitempty"`
	Environment map[string]string                     `json:"environment,omitempty"`
	Secrets     []string                              `json:"secrets,omitempty"`
	Volumes     []string                              `json:"volumes,omitempty"`
	Networks    []string                              `json:"networks,omitempty"`
	Ports       []string                              `json:"ports,omitempty"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on,omitempty"`
	User        string   `json:"user,omitempty"`
	ReadOnly    bool     `json:"read_only,omitempty"`
	CapDrop     []string `json:"cap_drop,omitempty"`
	SecurityOpt []string `json:"security_opt,omitempty"`
	Healthcheck *struct {
		Test        []string `json:"test"`
		Interval    string   `json:"interval,omitempty"`
		Timeout     string   `json:"timeout,omitempty"`
		StartPeriod string   `json:"start_period,omitempty"`
		Retries     int      `json:"retries,omitempty"`
	} `json:"healthcheck,omitempty"`
}

func TestCompose(t *testing.T) {
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.UnmarshalStrict(b, &cf); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	settings := knownSettings(t)
	for _, want := range []string{"postgres", "api", "mailpit"} {
		if _, ok := cf.Services[want]; !ok {
			t.Errorf("no %s service", want)
		}
	}
	for name, s := range cf.Services {
		if s.Image == "" || !pinned(s.Image) && s.Build == nil {
			t.Errorf("%s: image %q not pinned to a tag", name, s.Image)
		}
		if s.Restart == "" {
			t.Errorf("%s: no restart policy", name)
		}
		for _, p := range s.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: port %s is published on every interface; bind it to 127.0.0.1 and put a proxy in front", name, p)
			}
		}
		for _, n := range s.Networks {
			if _, ok := cf.Networks[n]; !ok {
				t.Errorf("%s: network %s is not declared", name, n)
			}
		}
		for dep := range s.DependsOn {
			if _, ok := cf.Services[dep]; !ok {
				t.Errorf("%s depends on %s, which is not a service", name, dep)
			}
		}
		for _, sec := range s.Secrets {
			decl, ok := cf.Secrets[sec]
			if !ok {
				t.Errorf("%s: secret %s is not declared", name, sec)
				continue
			}
			if !strings.HasPrefix(decl.File, "./secrets/") {
				t.Errorf("secret %s: file %q, want one under ./secrets/ (ignored by git, made by secrets.sh)", sec, decl.File)
			}
		}
		for k, v := range s.Environment {
			if looksSecret(k) && !strings.HasSuffix(k, "_PASSWORD_FILE") {
				t.Errorf("%s: %s is a secret written in the compose file; use %s_FILE and a secret", name, k, k)
			}
			if u, err := url.Parse(v); err == nil && u.User != nil {
				if _, has := u.User.Password(); has {
					t.Errorf("%s: %s holds a password in a URL", name, k)
				}
			}
			if strings.HasSuffix(k, "_FILE") && strings.HasPrefix(v, "/run/secrets/") {
				if sec := strings.TrimPrefix(v, "/run/secrets/"); !slices.Contains(s.Secrets, sec) {
					t.Errorf("%s: %s=%s, but the service does not mount the secret %s", name, k, v, sec)
				}
			}
		}
	}
	api := cf.Services["api"]
	for k := range api.Environment {
		if !settings[k] {
			t.Errorf("api: %s is not a setting of bin/rkc", k)
		}
	}
	for _, need := range []string{"DATABASE_URL_FILE", "RKC_MASTER_KEY_FILE", "RKC_SMTP_HOST"} {
		if api.Environment[need] == "" {
			t.Errorf("api: %s not set", need)
		}
	}
	if h := api.Environment["RKC_SMTP_HOST"]; cf.Services[h].Image == "" || !strings.Contains(cf.Services[h].Image, "mailpit") {
		t.Errorf("api: RKC_SMTP_HOST=%s is not the SMTP catcher service", h)
	}
	if m := api.Environment["RKC_METRICS_ADDR"]; m == "" || m == api.Environment["RKC_ADDR"] {
		t.Errorf("api: RKC_METRICS_ADDR %q, want /metrics on a port of its own", m)
	} else if port := m[strings.LastIndex(m, ":")+1:]; slices.ContainsFunc(api.Ports, func(p string) bool { return strings.HasSuffix(p, ":"+port) }) {
		t.Errorf("api: the metrics port %s is published; keep it on the backend network", port)
	}
	if api.DependsOn["postgres"].Condition != "service_healthy" {
		t.Errorf("api: must wait for postgres to be healthy (depends_on condition service_healthy)")
	}
	// Two logins (README "Database roles"): the migrate service runs as
	// the owner and finishes before the API starts; the API logs in as
	// rkc_app and never mounts the owner's URL.
	mig := cf.Services["migrate"]
	if !slices.Equal(mig.Command, []string{"migrate"}) || mig.Environment["RKC_OWNER_DATABASE_URL_FILE"] != "/run/secrets/database_owner_url" || mig.Image != api.Image {
		t.Errorf("migrate: want the API's image running `migrate` with RKC_OWNER_DATABASE_URL_FILE=/run/secrets/database_owner_url")
	}
	if api.DependsOn["migrate"].Condition != "service_completed_successfully" {
		t.Errorf("api: must start after the migrate service has finished (service_completed_successfully)")
	}
	if slices.Contains(api.Secrets, "database_owner_url") || api.Environment["DATABASE_URL_FILE"] != "/run/secrets/database_url" {
		t.Errorf("api: must log in with database_url (rkc_app) and not mount database_owner_url")
	}
	if pg := cf.Services["postgres"]; !slices.Contains(pg.Volumes, "./postgres-init:/docker-entrypoint-initdb.d:ro") || !slices.Contains(pg.Secrets, "app_db_password") {
		t.Errorf("postgres: must create rkc_app at initialisation (./postgres-init, secret app_db_password)")
	}
	if u, _, _ := strings.Cut(api.User, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("api: user %q, want a non-root uid", api.User)
	}
	if !api.ReadOnly || !slices.Contains(api.CapDrop, "ALL") {
		t.Errorf("api: want read_only and cap_drop ALL")
	}
	// On a read-only filesystem the data folder (the log's signing key, the
	// checkpoints outside the database) must be a volume that outlives the
	// container.
	dataDir := api.Environment["RKC_DATA_DIR"]
	if !slices.ContainsFunc(api.Volumes, func(v string) bool {
		name, path, _ := strings.Cut(v, ":")
		_, named := cf.Volumes[name]
		return named && dataDir != "" && strings.TrimSuffix(path, ":rw") == dataDir
	}) {
		t.Errorf("api: RKC_DATA_DIR %q is not on a named volume (volumes %v)", dataDir, api.Volumes)
	}
	if h := api.Healthcheck; h == nil || len(h.Test) < 2 || h.Test[0] != "CMD" || h.Test[1] != "/rkc" {
		t.Errorf("api: healthcheck %v, want the binary's own check in exec form (no shell in the image)", h)
	}
	if b := api.Build; b == nil || filepath.Join(b.Context, b.Dockerfile) != "../deploy/Dockerfile" {
		t.Errorf("api: build %+v, want context .. and deploy/Dockerfile", b)
	}
	if pg := cf.Services["postgres"]; pg.Environment["POSTGRES_PASSWORD_FILE"] != "/run/secrets/db_password" {
		t.Errorf("postgres: the password must come from the db_password secret")
	}
}

// TestComposeSecrets runs deploy/secrets.sh into a temporary folder and
// loads what it made the way the API container does: DATABASE_URL_FILE and
// RKC_MASTER_KEY_FILE through the configuration, the key file through the
// keyring, and the URL's password is the database's.
func TestComposeSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "secrets")
	cmd := exec.Command("sh", "secrets.sh")
	cmd.Env = append(os.Environ(), "RKC_SECRETS_DIR="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("secrets.sh: %v\n%s", err, out)
	}
	keyBefore, _ := os.ReadFile(filepath.Join(dir, "master.keys"))
	again := exec.Command("sh", "secrets.sh")
	again.Env = cmd.Env
	if out, err := again.CombinedOutput(); err != nil || strings.Contains(string(out), "created") {
		t.Fatalf("secrets.sh a second time: %v\n%s (it must keep what exists)", err, out)
	}
	if keyAfter, _ := os.ReadFile(filepath.Join(dir, "master.keys")); string(keyAfter) != string(keyBefore) {
		t.Fatal("secrets.sh replaced the master key")
	}
	env := map[string]string{
		"DATABASE_URL_FILE":   filepath.Join(dir, "database_url"),
		"RKC_MASTER_KEY_FILE": filepath.Join(dir, "master.keys"),
	}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatalf("the API's configuration from the secrets: %v", err)
	}
	owner, err := os.ReadFile(filepath.Join(dir, "database_owner_url"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []struct{ url, user, passwordFile string }{
		{cfg.DatabaseURL, "rkc_app", "app_db_password"},
		{string(owner), "rkc", "db_password"},
	} {
		u, err := url.Parse(l.url)
		if err != nil {
			t.Fatal(err)
		}
		pw, _ := u.User.Password()
		dbpw, _ := os.ReadFile(filepath.Join(dir, l.passwordFile))
		if u.User.Username() != l.user || pw == "" || pw != string(dbpw) || u.Host != "postgres:5432" {
			t.Errorf("the URL for %s does not use %s on postgres:5432", l.user, l.passwordFile)
		}
		if !regexp.MustCompile(`^[A-Za-z0-9_-]{20,}$`).Match(dbpw) {
			t.Errorf("%s is not a URL-safe random string", l.passwordFile)
		}
	}
	if _, err := crypto.LoadKeyring(crypto.KeySource{File: cfg.MasterKeyFile}); err != nil {
		t.Errorf("master.keys does not load: %v", err)
	}
	if fi, err := os.Stat(cfg.MasterKeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("master.keys must be 0600 (the service refuses a key file others can read): %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("the secrets folder must be 0700: %v %v", fi.Mode(), err)
	}
}
