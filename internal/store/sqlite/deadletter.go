package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// PutDeadLetters implements store.DeadLetters.
func (s *Store) PutDeadLetters(ctx context.Context, dls []store.DeadLetter) error {
	if len(dls) == 0 {
		return nil
	}
	now := s.now()
	args := make([]any, 0, len(dls)*7)
	for _, d := range dls {
		if d.ReceivedAt.IsZero() {
			d.ReceivedAt = now
		}
		if d.RawSize == 0 {
			d.RawSize = len(d.Raw)
		}
		raw := d.Raw
		if len(raw) > s.opts.MaxDeadLetterBytes {
			raw = raw[:s.opts.MaxDeadLetterBytes]
		}
		if raw == nil {
			raw = []byte{}
		}
		var problems any
		if len(d.Problems) > 0 {
			problems = string(d.Problems)
		}
		args = append(args, d.ReceivedAt.UnixNano(), d.Sender, d.RemoteAddr, d.Reason, problems, raw, d.RawSize)
	}
	err := s.writeTx(ctx, "put_dead_letters", func(ctx context.Context, tx *sql.Tx) error {
		return s.insertRows(ctx, tx, insertDeadLettersHead, "", 7, args)
	})
	if err != nil {
		return fmt.Errorf("sqlite: put dead letters: %w", err)
	}
	return nil
}

func deadLetterWhere(f store.DeadLetterFilter, paging bool) (string, []any) {
	conds := []string{"1"}
	var args []any
	add := func(c string, a any) { conds = append(conds, c); args = append(args, a) }
	if !f.From.IsZero() {
		add("received_ns >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("received_ns < ?", f.To.UnixNano())
	}
	if f.Sender != "" {
		add("sender = ?", f.Sender)
	}
	if f.Reason != "" {
		add("reason = ?", f.Reason)
	}
	if paging && f.Before > 0 {
		add("id < ?", f.Before)
	}
	return strings.Join(conds, " AND "), args
}

// DeadLetters implements store.DeadLetters.
func (s *Store) DeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]store.DeadLetter, error) {
	cond, args := deadLetterWhere(f, true)
	var out []store.DeadLetter
	err := s.readTx(ctx, "dead_letters", func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT id, received_ns, sender, remote_addr, reason, coalesce(problems, ''), raw, raw_size
			FROM dead_letters WHERE `+cond+` ORDER BY id DESC LIMIT ?`, append(args, clampLimit(f.Limit, 50, 1000))...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var d store.DeadLetter
			var at int64
			var problems string
			if err := rs.Scan(&d.ID, &at, &d.Sender, &d.RemoteAddr, &d.Reason, &problems, &d.Raw, &d.RawSize); err != nil {
				return err
			}
			d.ReceivedAt = unixNS(at)
			if problems != "" {
				d.Problems = []byte(problems)
			}
			out = append(out, d)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: dead letters: %w", err)
	}
	return out, nil
}

// CountDeadLetters implements store.DeadLetters.
func (s *Store) CountDeadLetters(ctx context.Context, f store.DeadLetterFilter) (int, error) {
	cond, args := deadLetterWhere(f, false)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters WHERE `+cond, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count dead letters: %w", err)
	}
	return n, nil
}

// DeleteDeadLetters implements store.DeadLetters.
func (s *Store) DeleteDeadLetters(ctx context.Context, ids []int64) (int, error) {
	var n int64
	err := s.writeTx(ctx, "delete_dead_letters", func(ctx context.Context, tx *sql.Tx) error {
		for start := 0; start < len(ids); start += maxInParams {
			chunk := ids[start:min(start+maxInParams, len(ids))]
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM dead_letters WHERE id IN (`+placeholders(len(args))+`)`, args...)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete dead letters: %w", err)
	}
	return int(n), nil
}

// PruneDeadLetters implements store.DeadLetters.
func (s *Store) PruneDeadLetters(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.writeTx(ctx, "prune_dead_letters", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM dead_letters WHERE received_ns < ?`, before.UnixNano())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune dead letters: %w", err)
	}
	return int(n), nil
}
