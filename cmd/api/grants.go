package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/rkc-nl/rkc/internal/accounts"
	"github.com/rkc-nl/rkc/internal/config"
)

// grantsCommand lists open role requests and confirms one as the operator:
// the second person for the first admin's first colleague (four eyes,
// accounts/foureyes.go), when nobody in RKC can confirm it.
func grantsCommand(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "confirm") || (args[0] == "confirm") != (len(args) == 2) {
		return errors.New("grants: want list, or confirm ID")
	}
	return withDB(ctx, cfg, log, func(gdb *gorm.DB, _ *sql.DB) error {
		acc := accounts.NewService(gdb, log, cfg.SessionTTL)
		if args[0] == "list" {
			list, err := acc.OpenGrantRequests(ctx)
			if err != nil {
				return err
			}
			printJSON(out, list)
			return nil
		}
		id, err := uuid.Parse(args[1])
		if err != nil {
			return errors.New("grants confirm: want the request's id")
		}
		return acc.ConfirmByOperator(ctx, id)
	})
}
