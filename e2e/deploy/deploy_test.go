// Package deploy_test checks the deployment files of deploy/ offline: the Kubernetes
// manifests (built with kustomize, decoded strictly into the Kubernetes API
// types, and held to the rules of issue 9), the compose file and the
// Dockerfile. Nothing here needs a Docker engine, a cluster or a network.
//
// What "schema validation" means here: the JSON schemas of the Kubernetes
// API (kubeconform's) cannot be had offline, so every object kustomize
// builds is decoded into the Go type the API server itself decodes it into
// (k8s.io/api), with unknown fields refused: a misspelt or misplaced field,
// a string where a number belongs, a bad quantity fails. The CloudNativePG
// and Barman Cloud kinds have no Go module we may use, so they are decoded
// into the mirror types in cnpg_types_test.go, which hold exactly the
// fields of their v1 API that these manifests use, with their enumerations.
package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/rkc-nl/rkc/internal/config"
)

// manifests is one kustomization built and decoded.
type manifests struct {
	namespace   string // "" for the base, which leaves it to the overlay
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	configMaps  []*corev1.ConfigMap
	pdbs        []*policyv1.PodDisruptionBudget
	netpols     []*networkingv1.NetworkPolicy
	ingresses   []*networkingv1.Ingress
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	accounts    []*corev1.ServiceAccount
	namespaces  []*corev1.Namespace
	claims      []*corev1.PersistentVolumeClaim
	clusters    []*cnpgCluster
	backups     []*cnpgScheduledBackup
	stores      []*barmanObjectStore
}

// kinds maps each kind a kustomization may hold (apiVersion/kind) to a
// function that appends a new object of its API type to m's list for that
// kind and returns it to be decoded into.
func (m *manifests) kinds() map[string]func() any {
	kinds := map[string]func() any{
		"apps/v1/Deployment":                     func() any { return appendNew(&m.deployments) },
		"v1/Service":                             func() any { return appendNew(&m.services) },
		"v1/ConfigMap":                           func() any { return appendNew(&m.configMaps) },
		"v1/ServiceAccount":                      func() any { return appendNew(&m.accounts) },
		"v1/Namespace":                           func() any { return appendNew(&m.namespaces) },
		"v1/PersistentVolumeClaim":               func() any { return appendNew(&m.claims) },
		"policy/v1/PodDisruptionBudget":          func() any { return appendNew(&m.pdbs) },
		"networking.k8s.io/v1/NetworkPolicy":     func() any { return appendNew(&m.netpols) },
		"networking.k8s.io/v1/Ingress":           func() any { return appendNew(&m.ingresses) },
		"autoscaling/v2/HorizontalPodAutoscaler": func() any { return appendNew(&m.hpas) },
	}
	// The CloudNativePG and Barman Cloud kinds, decoded into the mirror
	// types of cnpg_types_test.go.
	kinds["postgresql.cnpg.io/v1/Cluster"] = func() any { return appendNew(&m.clusters) }
	kinds["postgresql.cnpg.io/v1/ScheduledBackup"] = func() any { return appendNew(&m.backups) }
	kinds["barmancloud.cnpg.io/v1/ObjectStore"] = func() any { return appendNew(&m.stores) }
	return kinds
}

// appendNew appends a new zero T to list and returns it.
func appendNew[T any](list *[]*T) *T {
	o := new(T)
	*list = append(*list, o)
	return o
}

// strict decodes JSON into v, refusing fields v does not have.
func strict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// build runs kustomize on dir and decodes every object by its kind.
func build(t reporter, dir string) *manifests {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	m := &manifests{}
	for _, r := range rm.Resources() {
		raw, err := r.MarshalJSON()
		if err != nil {
			t.Fatalf("%v", err)
		}
		gvk := r.GetApiVersion() + "/" + r.GetKind()
		name := gvk + " " + r.GetName()
		newObject, known := m.kinds()[gvk]
		if !known {
			t.Errorf("%s: a kind this test does not know; add its type so that it is validated", name)
			continue
		}
		obj := newObject()
		if err := strict(raw, obj); err != nil {
			t.Errorf("%s does not decode into its API type: %v", name, err)
			continue
		}
		if v, ok := obj.(interface{ validate() []string }); ok {
			for _, msg := range v.validate() {
				t.Errorf("%s: %s", name, msg)
			}
		}
		checkMeta(t, name, r.GetName(), r.GetNamespace(), r.GetLabels())
		if r.GetKind() != "Namespace" {
			if m.namespace == "" {
				m.namespace = r.GetNamespace()
			} else if r.GetNamespace() != m.namespace {
				t.Errorf("%s in namespace %q, the others in %q", name, r.GetNamespace(), m.namespace)
			}
		}
	}
	return m
}

