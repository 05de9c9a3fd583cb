package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/internal/store"
)

// The text walk (planWalkText) finds a time-sorted page of a frequent
// free-text term without testing the text alert by alert. FTS5 lists a
// term's matches in rowid order cheaply, and the rowid is the alert's seq,
// which grows with insertion and so follows CreateTime, but only roughly
// (late or re-sent alerts break the order). So the page is found in two
// steps, and the result is exact whatever the disorder:
//
//  1. Walk the matches in seq order (newest first for time_desc), from a
//     seq near where the page should start, testing the rest of the
//     filter and the cursor, until limit rows pass. They are not
//     necessarily the page, but they are limit rows of the result, so the
//     page's limit rows are all at least as new as the oldest of them: the
//     page lies within the time window [oldest of them, upper end].
//  2. Ask the time index for the lowest and highest seq of all the alerts
//     in that window (an index-only range scan of about as many entries as
//     step 1 walked), and read the matches of the text within those seqs,
//     which hold every alert of the window, testing the whole filter and
//     sorting by time.
//
// When step 1 finds fewer than limit rows within its heuristic seq bounds,
// the window is the filter's own time range (From–To and the cursor); with
// no lower (upper for time_asc) time end to bound it, textWalkSQL reports
// !ok and Search walks the time index instead (planWalkSort).

// textWalkSQL returns the page query of planWalkText for text candidate c
// (its rows are alerts aliased a, as pageSQL's). cond and args are the
// rest of the filter (without c's term) with the cursor condition.
func textWalkSQL(ctx context.Context, tx *sql.Tx, c *candidate, sp sortSpec, cond string, args []any,
	f store.Filter, cursor []int64, limit int) (string, []any, bool, error) {
	// The filter's own time window, ends inclusive.
	var lo, hi bound
	if !f.From.IsZero() {
		lo = bound{f.From.UnixNano(), true}
	}
	if !f.To.IsZero() {
		hi = bound{f.To.UnixNano() - 1, true}
	}
	if cursor != nil {
		// The page is after the cursor: no newer (older) than its time.
		t := cursor[0]
		if sp.desc && (!hi.ok || t < hi.v) {
			hi = bound{t, true}
		}
		if !sp.desc && (!lo.ok || t > lo.v) {
			lo = bound{t, true}
		}
	}

	// Step 1: heuristic seq bounds, then limit rows of the result in seq
	// order.
	var seqCond []string
	var seqArgs []any
	if hi.ok {
		s, ok, err := edgeSeq(ctx, tx, "create_ns <= ? ORDER BY create_ns DESC", hi.v)
		if err != nil {
			return "", nil, false, err
		}
		if ok {
			seqCond, seqArgs = append(seqCond, "alert_text.rowid <= ?"), append(seqArgs, s)
		}
	}
	if lo.ok {
		s, ok, err := edgeSeq(ctx, tx, "create_ns >= ? ORDER BY create_ns", lo.v)
		if err != nil {
			return "", nil, false, err
		}
		if ok {
			seqCond, seqArgs = append(seqCond, "alert_text.rowid >= ?"), append(seqArgs, s)
		}
	}
	if cursor != nil {
		op := " > ?"
		if sp.desc {
			op = " < ?"
		}
		seqCond, seqArgs = append(seqCond, "alert_text.rowid"+op), append(seqArgs, cursor[len(cursor)-1])
	}
	dir := " ASC"
	if sp.desc {
		dir = " DESC"
	}
	from := ` FROM alert_text CROSS JOIN alerts a ON a.seq = alert_text.rowid WHERE alert_text MATCH ?`
	q1 := `SELECT count(*), coalesce(min(create_ns), 0), coalesce(max(create_ns), 0) FROM (SELECT a.create_ns` + from
	for _, sc := range seqCond {
		q1 += " AND " + sc
	}
	q1 += ` AND ` + cond + ` ORDER BY alert_text.rowid` + dir + ` LIMIT ` + strconv.Itoa(limit) + `)`
	a1 := append(append([]any{c.args[0]}, seqArgs...), args...)
	var n int
	var minT, maxT int64
	if err := tx.QueryRowContext(ctx, q1, a1...).Scan(&n, &minT, &maxT); err != nil {
		return "", nil, false, fmt.Errorf("text walk: %w", err)
	}
	// Every row found passed the filter, so it lies within [lo, hi].
	switch {
	case n == limit && sp.desc:
		lo = bound{minT, true}
	case n == limit:
		hi = bound{maxT, true}
	case len(seqCond) == 0:
		// The walk saw every match: the page is among its rows.
		if n == 0 {
			return `SELECT * FROM alerts a WHERE 0`, nil, true, nil
		}
		lo, hi = bound{minT, true}, bound{maxT, true}
	case (sp.desc && !lo.ok) || (!sp.desc && !hi.ok):
		return "", nil, false, nil
	}

	// Step 2: the seqs of the window, then the page from them.
	wq := `SELECT min(seq), max(seq) FROM alerts INDEXED BY alerts_time WHERE 1`
	var wargs []any
	if lo.ok {
		wq, wargs = wq+` AND create_ns >= ?`, append(wargs, lo.v)
	}
	if hi.ok {
		wq, wargs = wq+` AND create_ns <= ?`, append(wargs, hi.v)
	}
	var sLo, sHi sql.NullInt64
	if err := tx.QueryRowContext(ctx, wq, wargs...).Scan(&sLo, &sHi); err != nil {
		return "", nil, false, fmt.Errorf("text walk window: %w", err)
	}
	if !sLo.Valid {
		return `SELECT * FROM alerts a WHERE 0`, nil, true, nil
	}
	var b strings.Builder
	b.WriteString(`SELECT a.*` + from + ` AND alert_text.rowid BETWEEN ? AND ?`)
	pargs := []any{c.args[0], sLo.Int64, sHi.Int64}
	if lo.ok {
		b.WriteString(` AND a.create_ns >= ?`)
		pargs = append(pargs, lo.v)
	}
	if hi.ok {
		b.WriteString(` AND a.create_ns <= ?`)
		pargs = append(pargs, hi.v)
	}
	b.WriteString(` AND ` + cond + ` ORDER BY ` + sp.orderBy() + ` LIMIT ` + strconv.Itoa(limit))
	return b.String(), append(pargs, args...), true, nil
}

// bound is one end of a time window; !ok is open.
type bound struct {
	v  int64
	ok bool
}

// edgeSeq returns the seq of the first alert of the time index in the
// given order and range (a heuristic start for the walk).
func edgeSeq(ctx context.Context, tx *sql.Tx, where string, t int64) (int64, bool, error) {
	var s int64
	err := tx.QueryRowContext(ctx, `SELECT seq FROM alerts INDEXED BY alerts_time WHERE `+where+` LIMIT 1`, t).Scan(&s)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("text walk start: %w", err)
	}
	return s, true, nil
}
