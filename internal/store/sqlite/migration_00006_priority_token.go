package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/vigie-siem/vigie/idmefv2"
)

// goMigrations are the schema migrations written in Go, applied by the
// goose provider in version order with the embedded migrations/*.sql.
func goMigrations() []*goose.Migration {
	m6 := goose.NewGoMigration(6, &goose.GoFunc{RunTx: reindexText(true)}, &goose.GoFunc{RunTx: reindexText(false)})
	m6.Source = "00006_priority_token.go"
	m12 := goose.NewGoMigration(12, &goose.GoFunc{RunTx: moveTextOut}, &goose.GoFunc{RunTx: moveTextBack})
	m12.Source = "00012_text_db.go"
	return []*goose.Migration{m6, m12}
}

// alertTextDDL creates alert_text as migration 00001 does.
const alertTextDDL = `CREATE VIRTUAL TABLE alert_text USING fts5(
    body, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
)`

// reindexText is migration 00006 (up: withToken) and its down: it
// rebuilds alert_text with (without) the priority token of each alert
// (priotext.go). The table is contentless, so its text cannot be read
// back: it is extracted again from the stored documents, as PutAlerts
// extracts it, in seq order, with the priority column of each alert.
// 42 s (31 s of CPU) for 1M alerts (docs/PERFORMANCE.md).
func reindexText(withToken bool) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		// main.: the store's connections attach the text database, whose
		// alert_text this must never touch (migration 00012).
		for _, q := range []string{`DROP TABLE IF EXISTS main.alert_text`, strings.Replace(alertTextDDL, "alert_text", "main.alert_text", 1)} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("reindex text: %w", err)
			}
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO main.alert_text(rowid, body) VALUES (?, ?)`)
		if err != nil {
			return fmt.Errorf("reindex text: %w", err)
		}
		defer ins.Close()
		type row struct {
			seq, priority int64
			text          string
		}
		const chunk = 2000
		rows := make([]row, 0, chunk)
		for last := int64(-1 << 63); ; {
			rows = rows[:0]
			rs, err := tx.QueryContext(ctx, `SELECT d.seq, d.doc, a.priority FROM alert_docs d JOIN alerts a ON a.seq = d.seq
				WHERE d.seq > ? ORDER BY d.seq LIMIT `+fmt.Sprint(chunk), last)
			if err != nil {
				return fmt.Errorf("reindex text: %w", err)
			}
			for rs.Next() {
				var r row
				var doc []byte
				if err := rs.Scan(&r.seq, &doc, &r.priority); err != nil {
					rs.Close()
					return fmt.Errorf("reindex text: %w", err)
				}
				a, err := idmefv2.DecodeShared(doc)
				if err != nil {
					rs.Close()
					return fmt.Errorf("reindex text: alert seq %d: %w", r.seq, err)
				}
				r.text = extractText(a)
				if withToken {
					r.text = indexedText(r.text, r.priority)
				}
				rows = append(rows, r)
			}
			if err := rs.Close(); err != nil {
				return fmt.Errorf("reindex text: %w", err)
			}
			if len(rows) == 0 {
				return nil
			}
			for _, r := range rows {
				if r.text == "" {
					continue
				}
				if _, err := ins.ExecContext(ctx, r.seq, r.text); err != nil {
					return fmt.Errorf("reindex text: alert seq %d: %w", r.seq, err)
				}
			}
			last = rows[len(rows)-1].seq
		}
	}
}
