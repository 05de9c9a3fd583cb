package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/internal/store"
)

// Event search plans (see docs/STORE.md, "Event search plans"). Events
// are listed newest first on (ts_ns, id), and id, the rowid of both
// events and events_text, grows with insertion, so it follows ts_ns
// roughly (late lines break the order). A free-text term is either:
//
//   - rare (fewer than driveCap matches): its matches are listed
//     (IN-list), filtered and sorted, as SQLite plans it by itself;
//   - frequent: a text walk (textwalk.go, with eventWalk) finds the page
//     from the matches in id order without listing them all.
//
// A free-text condition that SQLite lists (the rare term, the addresses
// of an "around" filter) is bounded to the ids of the filter's time
// window when it has one: every event of the window has an id between
// the lowest and highest id the time index gives for it, so the bound
// drops no row, and the list stays the size of the window's matches.

// eventsPageSQL returns the query of the page's rows of events (columns
// of events, at most limit rows, not necessarily sorted): text is the
// FTS5 query of the free text ("" for none), cond and args the rest of
// the filter with the cursor condition, lo and hi the filter's time
// window without the cursor.
func eventsPageSQL(ctx context.Context, tx *sql.Tx, text, cond string, args []any, lo, hi bound,
	after *walkCursor, limit int) (string, []any, error) {
	const orderBy = ` ORDER BY ts_ns DESC, id DESC LIMIT `
	if text == "" {
		return `SELECT * FROM events WHERE ` + cond + orderBy + strconv.Itoa(limit), args, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT rowid FROM events_text WHERE events_text MATCH ? LIMIT `+
		strconv.Itoa(driveCap)+`)`, text).Scan(&n)
	if err != nil {
		return "", nil, fmt.Errorf("estimate: %w", err)
	}
	if n >= driveCap {
		q, qargs, ok, err := eventWalk.textWalk(ctx, tx, text, true, cond, args, lo, hi, after,
			"a.ts_ns DESC, a.id DESC", limit)
		if err != nil || ok {
			return q, qargs, err
		}
	}
	in, inArgs, err := textIn(ctx, tx, text, lo, hi)
	if err != nil {
		return "", nil, err
	}
	if n >= driveCap {
		// A frequent term the walk gave up on: test its list (a Bloom
		// filter and a B-tree) on the rows of the other terms' or the time
		// index rather than reading every match by id.
		in = "+" + in
	}
	return `SELECT * FROM events WHERE ` + in + ` AND ` + cond + orderBy + strconv.Itoa(limit),
		append(inArgs, args...), nil
}

// textIn returns the condition "id is one of the matches of FTS5 query
// m", bounded to the ids of the time window [lo, hi] when it has an end.
func textIn(ctx context.Context, tx *sql.Tx, m string, lo, hi bound) (string, []any, error) {
	const in = `id IN (SELECT rowid FROM events_text WHERE events_text MATCH ?`
	if !lo.ok && !hi.ok {
		return in + `)`, []any{m}, nil
	}
	kLo, kHi, ok, err := eventWalk.keyWindow(ctx, tx, lo, hi)
	if err != nil {
		return "", nil, err
	}
	if !ok {
		return "0", nil, nil
	}
	return in + ` AND rowid BETWEEN ? AND ?)`, []any{m, kLo, kHi}, nil
}

// aroundCond returns the condition of an "around" filter: the host is
// one of a.Hosts or the text mentions one of a.IPs; "" when a names
// nothing (no event matches).
func aroundCond(ctx context.Context, tx *sql.Tx, a *store.EventsAround, lo, hi bound) (string, []any, error) {
	var ors []string
	var args []any
	if len(a.Hosts) > 0 {
		ors = append(ors, "host IN ("+placeholders(len(a.Hosts))+")")
		for _, h := range a.Hosts {
			args = append(args, h)
		}
	}
	if m := matchAny(a.IPs); m != "" {
		c, cargs, err := textIn(ctx, tx, m, lo, hi)
		if err != nil {
			return "", nil, err
		}
		ors, args = append(ors, c), append(args, cargs...)
	}
	if len(ors) == 0 {
		return "", nil, nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, nil
}

// eventMaxWalk caps the matches a text walk over events reads before it
// falls back to listing them (walking 20,000 matches costs ~40 ms over 1M
// events; a word whose matches the rest of the filter nearly all rejects
// would otherwise be walked to its end).
const eventMaxWalk = 20000
