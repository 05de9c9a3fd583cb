package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// bulkRows is the number of rows per multi-row INSERT: statements with
// many rows amortise the per-statement cost, which dominates in SQLite.
const bulkRows = 200

// insertRows inserts rows (flat args, cols per row) with prepared
// statements cached on the writer connection: full chunks of bulkRows rows
// in one statement, the remainder row by row. head is "INSERT INTO t(a, b)"
// or similar, tail an optional suffix such as an ON CONFLICT clause.
// Callers run in writeTx, whose transaction the statements join.
//
// The statements run on the driver connection itself (sql.Conn.Raw), with
// one reused argument slice: database/sql would convert and copy each of
// the ~45 arguments per alert of a PutAlerts batch into a new slice per
// statement, which cost ≈ 6 µs of the single writer's time per alert
// (docs/PERFORMANCE.md "Session 5").
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, head, tail string, cols int, args []any) error {
	_ = tx // the statements join tx through the connection it was begun on
	if s.wc == nil && len(args) > 0 {
		return fmt.Errorf("%s: no write transaction", head)
	}
	return s.raw.insert(ctx, s.wc, head, tail, cols, args)
}

// insert is insertRows on the connection c, whose transaction the
// statements join.
func (r *rawStmts) insert(ctx context.Context, c *sql.Conn, head, tail string, cols int, args []any) error {
	n := len(args) / cols
	if n == 0 {
		return nil
	}
	return c.Raw(func(dc any) error {
		for n > 0 {
			rows := 1
			if n >= bulkRows {
				rows = bulkRows
			}
			st, err := r.stmt(ctx, dc, bulkKey{head, tail, cols, rows})
			if err != nil {
				return fmt.Errorf("prepare %s: %w", head, err)
			}
			if err := r.exec(ctx, st, args[:cols*rows]); err != nil {
				return fmt.Errorf("%s: %w", head, err)
			}
			args = args[cols*rows:]
			n -= rows
		}
		return nil
	})
}

// rawStmts caches the bulk statements prepared on a writer's driver
// connection, and the argument slice they are executed with. Used by one
// goroutine at a time: the store's writer under wmu, or the text index's.
type rawStmts struct {
	conn  any // the driver connection the statements belong to
	stmts map[bulkKey]driver.StmtExecContext
	named []driver.NamedValue
}

// bulkKey names a bulk statement (insertSQL's arguments), so that finding
// a prepared one does not build its SQL text, kilobytes for 200 rows.
type bulkKey struct {
	head, tail string
	cols, rows int
}

// stmt returns the statement for query on the driver connection dc,
// preparing it the first time. When database/sql has replaced the
// connection (it does so only after a driver error, the pool keeping its
// one writer connection otherwise), the old statements are dropped
// without being closed: their connection is closed already, and
// finalizing a statement of a closed connection crashes the driver
// (TestPutAlertsAfterWriterReconnect).
func (r *rawStmts) stmt(ctx context.Context, dc any, k bulkKey) (driver.StmtExecContext, error) {
	if r.conn != dc {
		r.conn, r.stmts = dc, map[bulkKey]driver.StmtExecContext{}
	}
	if st, ok := r.stmts[k]; ok {
		return st, nil
	}
	pc, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot prepare with a context", dc)
	}
	ds, err := pc.PrepareContext(ctx, insertSQL(k.head, k.tail, k.cols, k.rows))
	if err != nil {
		return nil, err
	}
	st, ok := ds.(driver.StmtExecContext)
	if !ok {
		ds.Close()
		return nil, fmt.Errorf("driver statement %T cannot execute with a context", ds)
	}
	r.stmts[k] = st
	return st, nil
}

// exec runs st with args, converted as database/sql would for the types
// the store binds (integers, strings, byte slices, NULL).
func (r *rawStmts) exec(ctx context.Context, st driver.StmtExecContext, args []any) error {
	if cap(r.named) < len(args) {
		r.named = make([]driver.NamedValue, len(args))
	}
	named := r.named[:len(args)]
	for i, a := range args {
		v, err := driverValue(a)
		if err != nil {
			return fmt.Errorf("argument %d: %w", i+1, err)
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	_, err := st.ExecContext(ctx, named)
	clear(named) // the values are bound (copied) by now: keep nothing alive
	return err
}

// driverValue converts a to a driver.Value without allocating for the
// types the store uses.
func driverValue(a any) (driver.Value, error) {
	switch v := a.(type) {
	case nil, int64, string, []byte, float64, bool:
		return v, nil
	case int:
		return int64(v), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(a)
}

// close closes the cached statements. Callers hold the driver connection
// (sql.Conn.Raw) or know it is no longer used.
func (r *rawStmts) close() {
	for _, st := range r.stmts {
		if c, ok := st.(driver.Stmt); ok {
			c.Close()
		}
	}
	r.stmts = nil
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
	insertAlertsHead      = `INSERT OR FAIL INTO alerts(seq, id, hash, create_ns, start_ns, end_ns, stored_ns, updated_ns, priority, cause, analyzer_name, organisation, size, received_ns)`
	insertDocsHead        = `INSERT OR FAIL INTO alert_docs(seq, doc)`
	insertPostingsHead    = `INSERT OR FAIL INTO alert_postings(field, v, tmax, lo, tmin, n, seqs)`
	insertValueSetsHead   = `INSERT OR FAIL INTO alert_value_sets(seq, vals)`
	insertTextHead        = `INSERT INTO alert_text(rowid, body)`
	insertDeadLettersHead = `INSERT INTO dead_letters(received_ns, sender, remote_addr, reason, problems, raw, raw_size)`
	insertRollupHead      = `INSERT INTO alert_rollup(f1, f2, hour, v1, v2, n, first_ns, last_ns)`
	insertRollupTail      = `ON CONFLICT DO UPDATE SET n = n + excluded.n, first_ns = min(first_ns, excluded.first_ns), last_ns = max(last_ns, excluded.last_ns)`
)
