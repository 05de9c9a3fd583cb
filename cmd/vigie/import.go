package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/ingest"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

func newImportCmd() *cobra.Command {
	var (
		f     serveFlags
		batch int
	)
	cmd := &cobra.Command{
		Use:   "import [FILE|DIR|-]...",
		Short: "Load IDMEFv2 files (JSON, JSON lines) straight into Vigie's store",
		Long: `Load IDMEFv2 messages from files, directories or stdin into the store of a data
directory, with a progress bar: an archive, an export from another SIEM, a test set.
Each message is validated as ingest does (older drafts upgraded when
ingest.drafts.upgrade is on); refused ones go to the dead letters with the reason.
Alerts re-imported with the same ID update the stored ones.

It writes to the store directly (not through the bus): it may run while vigie serve
uses the same data directory, or without it.

Exit status: 0 when every message was imported, 1 when some were refused (they are in
the dead letters), 2 on usage errors.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := f.load(cmd)
			if err != nil {
				return err
			}
			files, err := expandInputs(args)
			if err != nil {
				return usageErrorf("%v", err)
			}
			v, err := ingest.NewValidator(ingest.ValidatorOptions{Upgrade: cfg.Ingest.Drafts.Upgrade, Lenient: cfg.Ingest.Drafts.Lenient, RequireCurrent: true})
			if err != nil {
				return err
			}
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return fmt.Errorf("data directory: %w", err)
			}
			ctx := cmd.Context()
			st, err := sqlite.Open(ctx, sqlite.Options{Path: cfg.StorePath()})
			if err != nil {
				return fmt.Errorf("open store: %w", err)
			}
			defer st.Close()
			im := &importer{st: st, batch: max(batch, 1)}
			bar := progressbar.NewOptions(len(files), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
				progressbar.OptionSetDescription("importing"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
			if !isTerminal(cmd.ErrOrStderr()) {
				bar = nil
			}
			for _, file := range files {
				r, err := openInput(file, cmd.InOrStdin())
				if err != nil {
					return usageErrorf("%v", err)
				}
				err = readMessages(file, r, func(m message) error { return im.add(ctx, v, m) })
				r.Close()
				if err != nil {
					return err
				}
				if bar != nil {
					_ = bar.Add(1)
				}
			}
			if err := im.flush(ctx); err != nil {
				return err
			}
			if bar != nil {
				_ = bar.Finish()
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d alerts imported (%d new, %d updated, %d unchanged), %d refused (see the dead letters)\n",
				im.res.Inserted+im.res.Updated+im.res.Unchanged, im.res.Inserted, im.res.Updated, im.res.Unchanged, im.refused)
			if im.refused > 0 {
				return &exitError{code: 1}
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&batch, "batch", 1000, "alerts written per transaction")
	return cmd
}

// importer batches validated alerts into the store.
type importer struct {
	st      *sqlite.Store
	batch   int
	pending []*idmefv2.Alert
	dead    []store.DeadLetter
	res     store.PutResult
	refused int
}

func (im *importer) add(ctx context.Context, v *ingest.Validator, m message) error {
	now := time.Now().UTC()
	if m.Err != nil {
		im.reject(m, "json", m.Err.Error(), nil, now)
		return im.maybeFlush(ctx)
	}
	verdict := v.Validate(ctx, m.Data)
	a, _ := verdict.Value.(*idmefv2.Alert)
	if !verdict.OK || a == nil {
		problems, _ := json.Marshal(verdict.Problems)
		im.reject(m, "invalid IDMEFv2 message", "", problems, now)
		return im.maybeFlush(ctx)
	}
	im.pending = append(im.pending, a)
	return im.maybeFlush(ctx)
}

func (im *importer) reject(m message, reason, detail string, problems json.RawMessage, at time.Time) {
	if detail != "" {
		reason += ": " + detail
	}
	im.refused++
	im.dead = append(im.dead, store.DeadLetter{ReceivedAt: at, Sender: "import:" + m.Name(true), Reason: reason, Problems: problems, Raw: m.Data, RawSize: len(m.Data)})
}

func (im *importer) maybeFlush(ctx context.Context) error {
	if len(im.pending)+len(im.dead) < im.batch {
		return nil
	}
	return im.flush(ctx)
}

func (im *importer) flush(ctx context.Context) error {
	if len(im.pending) > 0 {
		res, err := im.st.PutAlerts(ctx, im.pending)
		if err != nil {
			return fmt.Errorf("store alerts: %w", err)
		}
		im.res.Inserted += res.Inserted
		im.res.Updated += res.Updated
		im.res.Unchanged += res.Unchanged
		im.pending = im.pending[:0]
	}
	if len(im.dead) > 0 {
		if err := im.st.PutDeadLetters(ctx, im.dead); err != nil {
			return fmt.Errorf("store dead letters: %w", err)
		}
		im.dead = im.dead[:0]
	}
	return nil
}
