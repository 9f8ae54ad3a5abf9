package deploy_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestManifestChecksCatch breaks a copy of the manifests in one way at a
// time and expects the checks to say so: a check that cannot fail checks
// nothing.
func TestManifestChecksCatch(t *testing.T) {
	for _, c := range []struct {
		name, file, from, to string
		overlay              int // index into overlays
		want                 string
	}{
		{"one replica", "base/deployment.yaml", "replicas: 2", "replicas: 1", 0, "replicas"},
		{"readiness on the wrong path", "base/deployment.yaml", "path: /readyz", "path: /ready", 0, "readiness probe"},
		{"misspelt field", "base/deployment.yaml", "readinessProbe:", "readynessProbe:", 0, "does not decode"},
		{"writable root", "base/deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 0, "read-only root"},
		{"unknown setting", "base/deployment.yaml", "name: RKC_MASTER_KEY_FILE", "name: RKC_MASTERKEY_FILE", 0, "not a setting"},
		{"secret as a value", "base/configmap.yaml", "RKC_LOG_LEVEL: info", "RKC_SMTP_PASSWORD: hunter2", 0, "carries a secret"},
		{"no memory limit", "base/deployment.yaml", "memory: 512Mi", "", 0, "memory request"},
		{"API as the owner", "base/deployment.yaml", "secretName: rkc-db-rkc-app", "secretName: rkc-db-app", 0, "logs in as the database's owner"},
		{"app role a superuser", "base/postgres.yaml", "superuser: false", "superuser: true", 0, "want rkc_app, a login without superuser"},
		{"no migration step", "base/deployment.yaml", `args: ["migrate"]`, `args: ["serve"]`, 0, "no init container runs `rkc migrate`"},
		{"migration step writable", "base/deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 0, "container migrate securityContext"},
		{"two database instances", "base/postgres.yaml", "instances: 3", "instances: 2", 0, "instances"},
		{"misspelt CloudNativePG field", "base/postgres.yaml", "podAntiAffinityType:", "podAntiAfinityType:", 0, "does not decode"},
		{"five-field schedule", "base/postgres.yaml", `"0 0 2 * * *"`, `"0 2 * * *"`, 0, "six cron fields"},
		{"unknown backup method", "base/postgres.yaml", "method: plugin", "method: snapshot", 0, "spec.method"},
		{"PDB blocks every drain", "base/pdb.yaml", "minAvailable: 1", "minAvailable: 2", 0, "minAvailable"},
		{"Service misses the pods", "base/service.yaml", "  selector:\n    app.kubernetes.io/name: rkc\n    app.kubernetes.io/component: api", "  selector:\n    app.kubernetes.io/name: rkc\n    app.kubernetes.io/component: web", 0, "Service rkc-api selects"},
		{"API egress open", "base/networkpolicy.yaml", `policyTypes: ["Ingress", "Egress"]`, `policyTypes: ["Ingress"]`, 0, "an outside address TCP/443 allowed"},
		{"database open to the namespace", "base/networkpolicy.yaml", "    - from:\n        - podSelector:\n            matchLabels:\n              app.kubernetes.io/name: rkc\n              app.kubernetes.io/component: api\n", "    - from:\n        - podSelector: {}\n", 0, "another pod of the namespace → database pod TCP/5432 allowed"},
		{"image left at latest", "overlays/production/kustomization.yaml", `newTag: "1.0.0"`, `newTag: latest`, 1, "image"},
		{"overlay image not applied", "overlays/production/kustomization.yaml", "name: registry.example.org/rkc/rkc", "name: rkc", 1, "image"},
		{"proxy not trusted", "overlays/production/kustomization.yaml", "path: /data/RKC_TRUSTED_PROXIES", "path: /data/RKC_TRUSTED_PROXYS", 1, "RKC_TRUSTED_PROXIES"},
		{"relay not narrowed", "overlays/production/kustomization.yaml", "cidr: 192.0.2.25/32", "cidr: 0.0.0.0/0", 1, "an outside address TCP/587 allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, "k8s", dir)
			path := filepath.Join(dir, c.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), c.from) {
				t.Fatalf("%s has no %q to change", c.file, c.from)
			}
			os.WriteFile(path, []byte(strings.Replace(string(b), c.from, c.to, 1)), 0o644)
			o := overlays[c.overlay]
			col := &collector{}
			col.run(func() { checkOverlay(col, o, filepath.Join(dir, strings.TrimPrefix(o.dir, "k8s/"))) })
			for _, e := range col.errs {
				if strings.Contains(e, c.want) {
					return
				}
			}
			t.Errorf("no report containing %q; reported:\n  %s", c.want, strings.Join(col.errs, "\n  "))
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
