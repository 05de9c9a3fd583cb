package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	msqlite "modernc.org/sqlite"
)

// The store's side of the free-text index (textindex.go): its database,
// the main database's connections that attach it, and what the writer
// and the searches do with it.

// openTextDB opens (creating it if need be) the text database at path.
func (s *Store) openTextDB(ctx context.Context, path string) (*sql.DB, error) {
	pageSize, err := s.create(ctx, path)
	if err != nil {
		return nil, err
	}
	autocheckpoint := fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", walCheckpointBytes/pageSize)
	db, err := sql.Open("sqlite", s.dsn(path, autocheckpoint, "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	switch version {
	case 0:
		err = inTx(ctx, db, func(tx *sql.Tx) error {
			for _, q := range textSchema {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})
	case 1:
	default:
		err = fmt.Errorf("schema version %d is newer than this Vigie's (1)", version)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// attaching returns a connector of the main database's connections with
// DSN dsn: each attaches the text database read-only as textAttach.
// Read-only matters to the writer too: BEGIN IMMEDIATE takes the write
// lock of every attached database that is not read-only, which would
// serialise the writer and the text index again.
func (s *Store) attaching(dsn string) driver.Connector {
	return &attachConnector{
		drv:   &msqlite.Driver{},
		dsn:   dsn,
		uri:   "file:" + strings.ReplaceAll(s.opts.TextPath, "%", "%25") + "?mode=ro",
		cache: s.opts.CacheBytes,
	}
}

type attachConnector struct {
	drv   driver.Driver
	dsn   string
	uri   string // the text database, read-only
	cache int64  // bytes of page cache for it
}

func (c *attachConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	ex, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite: driver connection %T cannot execute", conn)
	}
	for _, q := range []struct {
		sql  string
		args []driver.NamedValue
	}{
		{`ATTACH DATABASE ? AS ` + textAttach, []driver.NamedValue{{Ordinal: 1, Value: c.uri}}},
		{fmt.Sprintf(`PRAGMA %s.cache_size = %d`, textAttach, -c.cache/1024), nil},
	} {
		if _, err := ex.ExecContext(ctx, q.sql, q.args); err != nil {
			conn.Close()
			return nil, fmt.Errorf("sqlite: attach the free-text index: %w", err)
		}
	}
	return conn, nil
}

func (c *attachConnector) Driver() driver.Driver { return c.drv }

// startText starts the text index: it queues what the index may lack
// (textIndex.recover) and runs it.
func (s *Store) startText(ctx context.Context) error {
	var stale []int64
	rs, err := s.w.QueryContext(ctx, `SELECT seq FROM text_stale ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("sqlite: open: text_stale: %w", err)
	}
	for rs.Next() {
		var seq int64
		if err := rs.Scan(&seq); err != nil {
			rs.Close()
			return fmt.Errorf("sqlite: open: text_stale: %w", err)
		}
		stale = append(stale, seq)
	}
	if err := rs.Close(); err != nil {
		return fmt.Errorf("sqlite: open: text_stale: %w", err)
	}
	s.text = newTextIndex(s.textDB, s.log, s, s.metrics)
	ticket, err := s.text.recover(ctx, s.nextSeq, stale)
	if err != nil {
		return err
	}
	s.staleTickets = make(map[int64]int64, len(stale))
	for _, seq := range stale {
		s.staleTickets[seq] = ticket
	}
	go s.text.run(context.WithoutCancel(ctx))
	return nil
}

// queueText records the text changes of rows, written in the running
// write transaction: new alerts are indexed, changed ones re-indexed, and
// those listed in text_stale until then (cleanStale).
func (s *Store) queueText(ctx context.Context, tx *sql.Tx, inserts, updates []*alertRow) error {
	for _, r := range inserts {
		s.textOps = append(s.textOps, textOp{kind: textPut, seq: r.seq, body: r.text})
	}
	if len(updates) == 0 {
		return nil
	}
	args := make([]any, len(updates))
	for i, r := range updates {
		s.textOps = append(s.textOps, textOp{kind: textReplace, seq: r.seq, body: r.text})
		s.textStale = append(s.textStale, r.seq)
		args[i] = r.seq
	}
	for start := 0; start < len(args); start += maxInParams {
		chunk := args[start:min(start+maxInParams, len(args))]
		q := `INSERT OR IGNORE INTO text_stale(seq) VALUES ` + strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return fmt.Errorf("sqlite: put alerts: text_stale: %w", err)
		}
	}
	return nil
}

// cleanStale removes from text_stale the seqs whose new text the index
// has applied.
func (s *Store) cleanStale(ctx context.Context, tx *sql.Tx) error {
	if len(s.staleTickets) == 0 {
		return nil
	}
	var done []any
	for seq, ticket := range s.staleTickets {
		if s.text.isApplied(ticket) {
			done = append(done, seq)
		}
	}
	for start := 0; start < len(done); start += maxInParams {
		chunk := done[start:min(start+maxInParams, len(done))]
		if _, err := tx.ExecContext(ctx, `DELETE FROM text_stale WHERE seq IN (`+placeholders(len(chunk))+`)`, chunk...); err != nil {
			return fmt.Errorf("sqlite: text_stale: %w", err)
		}
	}
	for _, seq := range done {
		delete(s.staleTickets, seq.(int64))
	}
	return nil
}

// syncText makes a search with free text (w.text) see every alert written
// before it began (textIndex.sync).
func (s *Store) syncText(ctx context.Context, w *where) error {
	if !w.text {
		return nil
	}
	return s.text.sync(ctx)
}

// docsRange implements docReader.
func (s *Store) docsRange(ctx context.Context, from, to int64, limit int) ([]storedDoc, error) {
	return s.readDocs(ctx, `SELECT d.seq, d.doc, a.priority FROM alert_docs d JOIN alerts a ON a.seq = d.seq
		WHERE d.seq >= ? AND d.seq < ? ORDER BY d.seq LIMIT ?`, from, to, limit)
}

// docsIn implements docReader.
func (s *Store) docsIn(ctx context.Context, seqs []int64) ([]storedDoc, error) {
	var out []storedDoc
	for start := 0; start < len(seqs); start += maxInParams {
		chunk := seqs[start:min(start+maxInParams, len(seqs))]
		args := make([]any, len(chunk))
		for i, seq := range chunk {
			args[i] = seq
		}
		docs, err := s.readDocs(ctx, `SELECT d.seq, d.doc, a.priority FROM alert_docs d JOIN alerts a ON a.seq = d.seq
			WHERE d.seq IN (`+placeholders(len(args))+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

func (s *Store) readDocs(ctx context.Context, q string, args ...any) ([]storedDoc, error) {
	var out []storedDoc
	err := s.readTx(ctx, "read_docs", func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var d storedDoc
			if err := rs.Scan(&d.seq, &d.doc, &d.priority); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: read documents to index: %w", err)
	}
	return out, nil
}