// checkMeta applies the API server's rules for names and labels.
func checkMeta(t reporter, what, name, ns string, labels map[string]string) {
	t.Helper()
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		t.Errorf("%s: name: %s", what, msg)
	}
	if ns != "" {
		for _, msg := range validation.IsDNS1123Label(ns) {
			t.Errorf("%s: namespace: %s", what, msg)
		}
	}
	checkLabels(t, what, labels)
}

func checkLabels(t reporter, what string, labels map[string]string) {
	t.Helper()
	for k, v := range labels {
		for _, msg := range validation.IsQualifiedName(k) {
			t.Errorf("%s: label key %q: %s", what, k, msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			t.Errorf("%s: label %q value %q: %s", what, k, v, msg)
		}
	}
}

// overlay is what a kustomization must provide.
type overlay struct {
	dir         string
	minReplicas int32
	namespace   string
	relay       string // the SMTP relay's address the API may reach; "" any
	ingressFrom string // the namespace HTTP must come from; "" any
}

var overlays = []overlay{
	{dir: "k8s/base", minReplicas: 2},
	{dir: "k8s/overlays/production", minReplicas: 3, namespace: "rkc", relay: "192.0.2.25", ingressFrom: "ingress-nginx"},
}

// TestManifests builds the base and the production overlay and checks
// every rule the issue sets for the cluster deployment.
func TestManifests(t *testing.T) {
	for _, o := range overlays {
		t.Run(strings.ReplaceAll(o.dir, "/", "_"), func(t *testing.T) {
			checkOverlay(t, o, o.dir)
		})
	}
}

// checkOverlay builds the kustomization in dir and holds it to o.
func checkOverlay(t reporter, o overlay, dir string) {
	t.Helper()
	settings := knownSettings(t)
	m := build(t, dir)
	if m.namespace != o.namespace {
		t.Errorf("namespace %q, want %q", m.namespace, o.namespace)
	}
	if len(m.deployments) != 1 {
		t.Fatalf("%d deployments, want the API's only", len(m.deployments))
	}
	d := m.deployments[0]
	checkDeployment(t, o, dir, d, m, settings)
	checkService(t, d, m)
	checkMetricsPort(t, d, m)
	checkPDB(t, d, m)
	checkDatabase(t, d, m)
	checkNetwork(t, o, d, m)
	for _, h := range m.hpas {
		if h.Spec.ScaleTargetRef.Name != d.Name || h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < o.minReplicas {
			t.Errorf("HPA %s: targets %q with min %v; want %s with at least %d", h.Name, h.Spec.ScaleTargetRef.Name, h.Spec.MinReplicas, d.Name, o.minReplicas)
		}
	}
	for _, ing := range m.ingresses {
		for _, r := range ing.Spec.Rules {
			for _, p := range r.HTTP.Paths {
				if svc := p.Backend.Service; svc == nil || !slices.ContainsFunc(m.services, func(s *corev1.Service) bool { return s.Name == svc.Name }) {
					t.Errorf("Ingress %s: backend %+v is not a Service of this build", ing.Name, p.Backend)
				}
			}
		}
		if len(ing.Spec.TLS) == 0 {
			t.Errorf("Ingress %s: no TLS", ing.Name)
		}
	}
}

// reporter is the part of testing.T the checks use, so that the test of
// the checks can collect what they report.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// collector records what the checks report; Fatalf ends the check.
type collector struct{ errs []string }

type fatal struct{}

func (c *collector) Helper() {}
func (c *collector) Errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Sprintf(format, args...))
}
func (c *collector) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	panic(fatal{})
}

// run runs fn, stopping at a Fatalf.
func (c *collector) run(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(fatal); !ok {
				panic(r)
			}
		}
	}()
	fn()
}

func selects(sel *metav1.LabelSelector, labels map[string]string) bool {
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false
	}
	return !s.Empty() && s.Matches(labelSet(labels))
}

type labelSet map[string]string

func (l labelSet) Has(k string) bool              { _, ok := l[k]; return ok }
func (l labelSet) Get(k string) string            { return l[k] }
func (l labelSet) Lookup(k string) (string, bool) { v, ok := l[k]; return v, ok }

