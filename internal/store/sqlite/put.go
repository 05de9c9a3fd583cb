package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// maxInParams bounds the parameters of one "IN (…)" lookup.
const maxInParams = 500

// PutAlerts implements store.Alerts.
func (s *Store) PutAlerts(ctx context.Context, alerts []*idmefv2.Alert) (store.PutResult, error) {
	in := make([]store.Incoming, len(alerts))
	for i, a := range alerts {
		in[i].Alert = a
	}
	return s.PutIncoming(ctx, in)
}

// PutIncoming is PutAlerts for alerts that may come with their encoding,
// which saves encoding them again, and with the time Vigie received them,
// which orders the contents of a re-sent ID (store.Incoming).
func (s *Store) PutIncoming(ctx context.Context, in []store.Incoming) (store.PutResult, error) {
	var res store.PutResult
	rows, err := prepareRows(in)
	if err != nil {
		return res, err
	}
	if len(rows) == 0 {
		return res, nil
	}
	err = s.writeTx(ctx, "put_alerts", func(ctx context.Context, tx *sql.Tx) error {
		res = store.PutResult{}
		return s.putRows(ctx, tx, rows, &res)
	})
	if err != nil {
		return store.PutResult{}, err
	}
	s.metrics.written.WithLabelValues("inserted").Add(float64(res.Inserted))
	s.metrics.written.WithLabelValues("updated").Add(float64(res.Updated))
	s.metrics.written.WithLabelValues("unchanged").Add(float64(res.Unchanged))
	s.metrics.written.WithLabelValues("stale").Add(float64(res.Stale))
	return res, nil
}

// prepareRows encodes (unless the encoding came with it) and extracts each
// alert; of several with one ID the one received last wins, the last one
// in the batch on a tie.
func prepareRows(in []store.Incoming) ([]alertRow, error) {
	last := make(map[string]int, len(in))
	for i, e := range in {
		a := e.Alert
		if a == nil {
			return nil, fmt.Errorf("sqlite: put alerts: alert %d is nil: %w", i, store.ErrInvalid)
		}
		if a.ID == "" {
			return nil, fmt.Errorf("sqlite: put alerts: alert %d has no ID: %w", i, store.ErrInvalid)
		}
		if j, ok := last[a.ID]; !ok || !in[j].Received.After(e.Received) {
			last[a.ID] = i
		}
	}
	rows := make([]alertRow, 0, len(last))
	for i, e := range in {
		if last[e.Alert.ID] != i {
			continue
		}
		r, err := newAlertRow(e.Alert, e.Doc)
		if err != nil {
			return nil, fmt.Errorf("sqlite: put alerts: alert %s: %w: %w", e.Alert.ID, store.ErrInvalid, err)
		}
		if !e.Received.IsZero() {
			r.receivedNS = e.Received.UnixNano()
		}
		rows = append(rows, r)
	}
	return rows, nil
}

type existing struct {
	seq        int64
	hash       int64
	createNS   int64
	receivedNS int64 // 0: unknown
}

