package pgserver

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// DefaultClusterRoot is where Start places a cluster that PostgreSQL's user
// could not reach in the data folder (Options.ClusterRoot). It follows the
// Filesystem Hierarchy Standard's place for a program's state, beside
// /var/lib/postgresql of the distribution's own clusters.
const DefaultClusterRoot = "/var/lib/rkc"

// clusterDir returns the directory that holds the cluster of dataDir.
//
// Usually that is dataDir itself. A symbolic link at dataDir is followed:
// it is how an earlier start recorded a cluster it placed elsewhere, and an
// operator may set one up the same way. As root PostgreSQL runs as the
// postgres user, who cannot pass a 0700 directory above dataDir (a checkout
// under /root is the common case). Rather than loosen that directory, a new
// cluster then goes into a fresh directory under root, and dataDir becomes
// a link to it, so that the data folder still says where its database is
// and every later start (and Attach) finds it. The directory name is random:
// a data folder removed to start afresh gets a new cluster, never the old
// one, whose keys went with the folder.
//
// An existing dataDir that is no link is left where it is; prepareDataDir
// reports it if it is unreachable.
func clusterDir(dataDir, root string, acct account, log *slog.Logger) (string, error) {
	if target := followLink(dataDir); target != dataDir {
		return target, nil
	}
	if acct.cred == nil {
		return dataDir, nil
	}
	if _, err := os.Lstat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		return dataDir, nil
	}
	d, mode, ok := blocker(dataDir, acct)
	if ok {
		return dataDir, nil
	}
	if root == "" {
		root = DefaultClusterRoot
	}
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("pgserver: PostgreSQL runs as the postgres user, which cannot reach %s (%s has mode %#o), and no cluster directory could be made in %s instead (%v); choose a data folder the postgres user can reach", dataDir, d, mode, root, err)
	}
	created, err := mkdirAll(root)
	if err != nil {
		return fail(err)
	}
	for _, dir := range created {
		if err := os.Chmod(dir, 0o755); err != nil {
			return fail(err)
		}
	}
	if rd, rmode, ok := blocker(filepath.Join(root, "pgdata"), acct); !ok {
		return fail(fmt.Errorf("%s has mode %#o", rd, rmode))
	}
	target, err := os.MkdirTemp(root, "pgdata-")
	if err != nil {
		return fail(err)
	}
	if _, err := mkdirAll(filepath.Dir(dataDir)); err != nil {
		os.Remove(target)
		return "", err
	}
	if err := os.Symlink(target, dataDir); err != nil {
		os.Remove(target)
		return "", fmt.Errorf("pgserver: recording the cluster directory: %w", err)
	}
	log.Info("the postgres user cannot reach the data folder; the cluster lives in a directory it can reach, linked from the data folder",
		"data_dir", dataDir, "cluster_dir", target, "blocked_by", d)
	return target, nil
}

// followLink returns the target of dataDir when it is a symbolic link, and
// dataDir otherwise.
func followLink(dataDir string) string {
	target, err := os.Readlink(dataDir)
	if err != nil {
		return dataDir
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(dataDir), target)
	}
	return target
}
