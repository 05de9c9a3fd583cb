package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/vigie-siem/vigie/internal/store"
)

// retainBatch is the number of alerts deleted per transaction, so that
// retention never holds the writer for long.
const retainBatch = 2000

// Retain implements store.Alerts. Each batch is its own transaction; after
// deleting, freed pages go back to the file system with incremental vacuum
// (the database is created with auto_vacuum = INCREMENTAL).
func (s *Store) Retain(ctx context.Context, p store.RetentionPolicy) (store.RetentionResult, error) {
	var res store.RetentionResult
	if p.Now.IsZero() {
		p.Now = s.now()
	}
	var err error
	if res.SizeBefore, err = s.usedBytes(ctx); err != nil {
		return res, fmt.Errorf("sqlite: retain: %w", err)
	}
	if p.MaxAge > 0 {
		cut := p.Now.Add(-p.MaxAge).UnixNano()
		for {
			n, err := s.deleteBatch(ctx, `SELECT seq FROM alerts WHERE create_ns < ? ORDER BY create_ns LIMIT ?`, cut, retainBatch)
			res.Deleted += n
			if err != nil {
				return res, fmt.Errorf("sqlite: retain by age: %w", err)
			}
			if n < retainBatch {
				break
			}
		}
		if err := s.exec(ctx, "retain", `DELETE FROM pending_supersessions WHERE at_ns < ?`, cut); err != nil {
			return res, fmt.Errorf("sqlite: retain: %w", err)
		}
		s.wmu.Lock()
		err = s.w.QueryRowContext(ctx, `SELECT count(*) FROM pending_supersessions`).Scan(&s.pending)
		s.wmu.Unlock()
		if err != nil {
			return res, fmt.Errorf("sqlite: retain: %w", err)
		}
	}
	if err := s.vacuum(ctx); err != nil {
		return res, err
	}
	if p.MaxBytes > 0 {
		n, err := s.retainSize(ctx, p.MaxBytes)
		res.Deleted += n
		if err != nil {
			return res, err
		}
	}
	s.metrics.deleted.Add(float64(res.Deleted))
	if err := s.repairRollup(ctx); err != nil {
		return res, err
	}
	if res.SizeAfter, err = s.usedBytes(ctx); err != nil {
		return res, fmt.Errorf("sqlite: retain: %w", err)
	}
	return res, nil
}

// retainSize deletes the oldest alerts while the file is above max,
// estimating from the average bytes per alert how many to delete.
func (s *Store) retainSize(ctx context.Context, max int64) (int, error) {
	deleted := 0
	for range 1000 {
		used, err := s.usedBytes(ctx)
		if err != nil {
			return deleted, fmt.Errorf("sqlite: retain by size: %w", err)
		}
		if used <= max {
			return deleted, nil
		}
		var count int64
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM alerts`).Scan(&count); err != nil {
			return deleted, fmt.Errorf("sqlite: retain by size: %w", err)
		}
		if count == 0 {
			return deleted, nil
		}
		perAlert := max64(1, used/count)
		want := min(retainBatch, int((used-max)/perAlert)+1)
		n, err := s.deleteBatch(ctx, `SELECT seq FROM alerts ORDER BY create_ns LIMIT ?`, want)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("sqlite: retain by size: %w", err)
		}
		if err := s.vacuum(ctx); err != nil {
			return deleted, err
		}
		if n == 0 {
			return deleted, nil
		}
	}
	return deleted, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// deleteBatch deletes the alerts that sel (a SELECT of seq) returns, with
// everything attached to them, in one transaction.
func (s *Store) deleteBatch(ctx context.Context, sel string, args ...any) (int, error) {
	var n int
	err := s.writeTx(ctx, "retain", func(ctx context.Context, tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, sel, args...)
		if err != nil {
			return err
		}
		var seqs []any
		for rs.Next() {
			var seq int64
			if err := rs.Scan(&seq); err != nil {
				rs.Close()
				return err
			}
			seqs = append(seqs, seq)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		for start := 0; start < len(seqs); start += maxInParams {
			chunk := seqs[start:min(start+maxInParams, len(seqs))]
			in := "(" + placeholders(len(chunk)) + ")"
			if err := markDirtySeqs(ctx, tx, chunk); err != nil {
				return err
			}
			if err := deletePostingEntries(ctx, tx, chunk); err != nil {
				return err
			}
			for _, q := range []string{
				`DELETE FROM alert_value_sets WHERE seq IN ` + in,
				`DELETE FROM alert_tags WHERE seq IN ` + in,
				`DELETE FROM comments WHERE seq IN ` + in,
				`DELETE FROM audit WHERE seq IN ` + in,
				`DELETE FROM alert_docs WHERE seq IN ` + in,
				`DELETE FROM alerts WHERE seq IN ` + in,
			} {
				if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
					return err
				}
			}
		}
		for _, seq := range seqs {
			s.textOps = append(s.textOps, textOp{kind: textDelete, seq: seq.(int64)})
		}
		n = len(seqs)
		// Buckets of the ID index older than every alert left are not
		// probed any more (a bucket emptied in the middle stays: a seek).
		if _, err := tx.ExecContext(ctx, `DELETE FROM alert_id_buckets
			WHERE k < coalesce((SELECT min(seq) FROM alerts) >> 15, (SELECT max(k) + 1 FROM alert_id_buckets))`); err != nil {
			return err
		}
		return nil
	})
	return n, err
}

// vacuum gives free pages back to the file system and checkpoints the
// WAL, of both databases; the text index's once it has applied the
// deletions queued so far.
func (s *Store) vacuum(ctx context.Context) error {
	if err := s.vacuumDB(ctx, s.w, &s.wmu); err != nil {
		return err
	}
	if err := s.text.sync(ctx); err != nil {
		return fmt.Errorf("sqlite: vacuum: %w", err)
	}
	// The text database's one connection is the text index's: this waits
	// for its transaction to end.
	return s.vacuumDB(ctx, s.textDB, nil)
}

// vacuumDB vacuums and checkpoints db's main schema: its attached text
// database, read-only, is not its to write.
func (s *Store) vacuumDB(ctx context.Context, db *sql.DB, mu *sync.Mutex) error {
	if mu != nil {
		mu.Lock()
		defer mu.Unlock()
	}
	if _, err := db.ExecContext(ctx, `PRAGMA main.incremental_vacuum`); err != nil {
		return fmt.Errorf("sqlite: vacuum: %w", err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA main.wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	return nil
}

// usedBytes is the size of both databases in pages, free pages excluded.
func (s *Store) usedBytes(ctx context.Context) (int64, error) {
	var total int64
	for _, schema := range []string{"main", textAttach} {
		var pages, free, size int64
		for q, dst := range map[string]*int64{`page_count`: &pages, `freelist_count`: &free, `page_size`: &size} {
			if err := s.r.QueryRowContext(ctx, `PRAGMA `+schema+`.`+q).Scan(dst); err != nil {
				return 0, err
			}
		}
		total += (pages - free) * size
	}
	return total, nil
}

// exec runs one statement in a write transaction.
func (s *Store) exec(ctx context.Context, op, q string, args ...any) error {
	return s.writeTx(ctx, op, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}
