package sqlite

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/vigie-siem/vigie/internal/store"
)

const insertEventsHead = `INSERT INTO events(id, ts_ns, received_ns, input, peer, host, app, facility, severity, message, raw, rule_id, alert_id, size)`

const insertEventTextHead = `INSERT INTO events_text(rowid, body)`

// eventOverhead is the bytes counted per event besides its text, an
// estimate of the row and index costs for retention by size.
const eventOverhead = 96

// PutEvents implements store.Events.
func (s *Store) PutEvents(ctx context.Context, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	now := s.now()
	err := s.writeTx(ctx, "put_events", func(ctx context.Context, tx *sql.Tx) error {
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM events`).Scan(&next); err != nil {
			return err
		}
		rows := make([]any, 0, len(evs)*14)
		text := make([]any, 0, len(evs)*2)
		for i, e := range evs {
			if e.Received.IsZero() {
				e.Received = now
			}
			if e.Time.IsZero() {
				e.Time = e.Received
			}
			raw := e.Raw
			if raw == nil {
				raw = []byte{}
			}
			id := next + int64(i)
			size := len(raw) + len(e.Message) + len(e.Host) + len(e.App) + len(e.Input) + len(e.Peer) + eventOverhead
			rows = append(rows, id, e.Time.UnixNano(), e.Received.UnixNano(), e.Input, e.Peer, e.Host, e.App,
				e.Facility, e.Severity, e.Message, raw, e.RuleID, e.AlertID, size)
			text = append(text, id, e.Host+" "+e.App+" "+e.Message)
		}
		if err := s.insertRows(ctx, tx, insertEventsHead, "", 14, rows); err != nil {
			return err
		}
		return s.insertRows(ctx, tx, insertEventTextHead, "", 2, text)
	})
	if err != nil {
		return fmt.Errorf("sqlite: put events: %w", err)
	}
	return nil
}

// Events implements store.Events.
func (s *Store) Events(ctx context.Context, f store.EventFilter) (store.EventPage, error) {
	limit := f.Limit
	switch {
	case limit <= 0:
		limit = 100
	case limit > 1000:
		limit = 1000
	}
	conds, args := eventFieldConds(f)
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	var text string
	if f.Text != "" {
		if text = matchAll(f.Text); text == "" {
			return store.EventPage{Events: []store.Event{}}, nil
		}
	}
	var after *walkCursor
	if f.Cursor != "" {
		ts, id, err := decodeEventCursor(f.Cursor)
		if err != nil {
			return store.EventPage{}, err
		}
		after = &walkCursor{t: ts, key: id}
	}
	page := store.EventPage{Events: make([]store.Event, 0, min(limit, 100))}
	err := s.readTx(ctx, "events", func(tx *sql.Tx) error {
		lo, hi := timeWindow(f.From, f.To)
		if a := f.Around; a != nil {
			ors, oargs, err := aroundCond(ctx, tx, a, lo, hi)
			if err != nil {
				return err
			}
			if ors == "" {
				return nil
			}
			add(ors, oargs...)
		}
		if after != nil {
			add("(ts_ns < ? OR (ts_ns = ? AND id < ?))", after.t, after.t, after.key)
		}
		q, qargs, err := eventsPageSQL(ctx, tx, text, strings.Join(conds, " AND "), args, lo, hi, after, limit+1)
		if err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, ts_ns, received_ns, input, peer, host, app, facility, severity, message, raw, rule_id, alert_id
			FROM (`+q+`) ORDER BY ts_ns DESC, id DESC`, qargs...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var e store.Event
			var ts, rcv int64
			if err := rs.Scan(&e.ID, &ts, &rcv, &e.Input, &e.Peer, &e.Host, &e.App, &e.Facility, &e.Severity, &e.Message, &e.Raw, &e.RuleID, &e.AlertID); err != nil {
				return err
			}
			e.Time, e.Received = time.Unix(0, ts).UTC(), time.Unix(0, rcv).UTC()
			page.Events = append(page.Events, e)
		}
		return rs.Err()
	})
	if err != nil {
		return store.EventPage{}, fmt.Errorf("sqlite: events: %w", err)
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		last := page.Events[limit-1]
		page.NextCursor = encodeEventCursor(last.Time.UnixNano(), last.ID)
	}
	return page, nil
}

