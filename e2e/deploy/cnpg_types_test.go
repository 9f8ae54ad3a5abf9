package deploy_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The CloudNativePG (postgresql.cnpg.io/v1) and Barman Cloud plugin
// (barmancloud.cnpg.io/v1) kinds, reduced to the fields these manifests use,
// as their v1 API reference defines them. Decoding refuses any other field,
// so a field that is misspelt, misplaced or not used before here fails the
// test until it is added below with its type and allowed values.

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type cnpgCluster struct {
	APIVersion string      `json:"apiVersion"`
	Kind       string      `json:"kind"`
	Metadata   objectMeta  `json:"metadata"`
	Spec       clusterSpec `json:"spec"`
}

type clusterSpec struct {
	Instances             int                          `json:"instances"`
	ImageName             string                       `json:"imageName,omitempty"`
	PrimaryUpdateStrategy string                       `json:"primaryUpdateStrategy,omitempty"`
	PrimaryUpdateMethod   string                       `json:"primaryUpdateMethod,omitempty"`
	PostgreSQL            postgresConfiguration        `json:"postgresql,omitempty"`
	Bootstrap             *bootstrapConfiguration      `json:"bootstrap,omitempty"`
	Managed               *managedConfiguration        `json:"managed,omitempty"`
	Storage               storageConfiguration         `json:"storage"`
	Resources             *corev1.ResourceRequirements `json:"resources,omitempty"`
	Affinity              *affinityConfiguration       `json:"affinity,omitempty"`
	Plugins               []cnpgPlugin                 `json:"plugins,omitempty"`
	EnablePDB             *bool                        `json:"enablePDB,omitempty"`
}

type postgresConfiguration struct {
	Parameters  map[string]string         `json:"parameters,omitempty"`
	Synchronous *synchronousReplicaConfig `json:"synchronous,omitempty"`
}

type synchronousReplicaConfig struct {
	Method         string `json:"method"`
	Number         int    `json:"number"`
	DataDurability string `json:"dataDurability,omitempty"`
}

type bootstrapConfiguration struct {
	InitDB *struct {
		Database string `json:"database"`
		Owner    string `json:"owner"`
	} `json:"initdb,omitempty"`
}

type managedConfiguration struct {
	Roles []roleConfiguration `json:"roles,omitempty"`
}

// roleConfiguration is a role CloudNativePG keeps as declared
// (spec.managed.roles[]).
type roleConfiguration struct {
	Name            string   `json:"name"`
	Ensure          string   `json:"ensure,omitempty"`
	Comment         string   `json:"comment,omitempty"`
	Login           bool     `json:"login,omitempty"`
	Superuser       bool     `json:"superuser,omitempty"`
	CreateDB        bool     `json:"createdb,omitempty"`
	CreateRole      bool     `json:"createrole,omitempty"`
	Replication     bool     `json:"replication,omitempty"`
	BypassRLS       bool     `json:"bypassrls,omitempty"`
	Inherit         *bool    `json:"inherit,omitempty"`
	ConnectionLimit *int     `json:"connectionLimit,omitempty"`
	InRoles         []string `json:"inRoles,omitempty"`
	PasswordSecret  *struct {
		Name string `json:"name"`
	} `json:"passwordSecret,omitempty"`
}

type storageConfiguration struct {
	Size         resource.Quantity `json:"size"`
	StorageClass *string           `json:"storageClass,omitempty"`
}

type affinityConfiguration struct {
	EnablePodAntiAffinity *bool  `json:"enablePodAntiAffinity,omitempty"`
	TopologyKey           string `json:"topologyKey,omitempty"`
	PodAntiAffinityType   string `json:"podAntiAffinityType,omitempty"`
}

type cnpgPlugin struct {
	Name          string            `json:"name"`
	Enabled       *bool             `json:"enabled,omitempty"`
	IsWALArchiver *bool             `json:"isWALArchiver,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"`
}

type cnpgScheduledBackup struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		Schedule             string `json:"schedule"`
		Immediate            *bool  `json:"immediate,omitempty"`
		Suspend              *bool  `json:"suspend,omitempty"`
		BackupOwnerReference string `json:"backupOwnerReference,omitempty"`
		Cluster              struct {
			Name string `json:"name"`
		} `json:"cluster"`
		Method              string `json:"method,omitempty"`
		PluginConfiguration *struct {
			Name       string            `json:"name"`
			Parameters map[string]string `json:"parameters,omitempty"`
		} `json:"pluginConfiguration,omitempty"`
	} `json:"spec"`
}

type barmanObjectStore struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		RetentionPolicy string `json:"retentionPolicy,omitempty"`
		Configuration   struct {
			DestinationPath string `json:"destinationPath"`
			EndpointURL     string `json:"endpointURL,omitempty"`
			S3Credentials   *struct {
				AccessKeyID     secretKeySelector `json:"accessKeyId"`
				SecretAccessKey secretKeySelector `json:"secretAccessKey"`
			} `json:"s3Credentials,omitempty"`
			WAL  *compressionConfig `json:"wal,omitempty"`
			Data *compressionConfig `json:"data,omitempty"`
		} `json:"configuration"`
	} `json:"spec"`
}

