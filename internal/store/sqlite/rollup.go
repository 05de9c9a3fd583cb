package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// hourNS is the rollup's time unit.
const hourNS = int64(time.Hour)

// rollupPairs are the pairs of indexed paths whose hourly counts live in
// alert_rollup (migration 00004 fills them for older alerts; a new pair
// needs a migration that does the same). A group-by over exactly such a
// pair, without a query, reads whole clean hours from the rollup and only
// the rest from the alerts. Each pair costs one upsert per distinct
// (hour, value, value) of a PutAlerts batch.
var rollupPairs = [][2]indexedPath{
	{pathCategory, pathSourceIP},
	{pathCategory, pathTargetIP},
}

// maxRollupRanges bounds the time ranges a rollup group-by reads from
// the alerts (the edges and the dirty hours, merged when adjacent);
// beyond it the plain query is cheaper.
const maxRollupRanges = 32

// rollupKey is one rollup row's key within a batch.
type rollupKey struct {
	f1, f2 int64
	hour   int64
	v1, v2 string // valueKey of each value
}

type rollupAgg struct {
	v1, v2      any
	n           int64
	first, last int64
}

// valueKey makes a map key of a stored value, keeping the type apart.
func valueKey(v any) string {
	switch x := v.(type) {
	case int64:
		return "i" + strconv.FormatInt(x, 10)
	case []byte:
		return "b" + string(x)
	case string:
		return "s" + x
	}
	return fmt.Sprintf("?%v", v)
}

// rollUp adds the pairs of newly inserted alerts to alert_rollup: one
// upsert per distinct (pair, hour, values) of the batch.
func (s *Store) rollUp(ctx context.Context, tx *sql.Tx, rows []*alertRow) error {
	aggs := map[rollupKey]*rollupAgg{}
	var order []rollupKey
	for _, r := range rows {
		if r.createNS < 0 {
			continue
		}
		hour := r.createNS / hourNS
		for _, p := range rollupPairs {
			for _, a := range r.values {
				if a.field != p[0].code {
					continue
				}
				for _, b := range r.values {
					if b.field != p[1].code {
						continue
					}
					k := rollupKey{p[0].code, p[1].code, hour, valueKey(a.v), valueKey(b.v)}
					g, ok := aggs[k]
					if !ok {
						g = &rollupAgg{v1: a.v, v2: b.v, first: r.createNS, last: r.createNS}
						aggs[k] = g
						order = append(order, k)
					}
					g.n++
					g.first, g.last = min(g.first, r.createNS), max(g.last, r.createNS)
				}
			}
		}
	}
	args := make([]any, 0, len(order)*8)
	for _, k := range order {
		g := aggs[k]
		args = append(args, k.f1, k.f2, k.hour, g.v1, g.v2, g.n, g.first, g.last)
	}
	if err := s.insertRows(ctx, tx, insertRollupHead, insertRollupTail, 8, args); err != nil {
		return fmt.Errorf("sqlite: put alerts: rollup: %w", err)
	}
	return nil
}

// markDirty records hours (of CreateTimes in Unix ns) whose rollup rows
// no longer match the alerts; negative times are never rolled up.
func markDirty(ctx context.Context, tx *sql.Tx, createNS ...int64) error {
	for _, ns := range createNS {
		if ns < 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_dirty(hour) VALUES (?) `+bumpDirtyGen, ns/hourNS); err != nil {
			return fmt.Errorf("mark rollup hour dirty: %w", err)
		}
	}
	return nil
}

// markDirtySeqs marks the hours of the alerts seqs (before they change).
func markDirtySeqs(ctx context.Context, tx *sql.Tx, seqs []any) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO rollup_dirty(hour)
		SELECT DISTINCT create_ns / `+strconv.FormatInt(hourNS, 10)+` FROM alerts WHERE create_ns >= 0 AND seq IN (`+placeholders(len(seqs))+`) `+bumpDirtyGen, seqs...); err != nil {
		return fmt.Errorf("mark rollup hours dirty: %w", err)
	}
	return nil
}

// bumpDirtyGen ends an INSERT into rollup_dirty: marking an hour dirty
// again bumps its generation, which tells a repair in progress that what
// it read is stale.
const bumpDirtyGen = `ON CONFLICT (hour) DO UPDATE SET gen = gen + 1`