func (s *Store) putRows(ctx context.Context, tx *sql.Tx, rows []alertRow, res *store.PutResult) error {
	now := s.now().UnixNano()
	if err := s.cleanStale(ctx, tx); err != nil {
		return fmt.Errorf("sqlite: put alerts: %w", err)
	}
	known, err := s.lookupIDs(ctx, tx, rows)
	if err != nil {
		return err
	}
	seq := s.nextSeq
	var inserts, updates []*alertRow
	for i := range rows {
		r := &rows[i]
		if r.receivedNS == 0 {
			r.receivedNS = now // received when stored
		}
		ex, ok := known[r.alert.ID]
		switch {
		case !ok:
			r.seq = seq
			seq++
			inserts = append(inserts, r)
		case ex.hash == r.hash:
			r.seq, r.unchanged = ex.seq, true
			res.Unchanged++
		case r.receivedNS < ex.receivedNS:
			// Older content than the stored one, arriving late.
			r.seq, r.unchanged = ex.seq, true
			res.Stale++
		default:
			r.seq, r.isUpdate = ex.seq, true
			updates = append(updates, r)
			// The rollup of both hours is recomputed (Retain).
			if err := markDirty(ctx, tx, ex.createNS, r.createNS); err != nil {
				return fmt.Errorf("sqlite: put alerts: %w", err)
			}
		}
	}
	if err := s.insertAlerts(ctx, tx, inserts, now); err != nil {
		return err
	}
	if err := addIDBuckets(ctx, tx, s.nextSeq, seq); err != nil {
		return fmt.Errorf("sqlite: put alerts: %w", err)
	}
	// Added before the commit: if it fails, the filter only holds IDs that
	// are not stored, which costs a lookup when they come again.
	for _, r := range inserts {
		s.ids.addString(r.alert.ID)
	}
	if err := s.updateAlerts(ctx, tx, updates, now); err != nil {
		return err
	}
	changed := slices.Concat(inserts, updates)
	if err := s.insertIndexes(ctx, tx, changed); err != nil {
		return err
	}
	if err := s.queueText(ctx, tx, inserts, updates); err != nil {
		return err
	}
	if err := s.rollUp(ctx, tx, inserts); err != nil {
		return err
	}
	if err := s.supersede(ctx, tx, rows, inserts, now); err != nil {
		return err
	}
	if err := s.touchSensors(ctx, tx, rows, now); err != nil {
		return err
	}
	res.Inserted, res.Updated = len(inserts), len(updates)
	s.nextSeq = seq // only reached when every statement succeeded; commit failure leaves a gap, which is harmless
	return nil
}

