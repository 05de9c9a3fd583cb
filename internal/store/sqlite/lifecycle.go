package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/vigie-siem/vigie/internal/store"
)

// maxBulk bounds the alerts of one UpdateAlerts call.
const maxBulk = 10000

type lifecycleRow struct {
	seq      int64
	id       string
	state    store.State
	assignee string
}

// UpdateAlerts implements store.LifecycleStore.
func (s *Store) UpdateAlerts(ctx context.Context, ids []string, ch store.Change, actor string) (store.UpdateResult, error) {
	var res store.UpdateResult
	if err := checkChange(ids, ch, actor); err != nil {
		return res, fmt.Errorf("sqlite: update alerts: %w", err)
	}
	err := s.writeTx(ctx, "update_alerts", func(ctx context.Context, tx *sql.Tx) error {
		res = store.UpdateResult{}
		rows, err := lifecycleRows(ctx, tx, ids)
		if err != nil {
			return err
		}
		if ch.State != nil {
			for _, r := range rows {
				if err := store.CheckTransition(r.state, *ch.State); err != nil {
					return fmt.Errorf("sqlite: update alerts: alert %s: %w", r.id, err)
				}
			}
		}
		now := s.now().UnixNano()
		for _, r := range rows {
			n, err := applyChange(ctx, tx, r, ch, actor, now)
			if err != nil {
				return fmt.Errorf("sqlite: update alerts: alert %s: %w", r.id, err)
			}
			if n > 0 {
				res.Changed++
			} else {
				res.Unchanged++
			}
		}
		return nil
	})
	return res, err
}

func checkChange(ids []string, ch store.Change, actor string) error {
	if len(ids) == 0 || len(ids) > maxBulk {
		return fmt.Errorf("%w: want 1 to %d alert IDs, got %d", store.ErrInvalid, maxBulk, len(ids))
	}
	if strings.TrimSpace(actor) == "" {
		return fmt.Errorf("%w: empty actor", store.ErrInvalid)
	}
	if ch.State != nil && !ch.State.Valid() {
		return fmt.Errorf("%w: state %q (want one of %v)", store.ErrInvalid, *ch.State, store.States())
	}
	for _, t := range slices.Concat(ch.AddTags, ch.RemoveTags) {
		if err := checkTag(t); err != nil {
			return err
		}
	}
	if len(ch.Comment) > 64<<10 {
		return fmt.Errorf("%w: comment longer than 64 KiB", store.ErrInvalid)
	}
	return nil
}

func checkTag(t string) error {
	if t == "" || len(t) > 100 || strings.TrimSpace(t) != t || strings.IndexFunc(t, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: tag %q: want 1 to 100 characters, no control characters or surrounding spaces", store.ErrInvalid, t)
	}
	return nil
}

func lifecycleRows(ctx context.Context, tx *sql.Tx, ids []string) ([]lifecycleRow, error) {
	byID := map[string]lifecycleRow{}
	for start := 0; start < len(ids); start += maxInParams {
		chunk := ids[start:min(start+maxInParams, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rs, err := tx.QueryContext(ctx, lifecycleRowsSQL(len(args)), args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: update alerts: %w", err)
		}
		for rs.Next() {
			var r lifecycleRow
			if err := rs.Scan(&r.seq, &r.id, &r.state, &r.assignee); err != nil {
				rs.Close()
				return nil, fmt.Errorf("sqlite: update alerts: %w", err)
			}
			byID[r.id] = r
		}
		if err := rs.Close(); err != nil {
			return nil, fmt.Errorf("sqlite: update alerts: %w", err)
		}
	}
	out := make([]lifecycleRow, 0, len(byID))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("sqlite: update alerts: alert %q: %w", id, store.ErrNotFound)
		}
		if !slices.ContainsFunc(out, func(o lifecycleRow) bool { return o.seq == r.seq }) {
			out = append(out, r)
		}
	}
	return out, nil
}

