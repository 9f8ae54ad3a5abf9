package crypto

import (
	"fmt"
	"os"
	"syscall"
)

// CheckKeyFileMode refuses a key file that other accounts on the machine
// could read, as ssh refuses a private key that is "too open": a key that
// leaked through a loose mode must not be used as if it were secret. The
// file may be readable by its owner only (0600 or 0400), with one
// exception taken from PostgreSQL's rule for its TLS key: a file owned by
// root may also be readable by its group (0640 or 0440), which is how
// Kubernetes mounts a secret for a non-root container (fsGroup). Write or
// execute bits for the group, and any bit for others, are always refused.
//
// It follows symbolic links (Kubernetes mounts secrets through them) and
// returns one line naming the file, its mode and the remedy, never its
// content. Every key file the service reads goes through it: the master
// keys and the access log's key beside them.
func CheckKeyFileMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("crypto: key file: %w", err)
	}
	mode := fi.Mode().Perm()
	if mode&0o077 == 0 {
		return nil
	}
	if mode&0o037 == 0 && ownedByRoot(fi) {
		return nil
	}
	return fmt.Errorf("crypto: key file %s has mode %04o, readable by group or others; refusing to use it (chmod 600 %s)", path, mode, path)
}

// ownedByRoot says whether the file belongs to the superuser.
func ownedByRoot(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid == 0
}