// lookupIDs returns the stored alerts among the IDs of rows. Only the IDs
// that the filter of stored IDs cannot rule out are looked up: for a batch
// of new alerts, about 1 % of them (all of them while the filter loads).
func (s *Store) lookupIDs(ctx context.Context, tx *sql.Tx, rows []alertRow) (map[string]existing, error) {
	var args []any
	for i := range rows {
		if id := rows[i].alert.ID; !s.idsLoaded || s.ids.mayContain(id) {
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return nil, nil
	}
	known := map[string]existing{}
	for start := 0; start < len(args); start += maxInParams {
		chunk := args[start:min(start+maxInParams, len(args))]
		q := lookupIDsSQL(len(chunk))
		rs, err := tx.QueryContext(ctx, q, chunk...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: put alerts: look up IDs: %w", err)
		}
		for rs.Next() {
			var id string
			var e existing
			if err := rs.Scan(&id, &e.seq, &e.hash, &e.createNS, &e.receivedNS); err != nil {
				rs.Close()
				return nil, fmt.Errorf("sqlite: put alerts: look up IDs: %w", err)
			}
			known[id] = e
		}
		if err := rs.Close(); err != nil {
			return nil, fmt.Errorf("sqlite: put alerts: look up IDs: %w", err)
		}
	}
	return known, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Store) insertAlerts(ctx context.Context, tx *sql.Tx, rows []*alertRow, now int64) error {
	const cols = 14
	args := make([]any, 0, len(rows)*cols)
	docs := make([]any, 0, len(rows)*2)
	nowArg := any(now) // boxed once, not twice per alert
	for _, r := range rows {
		a := r.alert
		seq := any(r.seq)
		args = append(args, seq, a.ID, r.hash, r.createNS, r.startNS, r.endNS, nowArg, nowArg,
			r.priority, nullString(string(a.Cause)), a.Analyzer.Name, nullString(a.OrganisationName), int64(len(r.doc)), r.receivedNS)
		docs = append(docs, seq, r.doc)
	}
	if err := s.insertRows(ctx, tx, insertAlertsHead, "", cols, args); err != nil {
		return fmt.Errorf("sqlite: put alerts: %w", err)
	}
	if err := s.insertRows(ctx, tx, insertDocsHead, "", 2, docs); err != nil {
		return fmt.Errorf("sqlite: put alerts: %w", err)
	}
	return nil
}

// updateAlerts replaces the content of re-sent alerts, keeping their
// lifecycle columns; their old indexed values are removed here and written
// again by insertIndexes, and their text replaced by the text index
// (queueText).
func (s *Store) updateAlerts(ctx context.Context, tx *sql.Tx, rows []*alertRow, now int64) error {
	if len(rows) == 0 {
		return nil
	}
	// The old postings are found from the old value sets and CreateTimes:
	// before the alert rows change.
	seqs := make([]any, len(rows))
	for i, r := range rows {
		seqs[i] = r.seq
	}
	if err := deletePostingEntries(ctx, tx, seqs); err != nil {
		return fmt.Errorf("sqlite: put alerts: update: %w", err)
	}
	for _, r := range rows {
		a := r.alert
		if _, err := tx.ExecContext(ctx, `DELETE FROM alert_value_sets WHERE seq = ?`, r.seq); err != nil {
			return fmt.Errorf("sqlite: put alerts: update %s: %w", a.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET hash = ?, create_ns = ?, start_ns = ?, end_ns = ?, updated_ns = ?,
			priority = ?, cause = ?, analyzer_name = ?, organisation = ?, size = ?, received_ns = ? WHERE seq = ?`,
			r.hash, r.createNS, r.startNS, r.endNS, now, r.priority, nullString(string(a.Cause)),
			a.Analyzer.Name, nullString(a.OrganisationName), len(r.doc), r.receivedNS, r.seq); err != nil {
			return fmt.Errorf("sqlite: put alerts: update %s: %w", a.ID, err)
		}
		for _, q := range []string{
			`UPDATE alert_docs SET doc = ? WHERE seq = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, r.doc, r.seq); err != nil {
				return fmt.Errorf("sqlite: put alerts: update %s: %w", a.ID, err)
			}
		}
	}
	return nil
}

func (s *Store) insertIndexes(ctx context.Context, tx *sql.Tx, rows []*alertRow) error {
	sets := make([]any, 0, 2*len(rows))
	for _, r := range rows {
		if len(r.valueSet) > 0 {
			sets = append(sets, r.seq, r.valueSet)
		}
	}
	if err := s.insertPostings(ctx, tx, rows); err != nil {
		return fmt.Errorf("sqlite: put alerts: %w", err)
	}
	if err := s.insertRows(ctx, tx, insertValueSetsHead, "", 2, sets); err != nil {
		return fmt.Errorf("sqlite: put alerts: %w", err)
	}
	return nil
}

// supersede applies the PredIDs of the batch, remembers those whose
// predecessor is unknown, and applies remembered ones to the new alerts.
func (s *Store) supersede(ctx context.Context, tx *sql.Tx, rows []alertRow, inserts []*alertRow, now int64) error {
	for i := range rows {
		r := &rows[i]
		if r.unchanged {
			continue
		}
		for _, pred := range r.alert.PredID {
			if pred == r.alert.ID {
				continue
			}
			n, err := markSuperseded(ctx, tx, pred, r.alert.ID, now)
			if err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO pending_supersessions(pred_id, by_id, at_ns) VALUES (?, ?, ?)`, pred, r.alert.ID, now)
			if err != nil {
				return fmt.Errorf("sqlite: put alerts: remember PredID %s: %w", pred, err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				s.pending++
			}
		}
	}
	if s.pending == 0 || len(inserts) == 0 {
		return nil
	}
	return s.applyPending(ctx, tx, inserts, now)
}

func markSuperseded(ctx context.Context, tx *sql.Tx, pred, by string, now int64) (int64, error) {
	res, err := tx.ExecContext(ctx, supersedeByIDSQL, by, now, pred)
	if err != nil {
		return 0, fmt.Errorf("sqlite: put alerts: supersede %s: %w", pred, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: put alerts: supersede %s: %w", pred, err)
	}
	return n, nil
}

func (s *Store) applyPending(ctx context.Context, tx *sql.Tx, inserts []*alertRow, now int64) error {
	type pair struct{ pred, by string }
	var found []pair
	for start := 0; start < len(inserts); start += maxInParams {
		chunk := inserts[start:min(start+maxInParams, len(inserts))]
		args := make([]any, len(chunk))
		for i, r := range chunk {
			args[i] = r.alert.ID
		}
		rs, err := tx.QueryContext(ctx, `SELECT pred_id, by_id FROM pending_supersessions WHERE pred_id IN (`+placeholders(len(args))+`) ORDER BY at_ns`, args...)
		if err != nil {
			return fmt.Errorf("sqlite: put alerts: pending supersessions: %w", err)
		}
		for rs.Next() {
			var p pair
			if err := rs.Scan(&p.pred, &p.by); err != nil {
				rs.Close()
				return fmt.Errorf("sqlite: put alerts: pending supersessions: %w", err)
			}
			found = append(found, p)
		}
		if err := rs.Close(); err != nil {
			return fmt.Errorf("sqlite: put alerts: pending supersessions: %w", err)
		}
	}
	for _, p := range found {
		if _, err := markSuperseded(ctx, tx, p.pred, p.by, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM pending_supersessions WHERE pred_id = ? AND by_id = ?`, p.pred, p.by)
		if err != nil {
			return fmt.Errorf("sqlite: put alerts: pending supersessions: %w", err)
		}
		n, _ := res.RowsAffected()
		s.pending -= n
	}
	return nil
}

// touchSensors refreshes the Analyzer and Sensors of the batch: one upsert
// per distinct component, not per alert.
func (s *Store) touchSensors(ctx context.Context, tx *sql.Tx, rows []alertRow, now int64) error {
	type key struct{ kind, name, id string }
	type info struct {
		hostname, ip, model string
		n                   int64
	}
	seen := map[key]*info{}
	var order []key
	add := func(k key, host, ip, model string) {
		if k.name == "" {
			return
		}
		in, ok := seen[k]
		if !ok {
			in = &info{}
			seen[k] = in
			order = append(order, k)
		}
		in.n++
		in.hostname, in.ip, in.model = firstNonEmpty(host, in.hostname), firstNonEmpty(ip, in.ip), firstNonEmpty(model, in.model)
	}
	for i := range rows {
		a := rows[i].alert
		add(key{string(store.KindAnalyzer), a.Analyzer.Name, a.Analyzer.ID}, a.Analyzer.Hostname, a.Analyzer.IP, a.Analyzer.Model)
		for _, sn := range a.Sensor {
			add(key{string(store.KindSensor), sn.Name, sn.ID}, sn.Hostname, sn.IP, sn.Model)
		}
	}
	for _, k := range order {
		in := seen[k]
		if _, err := tx.ExecContext(ctx, upsertSensorSQL+`, last_alert_ns = max(last_alert_ns, excluded.last_alert_ns), alerts = alerts + excluded.alerts`,
			k.kind, k.name, k.id, in.hostname, in.ip, in.model, now, now, 0, in.n); err != nil {
			return fmt.Errorf("sqlite: put alerts: sensor %s: %w", k.name, err)
		}
	}
	return nil
}

const upsertSensorSQL = `INSERT INTO sensors(kind, name, sid, hostname, ip, model, first_ns, last_alert_ns, last_hb_ns, alerts)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (kind, name, sid) DO UPDATE SET
		hostname = CASE excluded.hostname WHEN '' THEN hostname ELSE excluded.hostname END,
		ip = CASE excluded.ip WHEN '' THEN ip ELSE excluded.ip END,
		model = CASE excluded.model WHEN '' THEN model ELSE excluded.model END`

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func unixNS(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
