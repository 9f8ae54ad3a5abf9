package deploy_test

import (
	"net"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// endpoint is one end of a connection: a pod (namespace and labels) or an
// address outside the cluster.
type endpoint struct {
	name      string
	namespace string
	labels    map[string]string
	ip        string // set for an address outside the cluster
}

// netpolAllows evaluates Kubernetes NetworkPolicy semantics for one
// connection: the source's egress policies and the destination's ingress
// policies must both let it through (a pod no policy of a direction selects
// is open in that direction). Policies live in namespace ns.
func netpolAllows(pols []*networkingv1.NetworkPolicy, ns string, from, to endpoint, proto corev1.Protocol, port int32) bool {
	return direction(pols, ns, from, to, proto, port, networkingv1.PolicyTypeEgress) &&
		direction(pols, ns, to, from, proto, port, networkingv1.PolicyTypeIngress)
}

// direction checks the policies selecting self for one direction; peer is
// the other end.
func direction(pols []*networkingv1.NetworkPolicy, ns string, self, peer endpoint, proto corev1.Protocol, port int32, typ networkingv1.PolicyType) bool {
	if self.ip != "" || self.namespace != ns {
		return true // no policy of ours applies outside our namespace
	}
	selected := false
	for _, p := range pols {
		if !hasType(p, typ) || !matchesPod(&p.Spec.PodSelector, self.labels) {
			continue
		}
		selected = true
		if typ == networkingv1.PolicyTypeIngress {
			for _, r := range p.Spec.Ingress {
				if peersMatch(r.From, ns, peer) && portsMatch(r.Ports, proto, port) {
					return true
				}
			}
		} else {
			for _, r := range p.Spec.Egress {
				if peersMatch(r.To, ns, peer) && portsMatch(r.Ports, proto, port) {
					return true
				}
			}
		}
	}
	return !selected
}

func hasType(p *networkingv1.NetworkPolicy, typ networkingv1.PolicyType) bool {
	if len(p.Spec.PolicyTypes) == 0 {
		// The API server's default: Ingress, and Egress when egress rules exist.
		return typ == networkingv1.PolicyTypeIngress || len(p.Spec.Egress) > 0
	}
	for _, t := range p.Spec.PolicyTypes {
		if t == typ {
			return true
		}
	}
	return false
}

// matchesPod is a label selector where the empty selector selects all.
func matchesPod(sel *metav1.LabelSelector, labels map[string]string) bool {
	s, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && s.Matches(labelSet(labels))
}

func peersMatch(peers []networkingv1.NetworkPolicyPeer, ns string, e endpoint) bool {
	if len(peers) == 0 {
		return true // no from/to: every peer
	}
	for _, p := range peers {
		switch {
		case p.IPBlock != nil:
			if e.ip == "" {
				continue
			}
			_, cidr, err := net.ParseCIDR(p.IPBlock.CIDR)
			if err != nil || !cidr.Contains(net.ParseIP(e.ip)) {
				continue
			}
			excluded := false
			for _, ex := range p.IPBlock.Except {
				if _, c, err := net.ParseCIDR(ex); err == nil && c.Contains(net.ParseIP(e.ip)) {
					excluded = true
				}
			}
			if !excluded {
				return true
			}
		case e.ip != "":
			continue // pod and namespace selectors match pods only
		case p.NamespaceSelector != nil:
			nsLabels := map[string]string{"kubernetes.io/metadata.name": e.namespace}
			if matchesPod(p.NamespaceSelector, nsLabels) && (p.PodSelector == nil || matchesPod(p.PodSelector, e.labels)) {
				return true
			}
		case p.PodSelector != nil:
			if e.namespace == ns && matchesPod(p.PodSelector, e.labels) {
				return true
			}
		}
	}
	return false
}

func portsMatch(ports []networkingv1.NetworkPolicyPort, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		if p.Port == nil {
			return true
		}
		lo := p.Port.IntVal // named ports are not used in these policies
		hi := lo
		if p.EndPort != nil {
			hi = *p.EndPort
		}
		if port >= lo && port <= hi {
			return true
		}
	}
	return false
}

// flow is one connection the policies are asked about and whether they
// must let it through.
type flow struct {
	from, to endpoint
	proto    corev1.Protocol
	port     int32
	want     bool
}

// checkNetwork asks the policies about the connections that matter: the
// API reaches the database, DNS and the relay and nothing else; only the
// API (and the database's own instances and operator) reach the database.
func checkNetwork(t reporter, o overlay, d *appsv1.Deployment, m *manifests) {
	t.Helper()
	ns := m.namespace
	if ns == "" {
		ns = "default"
	}
	if len(m.clusters) == 0 {
		return
	}
	api := endpoint{name: "api pod", namespace: ns, labels: d.Spec.Template.Labels}
	db := endpoint{name: "database pod", namespace: ns, labels: map[string]string{"cnpg.io/cluster": m.clusters[0].Metadata.Name, "cnpg.io/podRole": "instance"}}
	other := endpoint{name: "another pod of the namespace", namespace: ns, labels: map[string]string{"app": "debug"}}
	elsewhere := endpoint{name: "a pod of another namespace", namespace: "team-x", labels: d.Spec.Template.Labels}
	operator := endpoint{name: "CloudNativePG operator", namespace: "cnpg-system", labels: map[string]string{"app.kubernetes.io/name": "cloudnative-pg"}}
	dns := endpoint{name: "cluster DNS", namespace: "kube-system", labels: map[string]string{"k8s-app": "kube-dns"}}
	ingress := endpoint{name: "ingress controller", namespace: "ingress-nginx", labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx"}}
	prometheus := endpoint{name: "Prometheus", namespace: "monitoring", labels: map[string]string{"app.kubernetes.io/name": "prometheus"}}
	internet := endpoint{name: "an outside address", ip: "203.0.113.9"}
	relay := endpoint{name: "the SMTP relay", ip: "203.0.113.25"}
	if o.relay != "" {
		relay.ip = o.relay
	}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	cases := []flow{
		{api, db, tcp, 5432, true},
		{db, db, tcp, 5432, true}, // streaming replication
		{operator, db, tcp, 8000, true},
		{other, db, tcp, 5432, false},
		{elsewhere, db, tcp, 5432, false},
		{api, db, tcp, 8000, false},
		{api, dns, udp, 53, true},
		{api, dns, tcp, 53, true},
		{api, relay, tcp, 587, true},
		{api, internet, tcp, 443, false},
		{api, internet, tcp, 5432, false},
		{api, other, tcp, 8080, false},
		{api, elsewhere, tcp, 8080, false},
		{ingress, api, tcp, 8080, true},
		{ingress, api, tcp, 9090, false}, // the metrics port: never through the ingress
		{prometheus, api, tcp, 9090, true},
		{other, api, tcp, 9090, false},
		{elsewhere, api, tcp, 9090, false},
		{other, other, tcp, 8080, false}, // default deny
	}
	if o.relay != "" {
		cases = append(cases, flow{api, internet, tcp, 587, false})
	}
	if o.ingressFrom != "" {
		cases = append(cases, flow{other, api, tcp, 8080, false})
	}
	for _, c := range cases {
		if got := netpolAllows(m.netpols, ns, c.from, c.to, c.proto, c.port); got != c.want {
			verb := "refused"
			if got {
				verb = "allowed"
			}
			t.Errorf("network policy: %s → %s %s/%d %s, want the opposite", c.from.name, c.to.name, c.proto, c.port, verb)
		}
	}
}
