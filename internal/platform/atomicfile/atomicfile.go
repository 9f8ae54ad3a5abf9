// Package atomicfile replaces small files (key files, passwords, markers) so
// that a crash or a power cut leaves either the old content or the new one,
// never a torn file.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Replace writes data to path through a temporary file in the same
// directory: mode 0600, fsync, rename over path, fsync of the directory. On
// an error the temporary file is removed and path is as it was.
func Replace(path string, data []byte) error {
	return put(path, data, os.Rename)
}

// Create writes data to a new file at path as Replace does, but refuses,
// with an error that matches os.ErrExist, when path exists (the temporary
// file is linked to path, which fails for an existing name even in a race).
// For a new secret that must never overwrite an old one: a crash leaves no
// file or the whole one, never an empty or torn file that would stop the
// next start.
func Create(path string, data []byte) error {
	return put(path, data, func(tmp, path string) error {
		if err := os.Link(tmp, path); err != nil {
			return err
		}
		return os.Remove(tmp)
	})
}

// put writes data to a temporary file beside path (mode 0600, fsync) and
// moves it into place with move, then makes the directory durable.
func put(path string, data []byte, move func(tmp, path string) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // CreateTemp uses mode 0600
	if err != nil {
		return err
	}
	tmp := f.Name()
	// The umask can only narrow 0600, but make the mode exact anyway.
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = move(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

// SyncDir makes a create or rename in dir durable; without it a power cut
// can lose a freshly written file.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
