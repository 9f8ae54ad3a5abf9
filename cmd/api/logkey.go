package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/app"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/config"
)

// rotateLogKey runs `rkc audit key rotate [--out FILE]`: a new log signing
// key takes over from the current one (audit.Log.RotateKey). The new keyring
// (the new private key and every earlier public key) replaces the key file,
// or, with --out, goes to FILE for the operator's secret store; it is written
// before the database is touched, so a failed write changes nothing. The
// endorsement of the new public key (the key with the old key's signed
// proof) is written next to it for publication.
func rotateLogKey(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	var dest string
	for i := 0; i < len(args); i++ {
		v, ok := optionValue(args, &i, "--out")
		if !ok {
			return fmt.Errorf("audit key rotate: unexpected argument %q; want [--out FILE]", args[i])
		}
		dest = v
	}
	if dest == "" && cfg.LogKey != "" {
		return errors.New("audit key rotate: the log key comes from RKC_LOG_SIGNING_KEY; give --out FILE to write the new keyring there, then put it in that secret and restart the instances")
	}
	key, err := app.LoadLogKey(cfg, log)
	if err != nil {
		return err
	}
	next, err := key.Rotated()
	if err != nil {
		return err
	}
	// The keyring goes to dest, or first next to the key file and over it
	// once the handover is signed.
	pending := dest
	if dest == "" {
		dest, pending = cfg.LogKeyFile, cfg.LogKeyFile+".next"
	}
	if err := writeNewFile(pending, next.Keyring(), 0o600); err != nil {
		return fmt.Errorf("audit key rotate: %w", err)
	}
	var rot *audit.Rotation
	err = withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		l := audit.New(audit.Options{DB: gdb, Key: key, CheckpointFile: cfg.CheckpointFile, WitnessURL: cfg.WitnessURL, Logger: log})
		rot, err = l.RotateKey(ctx, next, "rkc audit")
		return err
	})
	if err != nil {
		os.Remove(pending) // the old key stays the log's key
		return fmt.Errorf("audit key rotate: %w", err)
	}
	if pending != dest {
		if err := os.Rename(pending, dest); err != nil {
			return fmt.Errorf("audit key rotate: the new key signed the handover but is still in %s: move it over %s before starting the service: %w", pending, dest, err)
		}
	}
	endorsement := filepath.Join(filepath.Dir(dest), fmt.Sprintf("log-key-%08x.endorsement", next.Verifier().KeyHash()))
	if err := os.WriteFile(endorsement, rot.Endorsement, 0o644); err != nil {
		return fmt.Errorf("audit key rotate: the key rotated, but its endorsement was not written: %w", err)
	}
	printJSON(out, struct {
		*audit.Rotation
		Keyring         string `json:"keyring_file"`
		EndorsementFile string `json:"endorsement_file"`
		Next            string `json:"next"`
	}{rot, dest, endorsement, "start or restart every instance with the new keyring; publish the new public key (rkc audit key) with the endorsement; keep the earlier public keys published"})
	return nil
}

// writeNewFile creates path with content and mode, refusing to overwrite a
// file, and syncs it.
func writeNewFile(path, content string, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