// eventFieldConds returns the conditions of f's time range and
// host/app/input, to be joined with AND.
func eventFieldConds(f store.EventFilter) ([]string, []any) {
	conds := []string{"1"}
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if !f.From.IsZero() {
		add("ts_ns >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("ts_ns < ?", f.To.UnixNano())
	}
	if f.Host != "" {
		add("host = ?", f.Host)
	}
	if f.App != "" {
		add("app = ?", f.App)
	}
	if f.Input != "" {
		add("input = ?", f.Input)
	}
	return conds, args
}

// An event cursor is "e1.<ts_ns>.<id>" in URL-safe base64.
func encodeEventCursor(ts, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("e1." + strconv.FormatInt(ts, 10) + "." + strconv.FormatInt(id, 10)))
}

func decodeEventCursor(c string) (ts, id int64, err error) {
	bad := fmt.Errorf("cursor: %w: not a cursor of an event listing", store.ErrInvalidQuery)
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, 0, bad
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 || parts[0] != "e1" {
		return 0, 0, bad
	}
	if ts, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
		return 0, 0, bad
	}
	if id, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return 0, 0, bad
	}
	return ts, id, nil
}

// ftsPhrase quotes s as an FTS5 phrase; "" when s has no letter or digit
// (it would match nothing the tokenizer keeps). A NUL would end the FTS5
// string early (a syntax error, so a 500 for a user's search text); the
// tokenizer separates words on it anyway, so it becomes a space.
func ftsPhrase(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return ""
	}
	s = strings.ReplaceAll(s, "\x00", " ")
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// matchAll is an FTS5 query matching text with every word of q.
func matchAll(q string) string {
	var parts []string
	for _, w := range strings.Fields(q) {
		if p := ftsPhrase(w); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " AND ")
}

// matchAny is an FTS5 query matching text with any of the phrases.
func matchAny(phrases []string) string {
	var parts []string
	for _, w := range phrases {
		if p := ftsPhrase(w); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " OR ")
}

// retainEventsBatch is the events deleted per transaction.
const retainEventsBatch = 5000

// RetainEvents implements store.Events.
func (s *Store) RetainEvents(ctx context.Context, p store.EventRetention) (int, error) {
	if p.Now.IsZero() {
		p.Now = s.now()
	}
	deleted := 0
	if p.MaxAge > 0 {
		cut := p.Now.Add(-p.MaxAge).UnixNano()
		for {
			n, err := s.deleteOldestEvents(ctx, cut, retainEventsBatch)
			deleted += n
			if err != nil {
				return deleted, fmt.Errorf("sqlite: retain events by age: %w", err)
			}
			if n < retainEventsBatch {
				break
			}
		}
	}
	if p.MaxBytes > 0 {
		for range 10000 {
			var total, count int64
			if err := s.r.QueryRowContext(ctx, `SELECT coalesce(sum(size), 0), count(*) FROM events`).Scan(&total, &count); err != nil {
				return deleted, fmt.Errorf("sqlite: retain events by size: %w", err)
			}
			if total <= p.MaxBytes || count == 0 {
				break
			}
			want := min(retainEventsBatch, int((total-p.MaxBytes)/max(1, total/count))+1)
			n, err := s.deleteOldestEvents(ctx, 0, want)
			deleted += n
			if err != nil {
				return deleted, fmt.Errorf("sqlite: retain events by size: %w", err)
			}
			if n == 0 {
				break
			}
		}
	}
	return deleted, nil
}

// deleteOldestEvents deletes at most limit of the oldest events, only
// those before cut when cut is not 0.
func (s *Store) deleteOldestEvents(ctx context.Context, cut int64, limit int) (int, error) {
	sel := `SELECT id FROM events ORDER BY ts_ns, id LIMIT ?`
	args := []any{limit}
	if cut != 0 {
		sel = `SELECT id FROM events WHERE ts_ns < ? ORDER BY ts_ns, id LIMIT ?`
		args = []any{cut, limit}
	}
	var n int64
	err := s.writeTx(ctx, "retain_events", func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS doomed_events(id INTEGER PRIMARY KEY)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM doomed_events`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO doomed_events(id) `+sel, args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM events_text WHERE rowid IN (SELECT id FROM doomed_events)`); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id IN (SELECT id FROM doomed_events)`)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}
