package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// keySource is how a group-by key reads: joins to add to "FROM alerts a",
// and the key expression.
type keySource struct {
	join    string
	args    []any
	expr    string
	indexed *indexedPath // set for indexed paths (postings and value sets)
	format  func(any) string
}

func keyFor(path string, i int) (keySource, error) {
	f, err := query.ParseField(path)
	if err != nil {
		return keySource{}, fmt.Errorf("%w: path %q: %w", store.ErrInvalidQuery, path, err)
	}
	alias := "g" + strconv.Itoa(i)
	if col, ok := lookupColumn(f.Name); ok {
		k := keySource{expr: col.expr, format: formatAny}
		switch col.kind {
		case colTime:
			k.format = formatTime
		case colPriority:
			k.format = func(v any) string { n, _ := v.(int64); return priorityName(n) }
		case colBool:
			k.expr = "(" + col.expr + " IS NOT NULL)"
			k.format = func(v any) string { n, _ := v.(int64); return strconv.FormatBool(n != 0) }
		}
		return k, nil
	}
	if f.Name == query.FieldTag {
		return keySource{join: " JOIN alert_tags " + alias + " ON " + alias + ".seq = a.seq", expr: alias + ".tag", format: formatAny}, nil
	}
	if p, ok := lookupIndexed(f.Name); ok {
		k := keySource{
			join:    valueSetItems("a.seq", alias+"s", alias, p.code),
			expr:    valueExpr(alias, p.kind),
			indexed: &p,
			format:  formatAny,
		}
		if p.kind == kindIP {
			k.format = formatIP
		}
		return k, nil
	}
	src, err := newJSONSrc(f, alias+"d.doc", alias)
	if err != nil {
		return keySource{}, fmt.Errorf("%w: path %q: %w", store.ErrInvalidQuery, path, err)
	}
	join := " JOIN alert_docs " + alias + "d ON " + alias + "d.seq = a.seq"
	for _, j := range src.joins {
		join += " JOIN " + j
	}
	return keySource{join: join, args: src.args, expr: src.value, format: formatAny}, nil
}

func formatAny(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func formatIP(v any) string {
	if b, ok := v.([]byte); ok {
		return ipString(b)
	}
	return formatAny(v)
}

func formatTime(v any) string {
	n, ok := v.(int64)
	if !ok {
		return ""
	}
	return unixNS(n).Format(time.RFC3339Nano)
}

func clampLimit(n, def, most int) int {
	switch {
	case n <= 0:
		return def
	case n > most:
		return most
	}
	return n
}

// GroupBy implements store.Alerts.
func (s *Store) GroupBy(ctx context.Context, req store.GroupRequest) ([]store.Group, error) {
	if len(req.Paths) == 0 || len(req.Paths) > 8 {
		return nil, fmt.Errorf("sqlite: group by: %w: want 1 to 8 paths, got %d", store.ErrInvalidQuery, len(req.Paths))
	}
	groups, err := s.groups(ctx, "group_by", req.Filter, req.Paths, clampLimit(req.Limit, 100, 10000))
	if err != nil {
		return nil, fmt.Errorf("sqlite: group by: %w", err)
	}
	return groups, nil
}

// Top implements store.Alerts.
func (s *Store) Top(ctx context.Context, req store.TopRequest) ([]store.Group, error) {
	groups, err := s.groups(ctx, "top", req.Filter, []string{req.Path}, clampLimit(req.Limit, 10, 1000))
	if err != nil {
		return nil, fmt.Errorf("sqlite: top: %w", err)
	}
	return groups, nil
}

func (s *Store) groups(ctx context.Context, op string, f store.Filter, paths []string, limit int) ([]store.Group, error) {
	keys := make([]keySource, len(paths))
	for i, p := range paths {
		k, err := keyFor(p, i)
		if err != nil {
			return nil, err
		}
		keys[i] = k
	}
	if !s.noRollup {
		if groups, ok, err := s.groupsRollup(ctx, op, f, keys, limit); ok || err != nil {
			return groups, err
		}
	}
	q, args, w, err := s.groupSQL(f, keys, limit)
	if err != nil {
		return nil, err
	}
	if w != nil {
		if err := s.syncText(ctx, w); err != nil {
			return nil, err
		}
	}
	var out []store.Group
	err = s.readTx(ctx, op, func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		vals := make([]any, len(keys)+3)
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rs.Next() {
			if err := rs.Scan(ptrs...); err != nil {
				return err
			}
			g := store.Group{Keys: make([]string, len(keys))}
			for i, k := range keys {
				g.Keys[i] = k.format(vals[i])
			}
			n := len(keys)
			g.Count = int(vals[n].(int64))
			g.FirstSeen, g.LastSeen = unixNS(vals[n+1].(int64)), unixNS(vals[n+2].(int64))
			out = append(out, g)
		}
		return rs.Err()
	})
	return out, err
}