func checkDeployment(t reporter, o overlay, dir string, d *appsv1.Deployment, m *manifests, settings map[string]bool) {
	t.Helper()
	if d.Spec.Replicas == nil || *d.Spec.Replicas < o.minReplicas {
		t.Errorf("replicas %v, want at least %d", d.Spec.Replicas, o.minReplicas)
	}
	pod := d.Spec.Template
	if !selects(d.Spec.Selector, pod.Labels) {
		t.Errorf("the selector %v does not select the pod template's labels %v", d.Spec.Selector, pod.Labels)
	}
	if ru := d.Spec.Strategy.RollingUpdate; d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType || ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("strategy %+v: an upgrade must roll with maxUnavailable 0", d.Spec.Strategy)
	}
	ps := pod.Spec
	if sc := ps.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser == 0 ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v: want runAsNonRoot, a non-zero runAsUser and the RuntimeDefault seccomp profile", sc)
	}
	if ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
		t.Errorf("the API needs no Kubernetes token: set automountServiceAccountToken false")
	}
	if ps.ServiceAccountName == "" || !slices.ContainsFunc(m.accounts, func(a *corev1.ServiceAccount) bool { return a.Name == ps.ServiceAccountName }) {
		t.Errorf("service account %q is not part of the build", ps.ServiceAccountName)
	}
	if len(ps.TopologySpreadConstraints) == 0 && (ps.Affinity == nil || ps.Affinity.PodAntiAffinity == nil) {
		t.Errorf("no spreading of replicas over nodes: a node failure could take every replica")
	}
	if len(ps.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(ps.Containers))
	}
	c := ps.Containers[0]
	if !regexp.MustCompile(`^[a-z0-9.-]+(/[a-z0-9._-]+)+(:[0-9][A-Za-z0-9._-]*|@sha256:[0-9a-f]{64})$`).MatchString(c.Image) {
		t.Errorf("image %q: want a registry image pinned to a release tag or a digest, never latest", c.Image)
	}
	if want := kustomizeImage(t, dir); want != "" && c.Image != want {
		t.Errorf("image %q, but %s/kustomization.yaml sets %q: its images entry does not match the image's name", c.Image, dir, want)
	}
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	probe := func(what string, p *corev1.Probe, path string) {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s probe: missing, want GET %s", what, path)
			return
		}
		if p.HTTPGet.Path != path {
			t.Errorf("%s probe: path %q, want %s", what, p.HTTPGet.Path, path)
		}
		port := p.HTTPGet.Port
		if port.Type == intstr.String {
			if _, ok := ports[port.StrVal]; !ok {
				t.Errorf("%s probe: port %q is not a port of the container", what, port.StrVal)
			}
		} else if !slices.Contains(slices.Collect(maps.Values(ports)), port.IntVal) {
			t.Errorf("%s probe: port %d is not a port of the container", what, port.IntVal)
		}
	}
	probe("readiness", c.ReadinessProbe, "/readyz")
	probe("liveness", c.LivenessProbe, "/healthz")
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[res], c.Resources.Limits[res]
		if req.IsZero() || lim.IsZero() {
			t.Errorf("resources: %s request %v and limit %v, want both", res, req.String(), lim.String())
		} else if req.Cmp(lim) > 0 {
			t.Errorf("resources: %s request %v above its limit %v", res, req.String(), lim.String())
		}
	}
	for _, ct := range append([]corev1.Container{c}, ps.InitContainers...) {
		if sc := ct.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
			sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("container %s securityContext %+v: want a read-only root filesystem, no privilege escalation, all capabilities dropped", ct.Name, sc)
		}
	}
	for _, ic := range ps.InitContainers {
		for _, e := range ic.Env {
			if !settings[e.Name] {
				t.Errorf("init container %s: variable %s is not a setting of bin/rkc", ic.Name, e.Name)
			}
		}
	}
	// Every variable the container gets must be a setting of the binary,
	// so that a typo does not silently leave a default in force.
	vars := map[string]string{}
	for _, e := range c.Env {
		vars[e.Name] = e.Value
	}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef == nil {
			t.Errorf("envFrom %+v: only ConfigMaps (secrets come as files)", ef)
			continue
		}
		i := slices.IndexFunc(m.configMaps, func(cm *corev1.ConfigMap) bool { return cm.Name == ef.ConfigMapRef.Name })
		if i < 0 {
			t.Errorf("envFrom: ConfigMap %q is not part of the build", ef.ConfigMapRef.Name)
			continue
		}
		maps.Copy(vars, m.configMaps[i].Data)
	}
	mounts := map[string]string{} // mount path → volume
	for _, vm := range c.VolumeMounts {
		mounts[vm.MountPath] = vm.Name
	}
	for name, value := range vars {
		if !settings[name] {
			t.Errorf("variable %s is not a setting of bin/rkc", name)
		}
		if looksSecret(name) {
			t.Errorf("variable %s carries a secret in the manifest; give it as %s_FILE from a mounted Secret", name, name)
		}
		if strings.HasSuffix(name, "_FILE") {
			dir := value[:strings.LastIndex(value, "/")]
			if _, ok := mounts[dir]; !ok {
				t.Errorf("%s=%s: no volume is mounted at %s", name, value, dir)
			}
		}
	}
	if len(m.ingresses) > 0 && vars["RKC_TRUSTED_PROXIES"] == "" {
		t.Errorf("behind an Ingress without RKC_TRUSTED_PROXIES every request seems to come from the proxy, and ten failed sign-ins by anyone lock everyone out")
	}
	for _, need := range []string{"DATABASE_URL_FILE", "RKC_MASTER_KEY_FILE"} {
		if _, ok := vars[need]; !ok {
			t.Errorf("%s is not set: the API needs its database and master keys from secrets", need)
		}
	}
	if _, ok := mounts["/tmp"]; !ok {
		t.Errorf("no writable /tmp on a read-only root filesystem")
	}
	checkCheckpointVolume(t, vars["RKC_CHECKPOINT_FILE"], mounts, d, m)
}