type secretKeySelector struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type compressionConfig struct {
	Compression string `json:"compression,omitempty"`
	Encryption  string `json:"encryption,omitempty"`
}

func oneOf(field, v string, allowed ...string) []string {
	if v == "" || slices.Contains(allowed, v) {
		return nil
	}
	return []string{fmt.Sprintf("%s: %q is not one of %s", field, v, strings.Join(allowed, ", "))}
}

func (c *cnpgCluster) validate() []string {
	var bad []string
	s := c.Spec
	if s.Instances < 1 {
		bad = append(bad, "spec.instances: must be at least 1")
	}
	bad = append(bad, oneOf("spec.primaryUpdateStrategy", s.PrimaryUpdateStrategy, "unsupervised", "supervised")...)
	bad = append(bad, oneOf("spec.primaryUpdateMethod", s.PrimaryUpdateMethod, "switchover", "restart")...)
	if s.ImageName != "" && !regexp.MustCompile(`^[a-z0-9./-]+:[0-9]+(\.[0-9]+)*(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$`).MatchString(s.ImageName) {
		bad = append(bad, fmt.Sprintf("spec.imageName %q: want a PostgreSQL image pinned to a version", s.ImageName))
	}
	if sy := s.PostgreSQL.Synchronous; sy != nil {
		bad = append(bad, oneOf("spec.postgresql.synchronous.method", sy.Method, "any", "first")...)
		bad = append(bad, oneOf("spec.postgresql.synchronous.dataDurability", sy.DataDurability, "required", "preferred")...)
		if sy.Method == "" || sy.Number < 1 || sy.Number >= s.Instances {
			bad = append(bad, "spec.postgresql.synchronous: want a method and 1 ≤ number < instances")
		}
	}
	if s.Storage.Size.IsZero() {
		bad = append(bad, "spec.storage.size: required")
	}
	if a := s.Affinity; a != nil {
		bad = append(bad, oneOf("spec.affinity.podAntiAffinityType", a.PodAntiAffinityType, "preferred", "required")...)
	}
	if b := s.Bootstrap; b == nil || b.InitDB == nil || b.InitDB.Database == "" || b.InitDB.Owner == "" {
		bad = append(bad, "spec.bootstrap.initdb: want the database and its owner")
	}
	if m := s.Managed; m != nil {
		for i, r := range m.Roles {
			if r.Name == "" {
				bad = append(bad, fmt.Sprintf("spec.managed.roles[%d].name: required", i))
			}
			bad = append(bad, oneOf(fmt.Sprintf("spec.managed.roles[%d].ensure", i), r.Ensure, "present", "absent")...)
		}
	}
	return bad
}

func (b *cnpgScheduledBackup) validate() []string {
	var bad []string
	s := b.Spec
	// CloudNativePG's schedule has six fields, seconds first.
	if f := strings.Fields(s.Schedule); len(f) != 6 {
		bad = append(bad, fmt.Sprintf("spec.schedule %q: want six cron fields (seconds first)", s.Schedule))
	}
	bad = append(bad, oneOf("spec.backupOwnerReference", s.BackupOwnerReference, "none", "self", "cluster")...)
	bad = append(bad, oneOf("spec.method", s.Method, "barmanObjectStore", "volumeSnapshot", "plugin")...)
	if s.Method == "plugin" && (s.PluginConfiguration == nil || s.PluginConfiguration.Name == "") {
		bad = append(bad, "spec.pluginConfiguration.name: required with method plugin")
	}
	if s.Cluster.Name == "" {
		bad = append(bad, "spec.cluster.name: required")
	}
	return bad
}

func (o *barmanObjectStore) validate() []string {
	var bad []string
	s := o.Spec
	if s.RetentionPolicy != "" && !regexp.MustCompile(`^[1-9][0-9]*[dwm]$`).MatchString(s.RetentionPolicy) {
		bad = append(bad, fmt.Sprintf("spec.retentionPolicy %q: want a number of days, weeks or months (30d)", s.RetentionPolicy))
	}
	if !regexp.MustCompile(`^(s3|gs|https)://`).MatchString(s.Configuration.DestinationPath) {
		bad = append(bad, fmt.Sprintf("spec.configuration.destinationPath %q: want an object store URL", s.Configuration.DestinationPath))
	}
	for name, cc := range map[string]*compressionConfig{"wal": s.Configuration.WAL, "data": s.Configuration.Data} {
		if cc == nil {
			continue
		}
		bad = append(bad, oneOf("spec.configuration."+name+".compression", cc.Compression, "gzip", "bzip2", "snappy", "lz4", "xz", "zstd")...)
		bad = append(bad, oneOf("spec.configuration."+name+".encryption", cc.Encryption, "AES256", "aws:kms")...)
	}
	return bad
}