// groupSQL builds the aggregate query. Without a filter, keys that are
// all indexed paths read the first key's postings (postingGroupSQL);
// otherwise alerts a drives and the keys join it. It returns the filter's
// condition too, nil without one.
func (s *Store) groupSQL(f store.Filter, keys []keySource, limit int) (string, []any, *where, error) {
	exprs := make([]string, len(keys))
	for i, k := range keys {
		exprs[i] = k.expr
	}
	groupBy := strings.Join(exprs, ", ")
	tail := " GROUP BY " + groupBy + " ORDER BY count(*) DESC, " + groupBy + " LIMIT " + strconv.Itoa(limit)
	allIndexed := !slices.ContainsFunc(keys, func(k keySource) bool { return k.indexed == nil })
	if strings.TrimSpace(f.Query) == "" && allIndexed {
		q, args, err := postingGroupSQL(f, keys, exprs, limit)
		return q, args, nil, err
	}
	w, err := compileFilter(f, s.now())
	if err != nil {
		return "", nil, nil, err
	}
	var joins strings.Builder
	var args []any
	setJoined := false
	for i, k := range keys {
		if k.indexed != nil && len(keys) > 1 {
			// Indexed keys unnest one read of the alert's value set.
			if !setJoined {
				joins.WriteString(" JOIN alert_value_sets gs ON gs.seq = a.seq")
				setJoined = true
			}
			joins.WriteString(" JOIN json_each(gs.vals, " + fieldPath(k.indexed.code) + ") g" + strconv.Itoa(i))
			continue
		}
		joins.WriteString(k.join)
		args = append(args, k.args...)
	}
	args = append(args, w.args...)
	return "SELECT " + groupBy + ", count(*), min(a.create_ns), max(a.create_ns) FROM alerts a" + joins.String() +
		" WHERE " + w.sql.String() + tail, args, w, nil
}

// niceBuckets are the automatic histogram bucket sizes.
var niceBuckets = []time.Duration{
	time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second,
	time.Minute, 5 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour,
}

func autoBucket(span time.Duration) time.Duration {
	for _, b := range niceBuckets {
		if span/b <= 60 {
			return b
		}
	}
	return niceBuckets[len(niceBuckets)-1]
}

// Histogram implements store.Alerts.
func (s *Store) Histogram(ctx context.Context, req store.HistogramRequest) (store.Histogram, error) {
	var h store.Histogram
	w, err := compileFilter(req.Filter, s.now())
	if err != nil {
		return h, fmt.Errorf("sqlite: histogram: %w", err)
	}
	if err := s.syncText(ctx, w); err != nil {
		return h, fmt.Errorf("sqlite: histogram: %w", err)
	}
	if req.Bucket < 0 || (req.Bucket > 0 && req.Bucket < time.Millisecond) {
		return h, fmt.Errorf("sqlite: histogram: %w: bucket %s is below 1ms", store.ErrInvalidQuery, req.Bucket)
	}
	var key *keySource
	if req.SplitBy != "" {
		k, err := keyFor(req.SplitBy, 0)
		if err != nil {
			return h, fmt.Errorf("sqlite: histogram: %w", err)
		}
		key = &k
	}
	err = s.readTx(ctx, "histogram", func(tx *sql.Tx) error {
		h.Bucket = req.Bucket
		if h.Bucket == 0 {
			span, err := s.span(ctx, tx, req.Filter, w)
			if err != nil {
				return err
			}
			h.Bucket = autoBucket(span)
		}
		counts, err := histogramCounts(ctx, tx, w, key, histogramIndex(req.Filter, req.SplitBy), h.Bucket)
		if err != nil {
			return err
		}
		h.Buckets = splitSeries(counts, clampLimit(req.Limit, 10, 100))
		return nil
	})
	if err != nil {
		return h, fmt.Errorf("sqlite: histogram: %w", err)
	}
	return h, nil
}

// span is To-From, or the range of the matching alerts' CreateTime for a
// bound left open.
func (s *Store) span(ctx context.Context, tx *sql.Tx, f store.Filter, w *where) (time.Duration, error) {
	from, to := f.From.UnixNano(), f.To.UnixNano()
	if f.From.IsZero() || f.To.IsZero() {
		var lo, hi sql.NullInt64
		q, args := `SELECT min(a.create_ns), max(a.create_ns) FROM alerts a WHERE `+w.sql.String(), w.args
		if strings.TrimSpace(f.Query) == "" {
			// min and max apart: SQLite reads each from one end of the
			// time index, but computes them together by a full scan.
			q = `SELECT (SELECT min(a.create_ns) FROM alerts a WHERE ` + w.sql.String() + `), (SELECT max(a.create_ns) FROM alerts a WHERE ` + w.sql.String() + `)`
			args = append(append([]any(nil), w.args...), w.args...)
		}
		if err := tx.QueryRowContext(ctx, q, args...).Scan(&lo, &hi); err != nil {
			return 0, err
		}
		if f.From.IsZero() {
			from = lo.Int64
		}
		if f.To.IsZero() {
			to = hi.Int64
		}
	}
	return time.Duration(max(0, to-from)), nil
}

