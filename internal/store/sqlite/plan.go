package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// Search plans. SQLite cannot tell a frequent value from a rare one (the
// values are bound parameters and there is no sqlite_stat4), so left alone
// it drives from an IN-list of every match and sorts them all, which is
// slow for a value carried by tens of thousands of alerts. Search therefore
// counts, up to driveCap, the matches of each conjunct that has an index
// and picks one of:
//
//   - planDrive: some conjunct has fewer than driveCap matches: read those
//     alerts and sort them (bounded work, whatever the store size);
//   - planWalkValue: every such conjunct is frequent and one of them is a
//     single exact value, the sort is by time: walk that value's postings,
//     keyed (field, v, tmax, lo), newest (or oldest) first, and stop once
//     the page is known (see valueWalkSQL);
//   - planWalkText: every such conjunct is frequent, one is free text and
//     the sort is by time: walk the text's matches in rowid (= seq) order,
//     which follows insertion and so roughly time, to find a page of
//     matches, then read the exact page from the seq window that the time
//     index gives for the times those rows span (see textwalk.go);
//   - planWalkLevels: every such conjunct is frequent, one is free text and
//     the sort is by priority: walk the priority levels in order, each a
//     text walk of the text and the level's priority token, until the page
//     is full (see textlevels.go);
//   - planWalkSort: every such conjunct is frequent: walk the sort's own
//     index of alerts and probe each row, stopping at the page size;
//   - planPlain: no conjunct has an index (SQLite's own plan, as before).
//
// Every plan applies the whole filter to each row it returns, so the plans
// differ in speed only: plan_test.go checks them against planPlain.
type planKind int

const (
	planPlain planKind = iota
	planDrive
	planWalkValue
	planWalkSort
	planWalkText
	planWalkLevels
)

func (k planKind) String() string {
	return [...]string{"plain", "drive", "walk-value", "walk-sort", "walk-text", "walk-levels"}[k]
}

// driveCap is the number of matches under which a term drives the search.
// Reading and sorting 4,000 alerts costs about as much as probing the
// ~10,000 rows a walk needs to find a page of a value that frequent
// (0.4 % of a million alerts), and both stay well under 100 ms.
const driveCap = 4000

// candidate is a conjunct of the filter that an index can enumerate.
type candidate struct {
	seqs string // SELECT seq … : the alerts matching the conjunct (may repeat)
	args []any
	// single value whose postings can be walked; valueArg is v's key.
	walkable bool
	field    int64
	valueArg any
	est      int
	// text is the free-text conjunct this candidate lists, nil for others.
	text *query.Text
	// expr is the conjunct itself: the candidate lists exactly its
	// matches (time aside, which the filter's own range tests).
	expr query.Expr
}

// searchPlan is the chosen plan and its inputs.
type searchPlan struct {
	kind planKind
	by   *candidate
	// listText makes a walk-sort list free-text matches once (IN-list)
	// instead of probing each walked row: for a priority sort, where the
	// walk may pass every alert of the higher priorities before the first
	// match (minutes of probes over 1M alerts, against ~0.5 s for listing
	// 680,000 matches).
	listText bool
}

// conjuncts returns the terms of a top-level conjunction.
func conjuncts(e query.Expr) []query.Expr {
	if a, ok := e.(*query.And); ok {
		return append(conjuncts(a.X), conjuncts(a.Y)...)
	}
	if e == nil {
		return nil
	}
	return []query.Expr{e}
}

// indexedColumns are the columns of alerts with an index led by them, so
// that counting an equality's matches reads the index only.
var indexedColumns = map[string]bool{"ID": true, "state": true, "Analyzer.Name": true, "assignee": true}

// newCandidate returns the candidate for conjunct e, or nil if no index
// enumerates its matches. f bounds postings to the filter's time range.
func newCandidate(e query.Expr, f store.Filter, w0 *where) (*candidate, error) {
	c, err := listCandidate(e, f, w0)
	if c != nil {
		c.expr = e
	}
	return c, err
}

func listCandidate(e query.Expr, f store.Filter, w0 *where) (*candidate, error) {
	switch e := e.(type) {
	case *query.Text:
		return &candidate{seqs: "SELECT rowid AS seq FROM alert_text WHERE alert_text MATCH ?", args: []any{ftsQuery(e)}, text: e}, nil
	case *query.Compare:
		if e.Op != query.Eq && e.Op != query.In {
			return nil, nil
		}
		if col, ok := lookupColumn(e.Field.Name); ok && indexedColumns[col.name] {
			w := &where{now: w0.now}
			w.add("SELECT seq FROM alerts a WHERE ")
			if err := w.compareColumn(col, e); err != nil {
				return nil, err
			}
			return &candidate{seqs: w.sql.String(), args: w.args}, nil
		}
		p, ok := lookupIndexed(e.Field.Name)
		if !ok {
			return nil, nil
		}
		w := &where{now: w0.now}
		// The postings of the values (postings.go), bounded to the
		// filter's time range by their bounds: a superset of the matches
		// in the range, which every plan tests against the whole filter.
		w.add("SELECT j.value AS seq FROM alert_postings p JOIN json_each(p.seqs) j WHERE p.field = " + strconv.FormatInt(p.code, 10) + " AND (")
		for i, v := range e.Values {
			if i > 0 {
				w.add(" OR ")
			}
			if err := w.valueCond("p.v", e.Op, v, p.kind); err != nil {
				return nil, err
			}
		}
		w.add(")")
		if !f.From.IsZero() {
			w.add(" AND p.tmax >= ?", f.From.UnixNano())
		}
		if !f.To.IsZero() {
			w.add(" AND p.tmin < ?", f.To.UnixNano())
		}
		c := &candidate{seqs: w.sql.String(), args: w.args}
		if len(e.Values) == 1 && exactValues(e, p.kind) {
			c.walkable, c.field, c.valueArg = true, p.code, w.args[0]
		}
		return c, nil
	}
	return nil, nil
}

