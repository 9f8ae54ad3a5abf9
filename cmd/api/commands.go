package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/app"
	"github.com/rkc-nl/rkc/internal/audit"
	"github.com/rkc-nl/rkc/internal/config"
	"github.com/rkc-nl/rkc/internal/crypto"
	"github.com/rkc-nl/rkc/internal/notify"
	"github.com/rkc-nl/rkc/internal/platform/db"
	"github.com/rkc-nl/rkc/internal/privacy"
	"github.com/rkc-nl/rkc/internal/retention"
)

func printJSON(w io.Writer, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(w, string(b))
}

// migrateCommand brings the schema up to date and grants the application
// role its rights, always (a role declared after the last migration gets
// its rights this way). It needs only the owner's login: the migration job
// of a cluster gets no other (RKC_OWNER_DATABASE_URL, else DATABASE_URL).
func migrateCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, _ []string, _ io.Writer) error {
	url := cfg.OwnerDatabaseURL
	if url == "" {
		url = cfg.DatabaseURL
	}
	if url == "" {
		return withDB(ctx, cfg, log, func(*gorm.DB, *sql.DB) error { return nil })
	}
	gdb, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	sqlDB, _ := gdb.DB()
	return db.Migrate(ctx, sqlDB, log)
}

// keysCommand rotates and retires master keys.
func keysCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: want rotate, rewrap or retire ID")
	}
	switch args[0] {
	case "rotate", "rewrap":
		if args[0] == "rotate" {
			if cfg.MasterKeys != "" {
				return errors.New("keys rotate: the master keys come from RKC_MASTER_KEYS; put the new key first there and run keys rewrap")
			}
			id, err := crypto.AddKeyToFile(cfg.MasterKeyFile)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "new active master key %s added to %s; restart or roll every instance so they load it\n", id, cfg.MasterKeyFile)
		}
		return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
			keys, err := app.LoadKeys(cfg, log)
			if err != nil {
				return err
			}
			rep, err := privacy.Rotate(ctx, gdb, keys)
			if err != nil {
				return err
			}
			printJSON(out, rep)
			return nil
		})
	case "retire":
		if len(args) != 2 {
			return errors.New("keys retire: want the key id")
		}
		return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
			n, err := privacy.KeyInUse(ctx, gdb, args[1])
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("keys retire: %d case keys still use master key %s; run keys rewrap first", n, args[1])
			}
			if err := crypto.RetireKeyFromFile(cfg.MasterKeyFile, args[1]); err != nil {
				return err
			}
			if err := gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				return audit.Append(ctx, tx, audit.Entry{At: time.Now(), Role: "operator", Action: audit.ActionMasterRetired + ":" + args[1], Client: "rkc keys"})
			}); err != nil {
				return err
			}
			fmt.Fprintf(out, "master key %s retired\n", args[1])
			return nil
		})
	}
	return fmt.Errorf("keys: unknown subcommand %q", args[0])
}

// auditCommand checks the access log, proves an entry or prints the log's
// public key; exit code 1 when the log does not verify.
func auditCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "key":
		key, err := app.LoadLogKey(cfg, log)
		if err != nil {
			return err
		}
		// The current key first, then the earlier ones, newest first: all
		// of them verify what the log signed in their time.
		fmt.Fprintln(out, key.Public())
		earlier := key.Earlier()
		for i := len(earlier) - 1; i >= 0; i-- {
			fmt.Fprintln(out, earlier[i])
		}
		return nil
	case len(args) >= 2 && args[0] == "key" && args[1] == "rotate":
		return rotateLogKey(ctx, cfg, log, args[2:], out)
	case len(args) == 1 && args[0] == "verify":
		return withAuditLog(ctx, cfg, log, func(l *audit.Log) error {
			res, err := l.Verify(ctx)
			if err != nil {
				return err
			}
			printJSON(out, res)
			if !res.OK {
				return fmt.Errorf("access log does not verify: %s: %s", res.Problem, res.Reason)
			}
			return nil
		})
	case len(args) == 2 && args[0] == "prove":
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id < 1 {
			return errors.New("audit prove: want an entry id")
		}
		return withAuditLog(ctx, cfg, log, func(l *audit.Log) error {
			p, err := l.Prove(ctx, id)
			if err != nil {
				return err
			}
			printJSON(out, p)
			return nil
		})
	}
	return errors.New("audit: want verify, prove ID, key or key rotate [--out FILE]")
}

// withAuditLog runs fn with the access log of the configured database.
func withAuditLog(ctx context.Context, cfg *config.Config, log *slog.Logger, fn func(*audit.Log) error) error {
	return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		key, err := app.LoadLogKey(cfg, log)
		if err != nil {
			return err
		}
		return fn(audit.New(audit.Options{DB: gdb, Key: key, CheckpointFile: cfg.CheckpointFile, WitnessURL: cfg.WitnessURL, Logger: log}))
	})
}