type bucketCount struct {
	start int64
	key   string
	n     int
}

// histogramIndex names the covering index an unfiltered histogram reads
// instead of the alerts rows (3 to 5 times fewer pages), or "" if it needs
// the rows: the time index without a split, (column, create_ns) for a
// split by an indexed column.
func histogramIndex(f store.Filter, split string) string {
	if strings.TrimSpace(f.Query) != "" {
		return ""
	}
	switch split {
	case "":
		return " INDEXED BY alerts_time"
	case "Priority":
		return " INDEXED BY alerts_priority"
	case "state":
		return " INDEXED BY alerts_state"
	case "Analyzer.Name":
		return " INDEXED BY alerts_analyzer"
	}
	return ""
}

func histogramCounts(ctx context.Context, tx *sql.Tx, w *where, key *keySource, index string, bucket time.Duration) ([]bucketCount, error) {
	keyExpr, join, args := "''", "", []any{int64(bucket)}
	format := formatAny
	if key != nil {
		keyExpr, join, format = key.expr, key.join, key.format
		args = append(args, key.args...)
	}
	args = append(args, w.args...)
	q := `SELECT a.create_ns / ? AS b, ` + keyExpr + `, count(*) FROM alerts a` + index + join + ` WHERE ` + w.sql.String() + ` GROUP BY 1, 2 ORDER BY 1`
	rs, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []bucketCount
	for rs.Next() {
		var b int64
		var k any
		var n int
		if err := rs.Scan(&b, &k, &n); err != nil {
			return nil, err
		}
		out = append(out, bucketCount{b * int64(bucket), format(k), n})
	}
	return out, rs.Err()
}

// splitSeries keeps the limit series with most alerts; the others are
// summed under "other".
func splitSeries(counts []bucketCount, limit int) []store.Bucket {
	totals := map[string]int{}
	for _, c := range counts {
		totals[c.key] += c.n
	}
	keys := make([]string, 0, len(totals))
	for k := range totals {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if totals[a] != totals[b] {
			return totals[b] - totals[a]
		}
		return strings.Compare(a, b)
	})
	keep := map[string]bool{}
	for i, k := range keys {
		keep[k] = i < limit
	}
	var out []store.Bucket
	for _, c := range counts {
		if len(out) == 0 || out[len(out)-1].Start.UnixNano() != c.start {
			out = append(out, store.Bucket{Start: unixNS(c.start), Counts: map[string]int{}})
		}
		b := &out[len(out)-1]
		k := c.key
		if !keep[k] {
			k = "other"
		}
		b.Counts[k] += c.n
		b.Total += c.n
	}
	return out
}

