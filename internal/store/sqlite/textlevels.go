package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/vigie-siem/vigie/internal/store"
)

// The level walk (planWalkLevels) finds a priority-sorted page of a
// frequent free-text term. A priority sort is (priority, create_ns, seq),
// and priority has six values, so the page is the concatenation, in
// priority order, of time-sorted pages of one priority each. Every alert's
// indexed text carries a token for its priority (priotext.go), so the
// matches of one priority are those of MATCH '<text> AND <token>', which
// FTS5 computes by intersecting two doclists, never reading the alerts of
// other priorities: the text walk (textwalk.go) then reads a level's page
// as it reads a time-sorted page. A level with no match costs one
// intersection (≈ 15–45 ms for a phrase of 678,000 matches over 1M alerts,
// all of another priority), not a test of each of its alerts.
//
// Levels are walked in sort order (High first for priority_desc), skipping
// those before the cursor's, until the page is full. Each level's rows are
// tested with the rest of the filter and "a.priority = level", so the
// result is exact even for a row whose token was stale.

// highRank is the highest priority rank (High; see priorityRanks).
const highRank = 5

// levelWalk returns the first limit rows (fewer at the end) of the search
// sorted by sp (a priority sort) whose free-text conjunct is c: cond and
// args are the rest of the filter with the cursor condition, cursor the
// previous page's last (priority, create_ns, seq) or nil.
func levelWalk(ctx context.Context, tx *sql.Tx, c *candidate, sp sortSpec, cond string, args []any,
	f store.Filter, cursor []int64, limit int) ([]scannedAlert, error) {
	within := sortSpec{keys: []string{"a.create_ns", "a.seq"}, desc: sp.desc}
	lo, hi := timeWindow(f.From, f.To)
	text, _ := c.args[0].(string)
	var out []scannedAlert
	for i := range int64(highRank + 1) {
		level := highRank - i
		if !sp.desc {
			level = i
		}
		var after *walkCursor
		if cursor != nil {
			switch p := cursor[0]; {
			case (sp.desc && level > p) || (!sp.desc && level < p):
				continue // before the cursor
			case level == p:
				after = &walkCursor{t: cursor[1], key: cursor[2]}
			}
		}
		need := limit - len(out)
		match := text + " AND " + priorityToken(level)
		// FTS5 finds the first match of an AND before it applies rowid
		// bounds, so a level without any match costs a whole
		// intersection per query, bounded or not, and the walk would
		// pay it twice under a time range or cursor (its two steps).
		// One unbounded query in rowid order rules such a level out.
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM alert_text WHERE alert_text MATCH ? LIMIT 1`, match).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: search: priority %d: %w", level, err)
		}
		lcond := cond + " AND a.priority = " + strconv.FormatInt(level, 10)
		inner, iargs, ok, err := alertWalk.textWalk(ctx, tx, match, sp.desc, lcond, args, lo, hi, after, within.orderBy(), need)
		if err != nil {
			return nil, fmt.Errorf("sqlite: search: priority %d: %w", level, err)
		}
		if !ok {
			// The walk could not bound the level's page: list the level's
			// matches (SQLite walks alerts_priority for the level or sorts
			// them).
			inner = `SELECT a.* FROM alerts a WHERE a.seq IN (SELECT rowid FROM alert_text WHERE alert_text MATCH ?) AND ` +
				lcond + ` ORDER BY ` + within.orderBy() + ` LIMIT ` + strconv.Itoa(need)
			iargs = append([]any{match}, args...)
		}
		rows, err := queryAlerts(ctx, tx, `SELECT `+alertColumns+` FROM (`+inner+`) a JOIN alert_docs d ON d.seq = a.seq ORDER BY `+within.orderBy(), iargs)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if len(out) >= limit {
			return out[:limit], nil
		}
	}
	return out, nil
}
