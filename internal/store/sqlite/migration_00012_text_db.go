package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// moveTextOut is migration 00012: the free-text index leaves the main
// database for a database of its own (textindex.go). Up drops the main
// database's alert_text, which the text index then builds again from the
// stored documents (textIndex.recover: its through starts at 1), in the
// background, while Vigie runs; free-text searches wait for it, 30 s at
// most. It adds text_stale, the alerts whose changed content the text
// index has yet to apply. Down builds main.alert_text again from the
// documents, as migration 00006 does.
func moveTextOut(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{
		`DROP TABLE main.alert_text`,
		`CREATE TABLE main.text_stale (seq INTEGER PRIMARY KEY)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("move the free-text index out: %w", err)
		}
	}
	return nil
}

func moveTextBack(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DROP TABLE main.text_stale`); err != nil {
		return fmt.Errorf("move the free-text index back: %w", err)
	}
	return reindexText(true)(ctx, tx)
}
