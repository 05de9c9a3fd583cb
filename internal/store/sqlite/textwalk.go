package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	lo, hi := timeWindow(f.From, f.To)
	var after *walkCursor
	if cursor != nil {
		after = &walkCursor{t: cursor[0], key: cursor[len(cursor)-1]}
	}
	return alertWalk.textWalk(ctx, tx, c.args[0], sp.desc, cond, args, lo, hi, after, sp.orderBy(), limit)
}

// walkTables names what a text walk reads: the FTS5 table whose rowid is
// the rows' key, the rows (aliased a), their time column and the index on
// (time, key) of the rows.
type walkTables struct {
	text, rows, key, time, index string
	// maxWalk, when not 0, is the matches step 1 reads at most: when they
	// do not fill the page, the walk gives up (!ok) and the caller lists
	// the matches instead, bounding the cost of a walk through a frequent
	// term that the rest of the filter rejects.
	maxWalk int
}

var (
	alertWalk = walkTables{text: "alert_text", rows: "alerts", key: "seq", time: "create_ns", index: "alerts_time"}
	eventWalk = walkTables{text: "events_text", rows: "events", key: "id", time: "ts_ns", index: "events_ts", maxWalk: eventMaxWalk}
)

// walkCursor is the last row of the previous page: its time and key.
type walkCursor struct{ t, key int64 }

// timeWindow is the inclusive window of a [from, to) range; zero times
// are open ends.
func timeWindow(from, to time.Time) (lo, hi bound) {
	if !from.IsZero() {
		lo = bound{from.UnixNano(), true}
	}
	if !to.IsZero() {
		hi = bound{to.UnixNano() - 1, true}
	}
	return lo, hi
}