// Stats implements store.Alerts.
func (s *Store) Stats(ctx context.Context, f store.Filter) (store.Stats, error) {
	st := store.Stats{ByPriority: map[string]int{}, ByState: map[store.State]int{}}
	w, err := compileFilter(f, s.now())
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	if err := s.syncText(ctx, w); err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	if strings.TrimSpace(f.Query) == "" {
		err = s.readTx(ctx, "stats", func(tx *sql.Tx) error { return fastStats(ctx, tx, f, &st) })
		if err != nil {
			return st, fmt.Errorf("sqlite: stats: %w", err)
		}
		return st, nil
	}
	err = s.readTx(ctx, "stats", func(tx *sql.Tx) error {
		rs, err := tx.QueryContext(ctx, `SELECT a.priority, a.state, count(*), sum(a.superseded_by IS NOT NULL), min(a.create_ns), max(a.create_ns)
			FROM alerts a WHERE `+w.sql.String()+` GROUP BY 1, 2`, w.args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var prio, lo, hi int64
			var state string
			var n, sup int
			if err := rs.Scan(&prio, &state, &n, &sup, &lo, &hi); err != nil {
				return err
			}
			st.Total += n
			st.Superseded += sup
			st.ByPriority[priorityName(prio)] += n
			st.ByState[store.State(state)] += n
			if t := unixNS(lo); st.Oldest.IsZero() || t.Before(st.Oldest) {
				st.Oldest = t
			}
			if t := unixNS(hi); t.After(st.Newest) {
				st.Newest = t
			}
		}
		if err := rs.Err(); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`).Scan(&st.DeadLetters)
	})
	if err != nil {
		return st, fmt.Errorf("sqlite: stats: %w", err)
	}
	return st, nil
}

// fastStats answers an unfiltered Stats (time range only) from covering
// index scans: (priority, create_ns), (state, create_ns) and the partial
// superseded index, instead of reading every alert row.
func fastStats(ctx context.Context, tx *sql.Tx, f store.Filter, st *store.Stats) error {
	cond, args := "1", []any{}
	if !f.From.IsZero() {
		cond += " AND create_ns >= ?"
		args = append(args, f.From.UnixNano())
	}
	if !f.To.IsZero() {
		cond += " AND create_ns < ?"
		args = append(args, f.To.UnixNano())
	}
	rs, err := tx.QueryContext(ctx, `SELECT priority, count(*), min(create_ns), max(create_ns) FROM alerts INDEXED BY alerts_priority WHERE `+cond+` GROUP BY priority`, args...)
	if err != nil {
		return err
	}
	for rs.Next() {
		var prio, lo, hi int64
		var n int
		if err := rs.Scan(&prio, &n, &lo, &hi); err != nil {
			rs.Close()
			return err
		}
		st.Total += n
		st.ByPriority[priorityName(prio)] += n
		if t := unixNS(lo); st.Oldest.IsZero() || t.Before(st.Oldest) {
			st.Oldest = t
		}
		if t := unixNS(hi); t.After(st.Newest) {
			st.Newest = t
		}
	}
	if err := rs.Close(); err != nil {
		return err
	}
	rs, err = tx.QueryContext(ctx, `SELECT state, count(*) FROM alerts INDEXED BY alerts_state WHERE `+cond+` GROUP BY state`, args...)
	if err != nil {
		return err
	}
	for rs.Next() {
		var state string
		var n int
		if err := rs.Scan(&state, &n); err != nil {
			rs.Close()
			return err
		}
		st.ByState[store.State(state)] += n
	}
	if err := rs.Close(); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alerts WHERE superseded_by IS NOT NULL AND `+cond, args...).Scan(&st.Superseded); err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `SELECT count(*) FROM dead_letters`).Scan(&st.DeadLetters)
}

// postingGroupSQL is groupSQL without a query, over indexed keys only,
// read from the postings of the first key (postings.go). With one key,
// a posting inside the time range counts as a whole (n, tmin, tmax) and
// only those across an end of the range are unnested, their alerts tested
// one by one; the postings are in key order, so grouping needs no sort.
// With more keys, the first key's postings are unnested and the other
// keys read from each alert's value set.
func postingGroupSQL(f store.Filter, keys []keySource, exprs []string, limit int) (string, []any, error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.From.IsZero() {
		lo = f.From.UnixNano()
	}
	if !f.To.IsZero() {
		hi = f.To.UnixNano()
	}
	ranged := lo != math.MinInt64 || hi != math.MaxInt64
	code := keys[0].indexed.code
	if len(keys) == 1 {
		inner := `SELECT v, n, tmin AS f, tmax AS l FROM alert_postings WHERE field = ?`
		args := []any{code}
		if ranged {
			inner += ` AND tmin >= ? AND tmax < ?
				UNION ALL
				SELECT p.v, 1, a.create_ns, a.create_ns FROM alert_postings p JOIN json_each(p.seqs) j CROSS JOIN alerts a ON a.seq = j.value
				WHERE p.field = ? AND p.tmax >= ? AND p.tmin < ? AND (p.tmin < ? OR p.tmax >= ?) AND a.create_ns >= ? AND a.create_ns < ?`
			args = append(args, lo, hi, code, lo, hi, lo, hi, lo, hi)
		}
		return `SELECT g0.v, sum(g0.n), min(g0.f), max(g0.l) FROM (` + inner + `) g0
			GROUP BY g0.v ORDER BY sum(g0.n) DESC, g0.v LIMIT ` + strconv.Itoa(limit), args, nil
	}
	exprs[0] = "p.v"
	groupBy := strings.Join(exprs, ", ")
	var b strings.Builder
	b.WriteString("SELECT " + groupBy + ", count(*), min(a.create_ns), max(a.create_ns)" +
		" FROM alert_postings p JOIN json_each(p.seqs) j CROSS JOIN alerts a ON a.seq = j.value" +
		" JOIN alert_value_sets gs ON gs.seq = a.seq")
	for i := 1; i < len(keys); i++ {
		b.WriteString(" JOIN json_each(gs.vals, " + fieldPath(keys[i].indexed.code) + ") g" + strconv.Itoa(i))
	}
	b.WriteString(" WHERE p.field = ?")
	args := []any{code}
	if ranged {
		b.WriteString(" AND p.tmax >= ? AND p.tmin < ? AND a.create_ns >= ? AND a.create_ns < ?")
		args = append(args, lo, hi, lo, hi)
	}
	b.WriteString(" GROUP BY " + groupBy + " ORDER BY count(*) DESC, " + groupBy + " LIMIT " + strconv.Itoa(limit))
	return b.String(), args, nil
}
