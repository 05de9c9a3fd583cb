package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"

	"github.com/vigie-siem/vigie/internal/store"
)

// The value walk (planWalkValue) finds a time-sorted page of a frequent
// value without reading all its matches. The value's postings come in
// tmax order from their key (field, v, tmax, lo), and tmax bounds their
// alerts' CreateTimes: from above, and from below by its hour (every alert
// of a posting is in the hour of its tmax). So, newest first, the walk
// reads postings by tmax descending, tests their alerts against the whole
// filter and the cursor in chunks, and stops at the first posting whose
// tmax is older than the page's last row once the page is full: no later
// posting can hold a row of the page. Oldest first is the same by tmax
// ascending, with the start of tmax's hour as the bound.

// valueProbeChunk is how many alerts of postings the walk tests at once.
const valueProbeChunk = 512

// walkHit is a row of the page being found: its CreateTime and seq.
type walkHit struct{ t, seq int64 }

// valueWalkSQL returns the page query of planWalkValue for the walkable
// candidate c: the page's rows of alerts (aliased a, as pageSQL's). cond
// and args are the filter with the cursor condition.
func valueWalkSQL(ctx context.Context, tx *sql.Tx, c *candidate, sp sortSpec, cond string, args []any,
	f store.Filter, cursor []int64, limit int) (string, []any, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		lo = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		hi = f.To.UnixNano() - 1
	}
	if cursor != nil {
		if sp.desc {
			hi = min(hi, cursor[0])
		} else {
			lo = max(lo, cursor[0])
		}
	}
	q := `SELECT tmax, seqs FROM alert_postings WHERE field = ? AND v = ?`
	qargs := []any{c.field, c.valueArg}
	if lo != math.MinInt64 {
		q += ` AND tmax >= ?` // tmax is an upper bound
		qargs = append(qargs, lo)
	}
	if h := postingHour(hi); hi != math.MaxInt64 && h < math.MaxInt64/hourNS {
		q += ` AND tmax < ?` // and its hour a lower one
		qargs = append(qargs, (h+1)*hourNS)
	}
	if sp.desc {
		q += ` ORDER BY tmax DESC, lo DESC`
	} else {
		q += ` ORDER BY tmax, lo`
	}
	rs, err := tx.QueryContext(ctx, q, qargs...)
	if err != nil {
		return "", nil, fmt.Errorf("value walk: %w", err)
	}
	defer rs.Close()

	w := valueWalker{ctx: ctx, tx: tx, desc: sp.desc, limit: limit,
		probe: `SELECT a.create_ns, a.seq FROM json_each(?) j CROSS JOIN alerts a ON a.seq = j.value WHERE ` + cond,
		args:  append([]any{nil}, args...)}
	for rs.Next() {
		var tmax int64
		var blob []byte
		if err := rs.Scan(&tmax, &blob); err != nil {
			return "", nil, fmt.Errorf("value walk: %w", err)
		}
		if len(w.pending) > 0 && (len(w.pending) >= valueProbeChunk || len(w.found)+len(w.pending) >= limit) {
			if err := w.test(); err != nil {
				return "", nil, err
			}
		}
		if w.beyond(tmax) {
			break
		}
		if w.pending, err = decodeSeqs(blob, w.pending); err != nil {
			return "", nil, fmt.Errorf("value walk: posting of %d at %d: %w", c.field, tmax, err)
		}
	}
	if err := rs.Err(); err != nil {
		return "", nil, fmt.Errorf("value walk: %w", err)
	}
	if err := w.test(); err != nil {
		return "", nil, err
	}
	seqs := make([]int64, len(w.found))
	for i, h := range w.found {
		seqs[i] = h.seq
	}
	return `SELECT a.* FROM json_each(?) j CROSS JOIN alerts a ON a.seq = j.value`, []any{string(appendJSONInts(nil, seqs))}, nil
}

// valueWalker gathers the page of a value walk.
type valueWalker struct {
	ctx     context.Context
	tx      *sql.Tx
	desc    bool
	limit   int
	probe   string // tests a JSON array of seqs (args[0]) against the filter
	args    []any
	pending []int64   // seqs of read postings not tested yet
	found   []walkHit // rows passing the filter, in page order, at most limit
	buf     []byte
}

// test tests the pending seqs and keeps the best limit rows.
func (w *valueWalker) test() error {
	if len(w.pending) == 0 {
		return nil
	}
	w.buf = appendJSONInts(w.buf[:0], w.pending)
	w.pending = w.pending[:0]
	w.args[0] = string(w.buf)
	rs, err := w.tx.QueryContext(w.ctx, w.probe, w.args...)
	if err != nil {
		return fmt.Errorf("value walk: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var h walkHit
		if err := rs.Scan(&h.t, &h.seq); err != nil {
			return fmt.Errorf("value walk: %w", err)
		}
		w.found = append(w.found, h)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("value walk: %w", err)
	}
	slices.SortFunc(w.found, func(a, b walkHit) int {
		c := cmpHit(a, b)
		if w.desc {
			return -c
		}
		return c
	})
	w.found = slices.Compact(w.found) // a seq is in one posting of a value, but be safe
	if len(w.found) > w.limit {
		w.found = w.found[:w.limit]
	}
	return nil
}

func cmpHit(a, b walkHit) int {
	if c := cmp.Compare(a.t, b.t); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// beyond reports whether a posting with this tmax, and every one after it
// in the walk's order, can hold no row of the page: the page is full and
// all their alerts sort after its last row.
func (w *valueWalker) beyond(tmax int64) bool {
	if len(w.found) < w.limit {
		return false
	}
	last := w.found[w.limit-1]
	if w.desc {
		return tmax < last.t
	}
	return postingHour(tmax)*hourNS > last.t
}