// checkCheckpointVolume: the access log's checkpoints are appended to a file
// outside the database that verify checks the tree against. On a read-only
// root filesystem the default (in the data folder) cannot be written, and on
// a pod's own disk it dies with the pod: it must be on a persistent volume
// that every replica (any may sequence) can write.
func checkCheckpointVolume(t reporter, file string, mounts map[string]string, d *appsv1.Deployment, m *manifests) {
	if file == "" {
		t.Errorf("RKC_CHECKPOINT_FILE is not set: the checkpoints outside the database have nowhere to go")
		return
	}
	volume := mounts[file[:strings.LastIndex(file, "/")]]
	i := slices.IndexFunc(d.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == volume })
	if i < 0 || d.Spec.Template.Spec.Volumes[i].PersistentVolumeClaim == nil {
		t.Errorf("RKC_CHECKPOINT_FILE=%s is not on a persistent volume", file)
		return
	}
	claim := d.Spec.Template.Spec.Volumes[i].PersistentVolumeClaim.ClaimName
	j := slices.IndexFunc(m.claims, func(c *corev1.PersistentVolumeClaim) bool { return c.Name == claim })
	if j < 0 {
		t.Errorf("the checkpoints' claim %q is not part of the build", claim)
		return
	}
	if !slices.Contains(m.claims[j].Spec.AccessModes, corev1.ReadWriteMany) && *d.Spec.Replicas > 1 {
		t.Errorf("the checkpoints' claim %q is not ReadWriteMany, but %d replicas may each become the sequencer", claim, *d.Spec.Replicas)
	}
}