// repairRollup recomputes the rollup of every dirty hour from the
// alerts' value sets. Each hour is read in a read transaction, which does not
// hold up writers however many alerts the hour has, and written in a
// short write transaction: the alerts stored since the read (seqs above
// the read's last) are added to what was read, and if the hour was marked
// dirty again meanwhile (an alert of it updated or deleted), it is left
// dirty for the next pass.
func (s *Store) repairRollup(ctx context.Context) error {
	var hours []int64
	err := s.readTx(ctx, "rollup_repair", func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT hour FROM rollup_dirty ORDER BY hour`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var h int64
			if err := rs.Scan(&h); err != nil {
				return err
			}
			hours = append(hours, h)
		}
		return rs.Err()
	})
	if err != nil {
		return fmt.Errorf("sqlite: rollup repair: %w", err)
	}
	for _, h := range hours {
		if err := s.repairHour(ctx, h); err != nil {
			return fmt.Errorf("sqlite: rollup repair hour %d: %w", h, err)
		}
	}
	return nil
}

func (s *Store) repairHour(ctx context.Context, h int64) error {
	lo, hi := h*hourNS, min(h+1, math.MaxInt64/hourNS)*hourNS
	var (
		gen, lastSeq int64
		rows         []any // insertRollupHead's 8 columns per row
	)
	err := s.readTx(ctx, "rollup_repair", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT gen, (SELECT coalesce(max(seq), 0) FROM alerts) FROM rollup_dirty WHERE hour = ?`, h).Scan(&gen, &lastSeq)
		if err != nil {
			return err // sql.ErrNoRows: repaired by another pass; handled below
		}
		for _, p := range rollupPairs {
			rs, err := tx.QueryContext(ctx, rollupRowsSQL, p[0].code, p[1].code, lo, hi)
			if err != nil {
				return err
			}
			for rs.Next() {
				var v1, v2 any
				var n, first, last int64
				if err := rs.Scan(&v1, &v2, &n, &first, &last); err != nil {
					rs.Close()
					return err
				}
				rows = append(rows, p[0].code, p[1].code, h, v1, v2, n, first, last)
			}
			if err := rs.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if s.afterRepairRead != nil {
		s.afterRepairRead(h)
	}
	return s.writeTx(ctx, "rollup_repair", func(ctx context.Context, tx *sql.Tx) error {
		var now int64
		switch err := tx.QueryRowContext(ctx, `SELECT gen FROM rollup_dirty WHERE hour = ?`, h).Scan(&now); {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		case now != gen:
			return nil // dirtied again while it was read: the next pass
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM alert_rollup WHERE hour = ?`, h); err != nil {
			return err
		}
		if err := s.insertRows(ctx, tx, insertRollupHead, "", 8, rows); err != nil {
			return err
		}
		for _, p := range rollupPairs {
			if _, err := tx.ExecContext(ctx, insertRollupHead+` SELECT ?, ?, ?, * FROM (`+rollupNewRowsSQL+`) WHERE true `+insertRollupTail,
				p[0].code, p[1].code, h, p[0].code, p[1].code, lastSeq, lo, hi); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM rollup_dirty WHERE hour = ?`, h)
		return err
	})
}

// rollupPair returns the field codes of keys in rollup order and whether
// they are swapped, when the two keys are a rolled-up pair.
func rollupPair(keys []keySource) (f1, f2 int64, swapped, ok bool) {
	if len(keys) != 2 || keys[0].indexed == nil || keys[1].indexed == nil {
		return 0, 0, false, false
	}
	a, b := keys[0].indexed.code, keys[1].indexed.code
	for _, p := range rollupPairs {
		switch {
		case p[0].code == a && p[1].code == b:
			return a, b, false, true
		case p[0].code == b && p[1].code == a:
			return b, a, true, true
		}
	}
	return 0, 0, false, false
}

// rollupRowsSQL counts the pairs of (field ?, field ?) of the alerts
// created in [?, ?) from their value sets, driven by the time index: what
// a rollup hour holds.
const rollupRowsSQL = `SELECT ` + rollupValues + `, count(*), min(a.create_ns), max(a.create_ns)
	FROM alerts a INDEXED BY alerts_time
	JOIN alert_value_sets gs ON gs.seq = a.seq
	JOIN json_each(gs.vals, '$.f' || ?) g0
	JOIN json_each(gs.vals, '$.f' || ?) g1
	WHERE a.create_ns >= ? AND a.create_ns < ?
	GROUP BY 1, 2`

// rollupValues are the two values of a pair, whatever their kinds (the
// field codes are parameters).
// (anyValueExpr, written out so that the queries are constants).
const rollupValues = `iif(g0.type = 'array', unhex(g0.value ->> 0), g0.value), iif(g1.type = 'array', unhex(g1.value ->> 0), g1.value)`

// rollupNewRowsSQL is rollupRowsSQL for the alerts stored after seq ?
// only, driven by seq: what a repair adds to the rows it read.
const rollupNewRowsSQL = `SELECT ` + rollupValues + `, count(*), min(a.create_ns), max(a.create_ns)
	FROM alerts a
	JOIN alert_value_sets gs ON gs.seq = a.seq
	JOIN json_each(gs.vals, '$.f' || ?) g0
	JOIN json_each(gs.vals, '$.f' || ?) g1
	WHERE a.seq > ? AND a.create_ns >= ? AND a.create_ns < ?
	GROUP BY 1, 2`

// timeRange is [lo, hi) in Unix ns.
type timeRange struct{ lo, hi int64 }

// groupsRollup answers an unfiltered group-by over a rolled-up pair: clean
// whole hours from alert_rollup, the partial edges of the range and the
// dirty hours from the alerts' value sets, merged, sorted and cut as the plain
// query would. ok is false when the plain query should run instead.
func (s *Store) groupsRollup(ctx context.Context, op string, f store.Filter, keys []keySource, limit int) (groups []store.Group, ok bool, err error) {
	f1, f2, swapped, isPair := rollupPair(keys)
	if !isPair || strings.TrimSpace(f.Query) != "" {
		return nil, false, nil
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		lo = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		hi = f.To.UnixNano()
	}
	// Whole hours inside [lo, hi): [hFirst, hEnd).
	hFirst := int64(0)
	if lo > 0 {
		hFirst = (lo + hourNS - 1) / hourNS
	}
	hEnd := int64(math.MaxInt64/hourNS) + 1
	if hi != math.MaxInt64 {
		hEnd = hi / hourNS
	}
	if hi <= 0 || hFirst >= hEnd {
		return nil, false, nil
	}
	aggs := map[[2]string]*rollupAgg{}
	add := func(v1, v2 any, n, first, last int64) {
		k := [2]string{valueKey(v1), valueKey(v2)}
		g, found := aggs[k]
		if !found {
			aggs[k] = &rollupAgg{v1: v1, v2: v2, n: n, first: first, last: last}
			return
		}
		g.n += n
		g.first, g.last = min(g.first, first), max(g.last, last)
	}
	err = s.readTx(ctx, op, func(tx *sql.Tx) error {
		dirty, err := dirtyHours(ctx, tx, hFirst, hEnd)
		if err != nil {
			return err
		}
		ranges := uncovered(lo, hi, hFirst, hEnd, dirty)
		if len(ranges) > maxRollupRanges {
			return nil
		}
		ok = true
		rs, err := tx.QueryContext(ctx, `SELECT v1, v2, sum(n), min(first_ns), max(last_ns) FROM alert_rollup
			WHERE f1 = ? AND f2 = ? AND hour >= ? AND hour < ? AND hour NOT IN (SELECT hour FROM rollup_dirty)
			GROUP BY v1, v2`, f1, f2, hFirst, hEnd)
		if err != nil {
			return err
		}
		if err := scanAggs(rs, add); err != nil {
			return err
		}
		for _, r := range ranges {
			rs, err := tx.QueryContext(ctx, rollupRowsSQL, f1, f2, r.lo, r.hi)
			if err != nil {
				return err
			}
			if err := scanAggs(rs, add); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !ok {
		return nil, ok, err
	}
	list := make([]*rollupAgg, 0, len(aggs))
	for _, g := range aggs {
		if swapped {
			g.v1, g.v2 = g.v2, g.v1
		}
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *rollupAgg) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		if c := compareValues(a.v1, b.v1); c != 0 {
			return c
		}
		return compareValues(a.v2, b.v2)
	})
	list = list[:min(len(list), limit)]
	groups = make([]store.Group, len(list))
	for i, g := range list {
		groups[i] = store.Group{Keys: []string{keys[0].format(g.v1), keys[1].format(g.v2)}, Count: int(g.n),
			FirstSeen: unixNS(g.first), LastSeen: unixNS(g.last)}
	}
	return groups, true, nil
}

func scanAggs(rs *sql.Rows, add func(v1, v2 any, n, first, last int64)) error {
	defer rs.Close()
	for rs.Next() {
		var v1, v2 any
		var n, first, last int64
		if err := rs.Scan(&v1, &v2, &n, &first, &last); err != nil {
			return err
		}
		add(v1, v2, n, first, last)
	}
	return rs.Err()
}

func dirtyHours(ctx context.Context, tx *sql.Tx, from, end int64) ([]int64, error) {
	rs, err := tx.QueryContext(ctx, `SELECT hour FROM rollup_dirty WHERE hour >= ? AND hour < ? ORDER BY hour`, from, end)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []int64
	for rs.Next() {
		var h int64
		if err := rs.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rs.Err()
}

// uncovered lists the parts of [lo, hi) that the rollup does not answer:
// before hour hFirst, from hour hEnd on, and the dirty hours (sorted),
// adjacent parts merged.
func uncovered(lo, hi, hFirst, hEnd int64, dirty []int64) []timeRange {
	var out []timeRange
	push := func(r timeRange) {
		if r.lo >= r.hi {
			return
		}
		if n := len(out); n > 0 && out[n-1].hi >= r.lo {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			return
		}
		out = append(out, r)
	}
	push(timeRange{lo, hFirst * hourNS})
	for _, h := range dirty {
		push(timeRange{h * hourNS, (h + 1) * hourNS})
	}
	if hEnd <= math.MaxInt64/hourNS {
		push(timeRange{hEnd * hourNS, hi})
	}
	return out
}

// compareValues orders stored values as SQLite does: numbers, then text,
// then blobs (bytes in order).
func compareValues(a, b any) int {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case int64, float64:
			return 1
		case string:
			return 2
		}
		return 3
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
		return cmp.Compare(float64(x), b.(float64))
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
		return cmp.Compare(x, float64(b.(int64)))
	case string:
		return strings.Compare(x, b.(string))
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	}
	return 0
}
