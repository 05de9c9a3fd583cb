package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// bulkRows is the number of rows per multi-row INSERT: statements with
// many rows amortise the per-statement cost, which dominates in SQLite.
const bulkRows = 200

// insertRows inserts rows (flat args, cols per row) with cached prepared
// statements: full chunks of bulkRows rows in one statement, the remainder
// row by row. head is "INSERT INTO t(a, b)" or similar, tail an optional
// suffix such as an ON CONFLICT clause. Callers hold wmu.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, head, tail string, cols int, args []any) error {
	n := len(args) / cols
	if n == 0 {
		return nil
	}
	if n >= bulkRows {
		st, err := s.stmt(ctx, tx, insertSQL(head, tail, cols, bulkRows))
		if err != nil {
			return fmt.Errorf("prepare %s: %w", head, err)
		}
		for ; n >= bulkRows; n -= bulkRows {
			if _, err := st.ExecContext(ctx, args[:cols*bulkRows]...); err != nil {
				return fmt.Errorf("%s: %w", head, err)
			}
			args = args[cols*bulkRows:]
		}
	}
	if n == 0 {
		return nil
	}
	st, err := s.stmt(ctx, tx, insertSQL(head, tail, cols, 1))
	if err != nil {
		return fmt.Errorf("prepare %s: %w", head, err)
	}
	for ; n > 0; n-- {
		if _, err := st.ExecContext(ctx, args[:cols]...); err != nil {
			return fmt.Errorf("%s: %w", head, err)
		}
		args = args[cols:]
	}
	return nil
}

func insertSQL(head, tail string, cols, rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(" VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteString(" ")
	b.WriteString(tail)
	return b.String()
}

// placeholders returns "?,?,…" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

const (
	insertAlertsHead      = `INSERT OR FAIL INTO alerts(seq, id, hash, create_ns, start_ns, end_ns, stored_ns, updated_ns, priority, cause, analyzer_name, organisation, size)`
	insertDocsHead        = `INSERT OR FAIL INTO alert_docs(seq, doc)`
	insertValuesHead      = `INSERT OR FAIL INTO alert_values(field, v, seq, t)`
	insertTextHead        = `INSERT INTO alert_text(rowid, body)`
	insertDeadLettersHead = `INSERT INTO dead_letters(received_ns, sender, remote_addr, reason, problems, raw, raw_size)`
	insertRollupHead      = `INSERT INTO alert_rollup(f1, f2, hour, v1, v2, n, first_ns, last_ns)`
	insertRollupTail      = `ON CONFLICT DO UPDATE SET n = n + excluded.n, first_ns = min(first_ns, excluded.first_ns), last_ns = max(last_ns, excluded.last_ns)`
)
