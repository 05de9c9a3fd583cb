package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// valueKeyRow is one value of one alert, v as valueKey gives it.
type valueKeyRow struct {
	Field int64
	V     string
	T     int64
	Seq   int64
}

func sortKeyRows(rows []valueKeyRow) []valueKeyRow {
	slices.SortFunc(rows, func(a, b valueKeyRow) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return rows
}

func queryKeyRows(t *testing.T, db *sql.DB, q string) []valueKeyRow {
	t.Helper()
	rs, err := db.QueryContext(t.Context(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rs.Close()
	var out []valueKeyRow
	for rs.Next() {
		var r valueKeyRow
		var v any
		if err := rs.Scan(&r.Field, &v, &r.T, &r.Seq); err != nil {
			t.Fatal(err)
		}
		r.V = valueKey(v)
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return sortKeyRows(out)
}

// valueSetRowsSQL expands every value set into (field, v, t, seq) rows.
const valueSetRowsSQL = `SELECT CAST(substr(f.key, 2) AS INTEGER), iif(e.type = 'array', unhex(e.value ->> 0), e.value), a.create_ns, a.seq
	FROM alerts a JOIN alert_value_sets s ON s.seq = a.seq JOIN json_each(s.vals) f JOIN json_each(f.value) e`

// checkValueIndex checks that the postings hold exactly the values that
// PutAlerts extracts from each stored document, and that the value sets
// list the same.
func checkValueIndex(t *testing.T, db *sql.DB) {
	t.Helper()
	rs, err := db.QueryContext(t.Context(), `SELECT a.seq, a.create_ns, d.doc FROM alerts a JOIN alert_docs d ON d.seq = a.seq`)
	if err != nil {
		t.Fatal(err)
	}
	var want []valueKeyRow
	for rs.Next() {
		var seq, ct int64
		var doc []byte
		if err := rs.Scan(&seq, &ct, &doc); err != nil {
			t.Fatal(err)
		}
		a, err := idmefv2.DecodeShared(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range extractValues(a) {
			want = append(want, valueKeyRow{v.field, valueKey(v.v), ct, seq})
		}
	}
	if err := rs.Close(); err != nil {
		t.Fatal(err)
	}
	want = sortKeyRows(want)
	if len(want) == 0 {
		t.Fatal("no values at all")
	}
	rows := queryKeyRows(t, db, postingRowsSQL)
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("alert_postings (-extracted +stored):\n%s", diff)
	}
	checkPostings(t, db)
	var invalid int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM alert_value_sets WHERE NOT json_valid(vals, 8)`).Scan(&invalid); err != nil || invalid != 0 {
		t.Errorf("%d value sets are not well-formed JSONB (%v)", invalid, err)
	}
	sets := queryKeyRows(t, db, valueSetRowsSQL)
	if diff := cmp.Diff(want, sets); diff != "" {
		t.Errorf("alert_value_sets (-extracted +stored):\n%s", diff)
	}
}

// oddAlerts carry values that the JSON of a value set must escape or tell
// apart: quotes, backslashes, control characters, non-ASCII text, long
// text (JSONB sizes of 1, 2 and 4 bytes), an IP
// that does not parse (kept as text), IPv6 and IPv4 addresses, a path
// under two list members, ports.
func oddAlerts(end time.Time) []*idmefv2.Alert {
	var out []*idmefv2.Alert
	texts := []string{`quote " and \ backslash`, "tab\tnew\nline\x01", "é ü 日本", "[\"x\"]", "f3", "", "12", strings.Repeat("x", 300), strings.Repeat("y", 70000)}
	for i, s := range texts {
		out = append(out, &idmefv2.Alert{
			Version:    "2.D.V04",
			ID:         fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			CreateTime: end.Add(-time.Duration(i+1) * time.Minute).Format(time.RFC3339Nano),
			Category:   []idmefv2.Category{idmefv2.Category(s), "Recon.Scanning"},
			Analyzer:   idmefv2.Analyzer{IP: "192.0.2.1", Name: "odd", Model: "m", Category: []idmefv2.AnalyzerCategory{"NIDS"}, Data: []idmefv2.AnalyzerData{"Network"}, Method: []idmefv2.AnalyzerMethod{"Signature"}},
			Source: []idmefv2.Source{
				{IP: "2001:db8::" + fmt.Sprint(i+1), User: s},
				{IP: "not an address " + s, Hostname: s},
				{IP: fmt.Sprintf("198.51.100.%d", i+1)},
			},
			Target: []idmefv2.Target{{IP: "203.0.113.9", Port: []int{22, 443 + i}, Service: s}},
		})
	}
	return out
}

// TestValueSetsMatchValues: after inserts, re-sends that change values
// and CreateTimes, and retention, alert_values and the value sets hold
// exactly each stored alert's values (no row left behind by a delete that
// goes by full key), and value-set probes (CIDR, inequalities, wildcards)
// agree with the value index.
func TestValueSetsMatchValues(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vs.db"), Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts := append(genAlerts(t, 3, 800, end), oddAlerts(end)...)
	if _, err := s.PutAlerts(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	checkValueIndex(t, s.r)
	checkProbes(t, s)
	checkGroups(t, s)

	// Re-send: other values, other CreateTimes.
	for i, a := range alerts[100:200] {
		a.CreateTime = end.Add(-time.Duration(30+i) * time.Minute).Format(time.RFC3339Nano)
		a.Category = append(a.Category, idmefv2.Category(fmt.Sprintf("Test.Changed%d", i%4)))
		if len(a.Source) > 0 {
			a.Source = a.Source[1:]
		}
	}
	odd := alerts[800:]
	odd[0].Source[0].IP = "2001:db8::ff"
	if _, err := s.PutAlerts(ctx, alerts[100:200]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAlerts(ctx, odd[:1]); err != nil {
		t.Fatal(err)
	}
	checkValueIndex(t, s.r)
	checkProbes(t, s)
	checkGroups(t, s)

	res, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: 40 * time.Minute, Now: end})
	if err != nil || res.Deleted == 0 {
		t.Fatalf("retain: %+v, %v; want deletions", res, err)
	}
	checkValueIndex(t, s.r)
	checkProbes(t, s)
	checkGroups(t, s)
}

// checkProbes compares filters that the value sets answer (probes, as a
// drive or walk tests rows) with the same filters as IN-lists of
// alert_values (the plain plan).
func checkProbes(t *testing.T, s *Store) {
	t.Helper()
	queries := []string{
		`Source.IP = 198.51.100.0/24`,
		`Source.IP = 2001:db8::/32 or Category = Recon.Scanning`,
		`Source.IP > 10.0.0.0`,
		`Source.IP < 198.51.100.3`,
		`Category ~ "*Changed*"`,
		`Category ~ "quote*"`,
		`Source.User ~ "*日本*"`,
		`Target.Port >= 444`,
		`Target.Port in (22, 445)`,
		`not Source.IP = 198.51.100.0/24`,
	}
	for _, q := range queries {
		e, err := query.Parse(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		plain, err := compileExpr(e, store.Filter{}, time.Now(), probeNone)
		if err != nil {
			t.Fatal(err)
		}
		probed, err := compileExpr(e, store.Filter{}, time.Now(), probeAll)
		if err != nil {
			t.Fatal(err)
		}
		want := seqsWhere(t, s, plain)
		got := seqsWhere(t, s, probed)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: probes differ from the value index (-index +probes):\n%s", q, diff)
		}
	}
}

func seqsWhere(t *testing.T, s *Store, w *where) []int64 {
	t.Helper()
	rs, err := s.r.QueryContext(context.Background(), `SELECT a.seq FROM alerts a WHERE `+w.sql.String()+` ORDER BY a.seq`, w.args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []int64
	for rs.Next() {
		var seq int64
		if err := rs.Scan(&seq); err != nil {
			t.Fatal(err)
		}
		out = append(out, seq)
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateValueSets: migration 00009 builds from alert_values the same
// value sets as PutAlerts writes, and its down restores the seq index.
func TestMigrateValueSets(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAlerts(ctx, append(genAlerts(t, 4, 300, end), oddAlerts(end)...)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, p := legacyDB(t, path)
	before := queryKeyRows(t, db, valueSetRowsSQL)
	if _, err := p.DownTo(ctx, 8); err != nil {
		t.Fatalf("down to 8: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('alert_values_seq', 'alert_value_sets')`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("after down to 8: %d of alert_values_seq, alert_value_sets (%v), want the index only", n, err)
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatalf("up to 9: %v", err)
	}
	if diff := cmp.Diff(before, queryKeyRows(t, db, valueSetRowsSQL)); diff != "" {
		t.Errorf("value sets built by the migration (-PutAlerts +migration):\n%s", diff)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	checkValueIndex(t, db)
}

// TestMigratePostings: migration 00011 builds postings that hold the same
// values as the rows they replace and keep every invariant, and its down
// gives the rows back.
func TestMigratePostings(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	alerts := append(genAlerts(t, 4, 600, end), oddAlerts(end)...)
	for k := range 3 {
		var batch []*idmefv2.Alert
		for i := k; i < len(alerts); i += 3 {
			batch = append(batch, alerts[i])
		}
		if _, err := s.PutAlerts(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, p := legacyDB(t, path)
	before := queryKeyRows(t, db, postingRowsSQL)
	if _, err := p.DownTo(ctx, 10); err != nil {
		t.Fatalf("down to 10: %v", err)
	}
	if diff := cmp.Diff(before, queryKeyRows(t, db, `SELECT field, v, t, seq FROM alert_values`)); diff != "" {
		t.Errorf("alert_values after down (-postings +rows):\n%s", diff)
	}
	if _, err := p.UpTo(ctx, 11); err != nil {
		t.Fatalf("up to 11: %v", err)
	}
	checkValueIndex(t, db)
	if diff := cmp.Diff(before, queryKeyRows(t, db, postingRowsSQL)); diff != "" {
		t.Errorf("postings built by the migration (-PutAlerts +migration):\n%s", diff)
	}
}

// TestPostingLookupsSeek: finding the postings of a value in one hour
// (deletes) and walking a value's postings in time order seek the primary
// key; a scan would read every posting of the store.
func TestPostingLookupsSeek(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "seek.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PutAlerts(ctx, genAlerts(t, 1, 100, time.Now())); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		postingsInHourSQL: "SEARCH alert_postings USING PRIMARY KEY (field=? AND v=? AND tmax>? AND tmax<?)",
		`SELECT tmax, seqs FROM alert_postings WHERE field = ? AND v = ? AND tmax >= ? AND tmax < ? ORDER BY tmax DESC, lo DESC`: "SEARCH alert_postings USING PRIMARY KEY (field=? AND v=? AND tmax>? AND tmax<?)",
	} {
		rs, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, 1, 2, 3, 4)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rs.Next() {
			var id, parent, notused int
			var detail string
			if err := rs.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(plan, want) {
			t.Errorf("%s:\nplan %q, want %q", q, plan, want)
		}
	}
}

// checkGroups compares group-bys whose keys come from value sets (a
// filter that every alert passes: alerts drive, keys join their value
// sets) with the same without a filter (the first key's postings drive),
// over all time and over time ranges that cut postings.
func checkGroups(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	s.noRollup = true
	defer func() { s.noRollup = false }()
	var first, last int64
	if err := s.r.QueryRowContext(ctx, `SELECT min(create_ns), max(create_ns) FROM alerts`).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	a, b := time.Unix(0, first+(last-first)/3+7), time.Unix(0, last-(last-first)/3)
	ranges := []store.Filter{{}, {From: a}, {To: b}, {From: a, To: b}}
	for _, paths := range [][]string{
		{"Source(*).IP"},
		{"Category", "Source(*).IP"},
		{"Target(*).Port", "Category", "Source(*).User"},
		{"Source(*).Hostname", "Priority"},
	} {
		for _, f := range ranges {
			want, err := s.GroupBy(ctx, store.GroupRequest{Filter: f, Paths: paths, Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			f.Query = `not ID = "none"`
			got, err := s.GroupBy(ctx, store.GroupRequest{Filter: f, Paths: paths, Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 && f.From.IsZero() && f.To.IsZero() {
				t.Errorf("%v: no groups", paths)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%v %v–%v: keys from value sets differ (-unfiltered +filtered):\n%s", paths, f.From, f.To, diff)
			}
		}
	}
	// A histogram split by an indexed path joins the value sets too: its
	// counts per key add up to the group-by's.
	for _, path := range []string{"Category", "Target(*).Port"} {
		groups, err := s.GroupBy(ctx, store.GroupRequest{Paths: []string{path}, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		for _, g := range groups {
			want[g.Keys[0]] = g.Count
		}
		h, err := s.Histogram(ctx, store.HistogramRequest{Bucket: time.Hour, SplitBy: path, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, b := range h.Buckets {
			for k, n := range b.Counts {
				got[k] += n
			}
		}
		if len(want) > 100 {
			t.Fatalf("%s: %d keys, more than the histogram's series", path, len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("histogram split by %s (-group-by +histogram):\n%s", path, diff)
		}
	}
}

// postingRowsSQL expands every posting into (field, v, t, seq) rows, t
// -1 for a seq with no alert.
const postingRowsSQL = `SELECT p.field, p.v, coalesce(a.create_ns, -1), j.value
	FROM alert_postings p JOIN json_each(p.seqs) j LEFT JOIN alerts a ON a.seq = j.value`

// checkPostings checks what the readers of postings rely on: seqs
// ascending and well-formed, lo the lowest, n their number, tmin and tmax
// the exact CreateTimes of the oldest and newest alert, all in one hour.
func checkPostings(t *testing.T, db *sql.DB) {
	t.Helper()
	rs, err := db.QueryContext(t.Context(), `SELECT p.field, p.v, p.tmax, p.lo, p.tmin, p.n, p.seqs,
		(SELECT min(a.create_ns) FROM json_each(p.seqs) j JOIN alerts a ON a.seq = j.value),
		(SELECT max(a.create_ns) FROM json_each(p.seqs) j JOIN alerts a ON a.seq = j.value)
		FROM alert_postings p`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	n := 0
	for rs.Next() {
		var field, tmax, lo, tmin, count int64
		var mn, mx sql.NullInt64
		var v any
		var blob []byte
		if err := rs.Scan(&field, &v, &tmax, &lo, &tmin, &count, &blob, &mn, &mx); err != nil {
			t.Fatal(err)
		}
		n++
		seqs, err := decodeSeqs(blob, nil)
		key := fmt.Sprintf("posting (%d, %s, %d, %d)", field, valueKey(v), tmax, lo)
		switch {
		case err != nil:
			t.Errorf("%s: %v", key, err)
		case len(seqs) == 0 || int64(len(seqs)) != count || seqs[0] != lo:
			t.Errorf("%s: n %d, seqs %v", key, count, seqs)
		case !slices.IsSorted(seqs) || len(slices.Compact(slices.Clone(seqs))) != len(seqs):
			t.Errorf("%s: seqs not strictly ascending: %v", key, seqs)
		case mn.Int64 != tmin || mx.Int64 != tmax:
			t.Errorf("%s: bounds [%d, %d], alerts' times [%v, %v]", key, tmin, tmax, mn, mx)
		case postingHour(tmin) != postingHour(tmax):
			t.Errorf("%s: spans hours %d to %d", key, postingHour(tmin), postingHour(tmax))
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no postings")
	}
}
