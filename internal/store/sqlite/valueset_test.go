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

// valueKeyRow is one row of alert_values, v as valueKey gives it.
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

// valueSetRows expands every value set into alert_values rows.
const valueSetRowsSQL = `SELECT CAST(substr(f.key, 2) AS INTEGER), iif(e.type = 'array', unhex(e.value ->> 0), e.value), a.create_ns, a.seq
	FROM alerts a JOIN alert_value_sets s ON s.seq = a.seq JOIN json_each(s.vals) f JOIN json_each(f.value) e`

// checkValueIndex checks that alert_values holds exactly the values that
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
	rows := queryKeyRows(t, db, `SELECT field, v, t, seq FROM alert_values`)
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("alert_values (-extracted +stored):\n%s", diff)
	}
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
	checkValueIndex(t, db)
	if diff := cmp.Diff(before, queryKeyRows(t, db, valueSetRowsSQL)); diff != "" {
		t.Errorf("value sets built by the migration (-PutAlerts +migration):\n%s", diff)
	}
}

// TestValueDeletesSeek: the deletes of value rows by full key seek the
// primary key of alert_values once per value; a scan of the table would
// cost a pass over every value row of the store per re-sent alert or
// retention batch.
func TestValueDeletesSeek(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "seek.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PutAlerts(ctx, genAlerts(t, 1, 100, time.Now())); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{deleteValuesSQL("?"), deleteValuesSQL("?,?,?")} {
		rs, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, 1, 2, 3)
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
		if !slices.Contains(plan, "SEARCH alert_values USING PRIMARY KEY (field=? AND v=? AND t=? AND seq=?)") {
			t.Errorf("%s:\nplan %q, want a search of the primary key", q, plan)
		}
	}
}

// checkGroups compares group-bys whose keys come from value sets (a
// filter that every alert passes: alerts drive, keys join their value
// sets) with the same without a filter (alert_values drives the first
// key).
func checkGroups(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	s.noRollup = true
	defer func() { s.noRollup = false }()
	for _, paths := range [][]string{
		{"Source(*).IP"},
		{"Category", "Source(*).IP"},
		{"Target(*).Port", "Category", "Source(*).User"},
		{"Source(*).Hostname", "Priority"},
	} {
		want, err := s.GroupBy(ctx, store.GroupRequest{Paths: paths, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GroupBy(ctx, store.GroupRequest{Filter: store.Filter{Query: `not ID = "none"`}, Paths: paths, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Errorf("%v: no groups", paths)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v: keys from value sets differ (-unfiltered +filtered):\n%s", paths, diff)
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