// applyChange applies ch to one alert and returns the number of effective
// changes, each written to the audit trail.
func applyChange(ctx context.Context, tx *sql.Tx, r lifecycleRow, ch store.Change, actor string, now int64) (int, error) {
	n := 0
	audit := func(field, old, new string) error {
		n++
		_, err := tx.ExecContext(ctx, `INSERT INTO audit(seq, alert_id, actor, at_ns, field, old, new) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.seq, r.id, actor, now, field, nullString(old), nullString(new))
		return err
	}
	if ch.State != nil && *ch.State != r.state {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET state = ? WHERE seq = ?`, string(*ch.State), r.seq); err != nil {
			return n, err
		}
		if err := audit("state", string(r.state), string(*ch.State)); err != nil {
			return n, err
		}
	}
	if ch.Assignee != nil && *ch.Assignee != r.assignee {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET assignee = ? WHERE seq = ?`, nullString(*ch.Assignee), r.seq); err != nil {
			return n, err
		}
		if err := audit("assignee", r.assignee, *ch.Assignee); err != nil {
			return n, err
		}
	}
	for _, t := range ch.AddTags {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alert_tags(tag, seq) VALUES (?, ?)`, t, r.seq)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			if err := audit("tag", "", t); err != nil {
				return n, err
			}
		}
	}
	for _, t := range ch.RemoveTags {
		res, err := tx.ExecContext(ctx, `DELETE FROM alert_tags WHERE tag = ? AND seq = ?`, t, r.seq)
		if err != nil {
			return n, err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			if err := audit("tag", t, ""); err != nil {
				return n, err
			}
		}
	}
	if ch.Comment != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO comments(seq, alert_id, author, at_ns, body) VALUES (?, ?, ?, ?, ?)`,
			r.seq, r.id, actor, now, ch.Comment); err != nil {
			return n, err
		}
		if err := audit("comment", "", ch.Comment); err != nil {
			return n, err
		}
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET changed_ns = ? WHERE seq = ?`, now, r.seq); err != nil {
			return n, err
		}
	}
	return n, nil
}

// alertSeq returns the seq of an alert ID, or ErrNotFound.
func alertSeq(ctx context.Context, tx *sql.Tx, id string) (int64, error) {
	var seq int64
	err := tx.QueryRowContext(ctx, seqByIDSQL, id).Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, fmt.Errorf("alert %q: %w", id, store.ErrNotFound)
	}
	return seq, err
}

// Comments implements store.LifecycleStore.
func (s *Store) Comments(ctx context.Context, alertID string) ([]store.Comment, error) {
	var out []store.Comment
	err := s.readTx(ctx, "comments", func(tx *sql.Tx) error {
		seq, err := alertSeq(ctx, tx, alertID)
		if err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, alert_id, author, at_ns, body FROM comments WHERE seq = ? ORDER BY id`, seq)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var c store.Comment
			var at int64
			if err := rs.Scan(&c.ID, &c.AlertID, &c.Author, &at, &c.Body); err != nil {
				return err
			}
			c.At = unixNS(at)
			out = append(out, c)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: comments: %w", err)
	}
	return out, nil
}

// Audit implements store.LifecycleStore.
func (s *Store) Audit(ctx context.Context, alertID string) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	err := s.readTx(ctx, "audit", func(tx *sql.Tx) error {
		seq, err := alertSeq(ctx, tx, alertID)
		if err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, alert_id, actor, at_ns, field, coalesce(old, ''), coalesce(new, '') FROM audit WHERE seq = ? ORDER BY id`, seq)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var e store.AuditEntry
			var at int64
			if err := rs.Scan(&e.ID, &e.AlertID, &e.Actor, &at, &e.Field, &e.Old, &e.New); err != nil {
				return err
			}
			e.At = unixNS(at)
			out = append(out, e)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: audit: %w", err)
	}
	return out, nil
}