// planSearch picks the plan for a parsed filter and sort.
func planSearch(ctx context.Context, tx *sql.Tx, e query.Expr, f store.Filter, sort store.Sort, w *where) (searchPlan, error) {
	var cands []*candidate
	for _, t := range conjuncts(e) {
		c, err := newCandidate(t, f, w)
		if err != nil {
			return searchPlan{}, err
		}
		if c != nil {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return searchPlan{kind: planPlain}, nil
	}
	var best, walk, text *candidate
	for _, c := range cands {
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+c.seqs+` LIMIT `+strconv.Itoa(driveCap)+`)`, c.args...).Scan(&c.est)
		if err != nil {
			return searchPlan{}, fmt.Errorf("estimate: %w", err)
		}
		if best == nil || c.est < best.est {
			best = c
		}
		if c.walkable && walk == nil {
			walk = c
		}
		if c.text != nil && text == nil {
			text = c
		}
	}
	timeSort := sort == store.SortTimeDesc || sort == store.SortTimeAsc
	switch {
	case timeSort && best.est >= driveCap && text != nil:
		// Every conjunct is frequent: the text's matches come in seq
		// order for free, and the other terms are cheap probes, where a
		// value walk would probe the text index for every row.
		return searchPlan{kind: planWalkText, by: text}, nil
	case !timeSort && best.est >= driveCap && text != nil:
		// The same under a priority sort, one priority at a time.
		return searchPlan{kind: planWalkLevels, by: text}, nil
	case timeSort && best.walkable:
		// Walking the rarest value's rows never reads more than its
		// matches, and stops at the page size: better than driving.
		return searchPlan{kind: planWalkValue, by: best}, nil
	case best.est < driveCap:
		return searchPlan{kind: planDrive, by: best}, nil
	case timeSort && walk != nil:
		return searchPlan{kind: planWalkValue, by: walk}, nil
	}
	return searchPlan{kind: planWalkSort, listText: !timeSort}, nil
}

// probes is how the plan's filter tests rows. Drive and value walks test
// few rows: every term is a probe. A walk of the sort index may test many
// (under a time sort it only runs when a text walk cannot bound its page):
// an IN-list of a frequent value, built once, is then cheaper than as
// many B-tree probes (a walk over 90,000 index entries to the first match
// of a frequent value costs 80 ms instead of 170 ms); free text stays a
// probe, as listing every match of a frequent word is the slow part.
func (p searchPlan) probes() probeMode {
	switch p.kind {
	case planPlain:
		return probeNone
	case planWalkSort:
		if p.listText {
			return probeNone
		}
		return probeText
	}
	return probeAll
}

// rest is the filter the plan's rows are tested with: e without the
// conjunct that drives a drive, value-walk, text-walk or level-walk plan:
// every row it yields matches that conjunct, and testing it again would
// cost a probe per row (full text, or the alert's value set).
func (p searchPlan) rest(e query.Expr) query.Expr {
	if p.by == nil || p.by.expr == nil || (p.kind != planDrive && p.kind != planWalkValue && p.kind != planWalkText && p.kind != planWalkLevels) {
		return e
	}
	var out query.Expr
	for _, t := range conjuncts(e) {
		if t == p.by.expr {
			continue
		}
		if out == nil {
			out = t
		} else {
			out = &query.And{X: out, Y: t}
		}
	}
	return out
}

// pageSQL returns the query selecting the page's rows of alerts (as a
// subquery aliased a, joined to documents by the caller) and its
// arguments. cond and args are the filter with the cursor condition.
// planWalkValue has its own, valueWalkSQL.
func (p searchPlan) pageSQL(sp sortSpec, cond string, args []any, f store.Filter, cursor []int64, limit int) (string, []any) {
	tail := ` ORDER BY ` + sp.orderBy() + ` LIMIT ` + strconv.Itoa(limit)
	switch p.kind {
	case planDrive:
		return `SELECT a.* FROM (SELECT DISTINCT seq FROM (` + p.by.seqs + `)) drv CROSS JOIN alerts a ON a.seq = drv.seq WHERE ` + cond + tail,
			append(append([]any(nil), p.by.args...), args...)
	case planWalkSort:
		index := "alerts_time"
		if len(sp.keys) == 3 {
			index = "alerts_priority"
		}
		// The walk selects seq only, so that rows the index and the probes
		// reject are never read; the page's rows are read after.
		return `SELECT a.* FROM (SELECT a.seq FROM alerts a INDEXED BY ` + index + ` WHERE ` + cond + tail +
			`) p CROSS JOIN alerts a ON a.seq = p.seq`, args
	}
	return `SELECT * FROM alerts a WHERE ` + cond + tail, args
}