// verifyCommand checks offline that a file (an export, a report) came from
// RKC unaltered and is on the access log: rkc verify FILE [--key PUBLIC-KEYS],
// where PUBLIC-KEYS is the output of `rkc audit key` (the current key and the
// earlier ones) or a file holding it.
func verifyCommand(_ context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	var file, pub string
	for i := 0; i < len(args); i++ {
		if v, ok := optionValue(args, &i, "--key"); ok {
			pub = v
		} else if file == "" && !strings.HasPrefix(args[i], "-") {
			file = args[i]
		} else {
			return fmt.Errorf("verify: unexpected argument %q; want FILE [--key PUBLIC-KEY]", args[i])
		}
	}
	if file == "" {
		return errors.New("verify: want FILE [--key PUBLIC-KEY]")
	}
	var trust *audit.Trust
	if pub == "" {
		key, err := app.LoadLogKey(cfg, log)
		if err != nil {
			return fmt.Errorf("verify: no public key given (--key) and %w", err)
		}
		trust = key.Trust() // the current key and the earlier ones
	} else {
		if b, err := os.ReadFile(pub); err == nil {
			pub = string(b) // --key names a file holding the keys (rkc audit key > FILE)
		}
		var err error
		if trust, err = audit.ParsePublicKeys(pub); err != nil {
			return err
		}
	}
	content, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	e, err := audit.CheckDocument(content, trust)
	if err != nil {
		return fmt.Errorf("verify: %s is NOT an unaltered file from RKC on its access log: %w", file, err)
	}
	printJSON(out, map[string]any{"ok": true, "entry_id": e.ID, "action": e.Action, "at": e.At, "log": trust.Origin()})
	return nil
}

// optionValue reads option name at args[*i], given as "name VALUE" (then it
// moves *i past the value) or as "name=VALUE".
func optionValue(args []string, i *int, name string) (string, bool) {
	if args[*i] == name && *i+1 < len(args) {
		*i++
		return args[*i], true
	}
	return strings.CutPrefix(args[*i], name+"=")
}

// retentionTerms are the configured retention terms.
func retentionTerms(cfg *config.Config) retention.Terms {
	return retention.Terms{CaseYears: cfg.RetentionYears, SignalYears: cfg.SignalRetentionYears}
}

// purgeCommand runs the retention job now.
func purgeCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	dry := false
	for _, a := range args {
		if a != "--dry-run" {
			return fmt.Errorf("purge: unknown argument %q", a)
		}
		dry = true
	}
	return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		a, err := app.Build(ctx, cfg, log, gdb, app.Options{})
		if err != nil {
			return err
		}
		rep, err := a.Retention.Purge(ctx, retentionTerms(cfg), dry)
		if err != nil {
			return err
		}
		printJSON(out, rep)
		return nil
	})
}

// purgeLock makes the scheduled purge run on one instance at a time.
const purgeLock = 0x524b43_505247 // "RKC" "PRG"

// purgeLoop runs the retention job once per interval across all instances
// (runScheduled): the first instance to tick in a round runs it, the
// others skip that round.
func purgeLoop(ctx context.Context, cfg *config.Config, log *slog.Logger, a *app.App) {
	scheduleLoop(ctx, a.DB, log, "purge", purgeLock, cfg.PurgeInterval, atFirstTick, func() {
		rep, err := a.Retention.Purge(ctx, retentionTerms(cfg), false)
		if err != nil {
			log.Error("retention purge failed", "error_type", fmt.Sprintf("%T", err))
			return
		}
		log.Info("retention purge", "cases", rep.CasesPurged, "signals", rep.SignalsPurged, "attachments", rep.AttachmentsPurged, "held_back", rep.HeldBack)
	})
}

// closeLock makes the scheduled closing of finished cases run on one
// instance at a time.
const closeLock = 0x524b43_434c53 // "RKC" "CLS"

// closeLoop closes finished cases whose period for the parties to react has
// passed (RKC_CLOSE_AFTER_DAYS), once per deadline-watch interval across all
// instances (runScheduled), trying at start and at every tick; their
// retention term runs from then on.
func closeLoop(ctx context.Context, cfg *config.Config, log *slog.Logger, a *app.App) {
	scheduleLoop(ctx, a.DB, log, "close_finished", closeLock, cfg.DeadlineWatchInterval, atStart, func() {
		if _, err := a.Cases.CloseFinished(ctx); err != nil && ctx.Err() == nil {
			log.Error("closing finished cases failed", "error_type", fmt.Sprintf("%T", err))
		}
	})
}

// deadlineLock makes the scheduled deadline watch run on one instance at a
// time (the reminders table would keep a second run from sending twice
// anyway; the lock saves the work).
const deadlineLock = 0x524b43_444c4e // "RKC" "DLN"

// deadlineLoop runs the deadline watch once per interval across all
// instances (runScheduled), trying at start and at every tick.
func deadlineLoop(ctx context.Context, cfg *config.Config, log *slog.Logger, a *app.App) {
	w := notify.NewWatch(a.DB, log)
	scheduleLoop(ctx, a.DB, log, "deadline_watch", deadlineLock, cfg.DeadlineWatchInterval, atStart, func() {
		if _, err := w.Run(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("deadline watch failed", "error_type", fmt.Sprintf("%T", err))
		}
	})
}

// deadlinesCommand runs the deadline watch now. The reminders it enqueues
// are delivered by the outbox worker of a serving instance.
func deadlinesCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "check" {
		return errors.New("deadlines: want check")
	}
	return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		rep, err := notify.NewWatch(gdb, log).Run(ctx, time.Now())
		if err != nil {
			return err
		}
		printJSON(out, rep)
		return nil
	})
}

// outboxCommand shows the dead messages or puts them back in the queue.
func outboxCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 || (args[0] != "dead" && args[0] != "retry-dead") {
		return errors.New("outbox: want dead or retry-dead")
	}
	return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		ob := notify.NewOutbox(gdb)
		if args[0] == "dead" {
			n, err := ob.DeadCount(ctx)
			if err != nil {
				return err
			}
			printJSON(out, map[string]int64{"dead": n})
			return nil
		}
		n, err := ob.RetryDead(ctx)
		if err != nil {
			return err
		}
		printJSON(out, map[string]int64{"requeued": n})
		return nil
	})
}