// looksSecret tells settings that must never be given as plain values.
func looksSecret(name string) bool {
	if strings.HasSuffix(name, "_FILE") {
		return false
	}
	for _, w := range []string{"PASSWORD", "SECRET", "TOKEN", "MASTER_KEYS", "DATABASE_URL"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

func checkService(t reporter, d *appsv1.Deployment, m *manifests) {
	t.Helper()
	if len(m.services) == 0 {
		t.Fatalf("no Service in front of the API")
	}
	for _, s := range m.services {
		if !selects(&metav1.LabelSelector{MatchLabels: s.Spec.Selector}, d.Spec.Template.Labels) {
			t.Errorf("Service %s selects %v, which are not the API pods' labels %v", s.Name, s.Spec.Selector, d.Spec.Template.Labels)
		}
		for _, p := range s.Spec.Ports {
			found := slices.ContainsFunc(d.Spec.Template.Spec.Containers[0].Ports, func(cp corev1.ContainerPort) bool {
				return p.TargetPort.Type == intstr.String && cp.Name == p.TargetPort.StrVal || p.TargetPort.Type == intstr.Int && cp.ContainerPort == p.TargetPort.IntVal
			})
			if !found {
				t.Errorf("Service %s port %s targets %s, which the container does not expose", s.Name, p.Name, p.TargetPort.String())
			}
		}
	}
}

func checkPDB(t reporter, d *appsv1.Deployment, m *manifests) {
	t.Helper()
	if len(m.pdbs) != 1 {
		t.Fatalf("%d PodDisruptionBudgets, want 1 for the API", len(m.pdbs))
	}
	p := m.pdbs[0]
	if !selects(p.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("PDB %s does not select the API pods", p.Name)
	}
	replicas := int(*d.Spec.Replicas)
	if p.Spec.MinAvailable == nil || p.Spec.MinAvailable.Type != intstr.Int {
		t.Fatalf("PDB %s: want minAvailable as a number", p.Name)
	}
	// At least one must stay, and a drain must be able to evict one.
	if min := p.Spec.MinAvailable.IntValue(); min < 1 || min >= replicas {
		t.Errorf("PDB %s: minAvailable %d with %d replicas: want 1 ≤ minAvailable < replicas", p.Name, min, replicas)
	}
}

func checkDatabase(t reporter, d *appsv1.Deployment, m *manifests) {
	t.Helper()
	if len(m.clusters) != 1 {
		t.Fatalf("%d CloudNativePG clusters, want 1", len(m.clusters))
	}
	c := m.clusters[0]
	if c.Spec.Instances != 3 {
		t.Errorf("Cluster %s: %d instances, want 3", c.Metadata.Name, c.Spec.Instances)
	}
	if c.Spec.Affinity == nil || c.Spec.Affinity.PodAntiAffinityType != "required" || c.Spec.Affinity.TopologyKey != "kubernetes.io/hostname" {
		t.Errorf("Cluster %s: instances must be on different nodes (required anti-affinity on kubernetes.io/hostname)", c.Metadata.Name)
	}
	if s := c.Spec.PostgreSQL.Synchronous; s == nil || s.Number < 1 {
		t.Errorf("Cluster %s: no synchronous replica; a failover could lose committed complaints", c.Metadata.Name)
	}
	checkDatabaseRoles(t, d, c)
	archiver := ""
	for _, p := range c.Spec.Plugins {
		if p.IsWALArchiver != nil && *p.IsWALArchiver {
			archiver = p.Parameters["barmanObjectName"]
		}
	}
	if !slices.ContainsFunc(m.stores, func(s *barmanObjectStore) bool { return s.Metadata.Name == archiver }) {
		t.Errorf("Cluster %s archives WAL to object store %q, which is not part of the build", c.Metadata.Name, archiver)
	}
	if len(m.backups) == 0 {
		t.Errorf("no ScheduledBackup")
	}
	for _, b := range m.backups {
		if b.Spec.Cluster.Name != c.Metadata.Name {
			t.Errorf("ScheduledBackup %s backs up %q, not the cluster %q", b.Metadata.Name, b.Spec.Cluster.Name, c.Metadata.Name)
		}
		if b.Spec.Method == "plugin" && (b.Spec.PluginConfiguration == nil || !slices.ContainsFunc(c.Spec.Plugins, func(p cnpgPlugin) bool { return p.Name == b.Spec.PluginConfiguration.Name })) {
			t.Errorf("ScheduledBackup %s uses a plugin the cluster does not load", b.Metadata.Name)
		}
	}
}

// checkDatabaseRoles holds the pod to the two logins of README "Database
// roles": the API logs in as a managed role that owns nothing and cannot
// raise itself, never as the database's owner; an init container migrates
// as the owner, with the secret CloudNativePG makes for it
// (<cluster>-app), which no other container mounts.
func checkDatabaseRoles(t reporter, d *appsv1.Deployment, c *cnpgCluster) {
	t.Helper()
	ps := d.Spec.Template.Spec
	secretOf := map[string]string{} // volume → secret
	for _, v := range ps.Volumes {
		if v.Secret != nil {
			secretOf[v.Name] = v.Secret.SecretName
		}
	}
	// fileSecret is the secret behind a NAME_FILE variable of container.
	fileSecret := func(container corev1.Container, name string) string {
		for _, e := range container.Env {
			if e.Name != name {
				continue
			}
			for _, vm := range container.VolumeMounts {
				if strings.HasPrefix(e.Value, vm.MountPath+"/") {
					return secretOf[vm.Name]
				}
			}
		}
		return ""
	}
	owner := c.Metadata.Name + "-app"
	api := ps.Containers[0]
	appSecret := fileSecret(api, "DATABASE_URL_FILE")
	var appRole *roleConfiguration
	if c.Spec.Managed != nil {
		for i, r := range c.Spec.Managed.Roles {
			if r.PasswordSecret != nil && r.PasswordSecret.Name == appSecret {
				appRole = &c.Spec.Managed.Roles[i]
			}
		}
	}
	switch {
	case appSecret == owner:
		t.Errorf("the API logs in as the database's owner (%s); it must use a login that owns nothing", owner)
	case appRole == nil:
		t.Errorf("the API's database secret %q is not the password secret of a role in the Cluster's spec.managed.roles", appSecret)
	case appRole.Name != "rkc_app" || !appRole.Login || appRole.Superuser || appRole.CreateRole || appRole.CreateDB || appRole.Replication || appRole.BypassRLS || len(appRole.InRoles) > 0:
		t.Errorf("managed role %+v: want rkc_app, a login without superuser, createrole, createdb, replication, bypassrls or other roles", *appRole)
	}
	for _, vm := range api.VolumeMounts {
		if secretOf[vm.Name] == owner {
			t.Errorf("the API container mounts the owner's secret %s", owner)
		}
	}
	migrates := false
	for _, ic := range ps.InitContainers {
		if slices.Equal(ic.Args, []string{"migrate"}) && ic.Image == api.Image && fileSecret(ic, "RKC_OWNER_DATABASE_URL_FILE") == owner {
			migrates = true
		}
	}
	if !migrates {
		t.Errorf("no init container runs `rkc migrate` with the API's image and RKC_OWNER_DATABASE_URL_FILE from the owner's secret %s", owner)
	}
}

// knownSettings lists every environment variable bin/rkc reads, from its
// own usage text, with the NAME_FILE variant of each.
func knownSettings(t reporter) map[string]bool {
	t.Helper()
	var buf bytes.Buffer
	config.WriteUsage(&buf)
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+--\S+\s+([A-Z][A-Z0-9_]+)\s`).FindAllStringSubmatch(buf.String(), -1) {
		out[m[1]] = true
		out[m[1]+"_FILE"] = true
	}
	if !out["DATABASE_URL"] || !out["RKC_MASTER_KEY_FILE"] {
		t.Fatalf("could not read the settings from the usage text:\n%s", buf.String())
	}
	return out
}

// kustomizeImage is the image the kustomization in dir sets (its first
// images entry), so that an entry whose name no longer matches is caught.
func kustomizeImage(t reporter, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatalf("%v", err)
	}
	var k struct {
		Images []struct {
			Name, NewName, NewTag, Digest string
		} `json:"images"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	if len(k.Images) == 0 {
		return ""
	}
	im := k.Images[0]
	name := im.NewName
	if name == "" {
		name = im.Name
	}
	if im.Digest != "" {
		return name + "@" + im.Digest
	}
	return name + ":" + im.NewTag
}

// checkMetricsPort: the API serves /metrics on a port of its own
// (RKC_METRICS_ADDR), named metrics in the container, so the scraper can
// reach it; no Service, and so no Ingress, routes to it.
func checkMetricsPort(t reporter, d *appsv1.Deployment, m *manifests) {
	t.Helper()
	c := d.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	addr, public := env["RKC_METRICS_ADDR"], env["RKC_ADDR"]
	if addr == "" || addr == public {
		t.Errorf("RKC_METRICS_ADDR %q: want a port apart from RKC_ADDR %q, reachable in the pod (:9090)", addr, public)
		return
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	var metrics *corev1.ContainerPort
	for i, p := range c.Ports {
		if p.Name == "metrics" {
			metrics = &c.Ports[i]
		}
	}
	if metrics == nil || strconv.Itoa(int(metrics.ContainerPort)) != port {
		t.Errorf("container port metrics %+v, want %s (RKC_METRICS_ADDR)", metrics, port)
		return
	}
	if a := d.Spec.Template.Annotations; a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != port {
		t.Errorf("pod annotations %v: want prometheus.io/scrape true on port %s", a, port)
	}
	for _, s := range m.services {
		for _, p := range s.Spec.Ports {
			if p.TargetPort.StrVal == "metrics" || p.TargetPort.IntVal == metrics.ContainerPort || p.Port == metrics.ContainerPort {
				t.Errorf("Service %s port %s routes to the metrics port: an Ingress could expose it", s.Name, p.Name)
			}
		}
	}
}