// textWalk returns the query of the page of rows of w.rows (aliased a,
// columns a.*) matching FTS5 query match and cond (which includes the
// cursor condition), sorted by orderBy (time then key, desc or not), at
// most limit rows. lo and hi are the filter's own time window, after the
// cursor. !ok: the page could not be bounded (see above).
func (w walkTables) textWalk(ctx context.Context, tx *sql.Tx, match any, desc bool, cond string, args []any,
	lo, hi bound, after *walkCursor, orderBy string, limit int) (string, []any, bool, error) {
	if after != nil {
		// The page is after the cursor: no newer (older) than its time.
		t := after.t
		if desc && (!hi.ok || t < hi.v) {
			hi = bound{t, true}
		}
		if !desc && (!lo.ok || t > lo.v) {
			lo = bound{t, true}
		}
	}
	none := `SELECT * FROM ` + w.rows + ` a WHERE 0`
	textKey := w.text + ".rowid"

	// Step 1: heuristic key bounds, then limit rows of the result in key
	// order.
	var keyCond []string
	var keyArgs []any
	if hi.ok {
		k, ok, err := w.edgeKey(ctx, tx, w.time+" <= ? ORDER BY "+w.time+" DESC", hi.v)
		if err != nil {
			return "", nil, false, err
		}
		if ok {
			keyCond, keyArgs = append(keyCond, textKey+" <= ?"), append(keyArgs, k)
		}
	}
	if lo.ok {
		k, ok, err := w.edgeKey(ctx, tx, w.time+" >= ? ORDER BY "+w.time, lo.v)
		if err != nil {
			return "", nil, false, err
		}
		if ok {
			keyCond, keyArgs = append(keyCond, textKey+" >= ?"), append(keyArgs, k)
		}
	}
	if after != nil {
		op := " > ?"
		if desc {
			op = " < ?"
		}
		keyCond, keyArgs = append(keyCond, textKey+op), append(keyArgs, after.key)
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	from := ` FROM ` + w.text + ` CROSS JOIN ` + w.rows + ` a ON a.` + w.key + ` = ` + textKey + ` WHERE ` + w.text + ` MATCH ?`
	keyWhere := ""
	for _, kc := range keyCond {
		keyWhere += " AND " + kc
	}
	var q1 string
	if w.maxWalk > 0 {
		q1 = `SELECT count(*), coalesce(min(` + w.time + `), 0), coalesce(max(` + w.time + `), 0) FROM (SELECT a.` + w.time +
			` FROM (SELECT rowid AS k FROM ` + w.text + ` WHERE ` + w.text + ` MATCH ?` + keyWhere + ` ORDER BY rowid` + dir +
			` LIMIT ` + strconv.Itoa(w.maxWalk) + `) m CROSS JOIN ` + w.rows + ` a ON a.` + w.key + ` = m.k WHERE ` + cond +
			` ORDER BY m.k` + dir + ` LIMIT ` + strconv.Itoa(limit) + `)`
	} else {
		q1 = `SELECT count(*), coalesce(min(` + w.time + `), 0), coalesce(max(` + w.time + `), 0) FROM (SELECT a.` + w.time + from +
			keyWhere + ` AND ` + cond + ` ORDER BY ` + textKey + dir + ` LIMIT ` + strconv.Itoa(limit) + `)`
	}
	a1 := append(append([]any{match}, keyArgs...), args...)
	var n int
	var minT, maxT int64
	if err := tx.QueryRowContext(ctx, q1, a1...).Scan(&n, &minT, &maxT); err != nil {
		return "", nil, false, fmt.Errorf("text walk: %w", err)
	}
	if n < limit && w.maxWalk > 0 {
		// Did the walk stop at its cap rather than at the last match?
		var seen int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT rowid FROM `+w.text+` WHERE `+w.text+` MATCH ?`+keyWhere+
			` LIMIT `+strconv.Itoa(w.maxWalk)+`)`, append([]any{match}, keyArgs...)...).Scan(&seen)
		if err != nil {
			return "", nil, false, fmt.Errorf("text walk: %w", err)
		}
		if seen == w.maxWalk {
			return "", nil, false, nil
		}
	}
	// Every row found passed the filter, so it lies within [lo, hi].
	switch {
	case n == limit && desc:
		lo = bound{minT, true}
	case n == limit:
		hi = bound{maxT, true}
	case len(keyCond) == 0:
		// The walk saw every match: the page is among its rows.
		if n == 0 {
			return none, nil, true, nil
		}
		lo, hi = bound{minT, true}, bound{maxT, true}
	case (desc && !lo.ok) || (!desc && !hi.ok):
		return "", nil, false, nil
	}

	// Step 2: the keys of the window, then the page from them.
	kLo, kHi, ok, err := w.keyWindow(ctx, tx, lo, hi)
	if err != nil {
		return "", nil, false, err
	}
	if !ok {
		return none, nil, true, nil
	}
	var b strings.Builder
	b.WriteString(`SELECT a.*` + from + ` AND ` + textKey + ` BETWEEN ? AND ?`)
	pargs := []any{match, kLo, kHi}
	if lo.ok {
		b.WriteString(` AND a.` + w.time + ` >= ?`)
		pargs = append(pargs, lo.v)
	}
	if hi.ok {
		b.WriteString(` AND a.` + w.time + ` <= ?`)
		pargs = append(pargs, hi.v)
	}
	b.WriteString(` AND ` + cond + ` ORDER BY ` + orderBy + ` LIMIT ` + strconv.Itoa(limit))
	return b.String(), append(pargs, args...), true, nil
}

// keyWindow returns the lowest and highest key of the rows whose time
// lies in [lo, hi] (an index-only range scan); !ok when there are none.
func (w walkTables) keyWindow(ctx context.Context, tx *sql.Tx, lo, hi bound) (kLo, kHi int64, ok bool, err error) {
	wq := `SELECT min(` + w.key + `), max(` + w.key + `) FROM ` + w.rows + ` INDEXED BY ` + w.index + ` WHERE 1`
	var wargs []any
	if lo.ok {
		wq, wargs = wq+` AND `+w.time+` >= ?`, append(wargs, lo.v)
	}
	if hi.ok {
		wq, wargs = wq+` AND `+w.time+` <= ?`, append(wargs, hi.v)
	}
	var l, h sql.NullInt64
	if err := tx.QueryRowContext(ctx, wq, wargs...).Scan(&l, &h); err != nil {
		return 0, 0, false, fmt.Errorf("text walk window: %w", err)
	}
	return l.Int64, h.Int64, l.Valid, nil
}

// bound is one end of a time window; !ok is open.
type bound struct {
	v  int64
	ok bool
}

// edgeKey returns the key of the first row of the time index in the
// given order and range (a heuristic start for the walk).
func (w walkTables) edgeKey(ctx context.Context, tx *sql.Tx, where string, t int64) (int64, bool, error) {
	var k int64
	err := tx.QueryRowContext(ctx, `SELECT `+w.key+` FROM `+w.rows+` INDEXED BY `+w.index+` WHERE `+where+` LIMIT 1`, t).Scan(&k)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("text walk start: %w", err)
	}
	return k, true, nil
}
