package sqlite

import (
	"errors"
	"hash/maphash"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// TestPutAlertsKnownIDsInBatch: in a batch that mixes new alerts with
// stored ones (an identical re-send and a changed one), each alert is
// stored once, with its document, and counted right — whether the filter of
// stored IDs rules the new ones out (the normal case), says every ID may be
// stored (saturated), or is not loaded yet (every ID is looked up).
func TestPutAlertsKnownIDsInBatch(t *testing.T) {
	for _, filter := range []string{"filter", "saturated", "loading"} {
		t.Run(filter, func(t *testing.T) {
			testPutAlertsKnownIDsInBatch(t, filter)
		})
	}
}

func testPutAlertsKnownIDsInBatch(t *testing.T, filter string) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if filter == "saturated" {
		saturate(s.ids)
	}
	alerts := genAlerts(t, 5, 700, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if res, err := s.PutAlerts(ctx, alerts[:300]); err != nil || res.Inserted != 300 {
		t.Fatalf("first batch: %+v, %v", res, err)
	}
	if filter == "loading" {
		// As if the store had just opened: the first batch was stored
		// before, and the filter of stored IDs is still being read.
		s.ids, s.idsLoaded = newIDFilter(0, maphash.MakeSeed()), false
	}
	changed := *alerts[250]
	changed.Description = "changed on re-send"
	// Known IDs late in the batch, after rows of a full 200-row statement.
	batch := append(append([]*idmefv2.Alert(nil), alerts[300:700]...), alerts[10], &changed)
	res, err := s.PutAlerts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.PutResult{Inserted: 400, Updated: 1, Unchanged: 1}); res != want {
		t.Fatalf("mixed batch: %+v, want %+v", res, want)
	}
	var alertsN, docs, orphans int
	if err := s.w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM alerts), (SELECT count(*) FROM alert_docs),
		(SELECT count(*) FROM alert_docs WHERE seq NOT IN (SELECT seq FROM alerts))`).Scan(&alertsN, &docs, &orphans); err != nil {
		t.Fatal(err)
	}
	if alertsN != 700 || docs != 700 || orphans != 0 {
		t.Fatalf("stored %d alerts, %d documents, %d orphan documents; want 700, 700, 0", alertsN, docs, orphans)
	}
	got, err := s.Alert(ctx, changed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := idmefv2.Decode(got.JSON); err != nil || a.Description != "changed on re-send" {
		t.Fatalf("re-sent alert: %q, %v", a.Description, err)
	}
	for i := 300; i < 700; i += 50 {
		if _, err := s.Alert(ctx, alerts[i].ID); err != nil {
			t.Fatalf("new alert %s: %v", alerts[i].ID, err)
		}
	}
	checkUniqueIDs(t, s)
}

// saturate sets every bit of f: it then says that every ID may be stored.
func saturate(f *idFilter) {
	for i := range f.layers {
		for j := range f.layers[i].words {
			f.layers[i].words[j] = ^uint64(0)
		}
		f.layers[i].n = 1
	}
}

// checkUniqueIDs fails unless every stored alert ID is stored once (the ID
// index is not unique: the store keeps IDs unique itself).
func checkUniqueIDs(t *testing.T, s *Store) {
	t.Helper()
	var dups int
	if err := s.w.QueryRowContext(t.Context(), `SELECT count(*) FROM (SELECT id FROM alerts GROUP BY id HAVING count(*) > 1)`).Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups != 0 {
		t.Fatalf("%d alert IDs are stored more than once", dups)
	}
}

// TestAlertIDsAcrossReopenAndBuckets: the filter of stored IDs is rebuilt
// when the store opens (in the background), so a re-send after a restart updates the stored
// alert instead of adding a second one; and IDs are found by every lookup
// (Alert, the query language, lifecycle updates, PredID) whichever bucket
// of the ID index (32,768 seqs each) holds them.
func TestAlertIDsAcrossReopenAndBuckets(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	alerts := genAlerts(t, 9, 60, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if _, err := s.PutAlerts(ctx, alerts[:20]); err != nil {
		t.Fatal(err)
	}
	// The next alerts get seqs on both sides of the boundary between
	// buckets 2 and 3 (seqs from 3·32,768 − 10).
	s.nextSeq = 3<<15 - 10
	if _, err := s.PutAlerts(ctx, alerts[20:40]); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(ctx, Options{Path: path}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.loading.Wait()
	if !s.idsLoaded {
		t.Fatal("the filter of stored IDs did not load")
	}
	for _, a := range alerts[:40] {
		if !s.ids.mayContain(a.ID) {
			t.Fatalf("stored ID %s is not in the loaded filter", a.ID)
		}
	}
	changed := *alerts[35]
	changed.Description = "changed after a restart"
	// The last alert supersedes one in the first bucket and one in the last.
	succ := *alerts[40]
	succ.PredID = []string{alerts[3].ID, alerts[39].ID}
	batch := append(append([]*idmefv2.Alert(nil), alerts[5], &changed, &succ), alerts[41:60]...)
	res, err := s.PutAlerts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.PutResult{Inserted: 20, Updated: 1, Unchanged: 1}); res != want {
		t.Fatalf("after reopening: %+v, want %+v", res, want)
	}
	checkUniqueIDs(t, s)
	var buckets []int64
	rs, err := s.r.QueryContext(ctx, `SELECT k FROM alert_id_buckets ORDER BY k DESC`)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var k int64
		if err := rs.Scan(&k); err != nil {
			t.Fatal(err)
		}
		buckets = append(buckets, k)
	}
	rs.Close()
	// Seqs 1–20 (bucket 0) and 98,294–98,333 (buckets 2 and 3); bucket 1
	// holds none.
	if !slices.Equal(buckets, []int64{3, 2, 0}) {
		t.Fatalf("alert_id_buckets = %v, want [3 2 0]", buckets)
	}
	for _, i := range []int{0, 19, 20, 29, 30, 39, 40, 59} {
		id := alerts[i].ID
		got, err := s.Alert(ctx, id)
		if err != nil {
			t.Fatalf("alert %d: %v", i, err)
		}
		page, err := s.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "ID = " + strconv.Quote(id)}})
		if err != nil || len(page.Alerts) != 1 || page.Alerts[0].ID != got.ID {
			t.Fatalf("search ID = alert %d: %+v, %v", i, page.Alerts, err)
		}
	}
	for _, i := range []int{3, 39} {
		got, err := s.Alert(ctx, alerts[i].ID)
		if err != nil || got.Lifecycle.SupersededBy != succ.ID {
			t.Fatalf("alert %d superseded by %q (%v), want %s", i, got.Lifecycle.SupersededBy, err, succ.ID)
		}
	}
	closed := store.StateAcknowledged
	up, err := s.UpdateAlerts(ctx, []string{alerts[1].ID, alerts[30].ID, alerts[50].ID}, store.Change{State: &closed}, "tester")
	if err != nil || up.Changed != 3 {
		t.Fatalf("update across buckets: %+v, %v", up, err)
	}
}

// TestIDLookupsSeek: every statement that finds alerts by ID seeks the
// bucketed ID index, in a store without ANALYZE statistics (a new one) as
// in an analysed one; a plan that scans the alerts costs a full scan per
// lookup.
func TestIDLookupsSeek(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PutAlerts(ctx, genAlerts(t, 14, 3000, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	w := &where{now: time.Now()}
	col, _ := lookupColumn("ID")
	if err := w.compareColumn(col, &query.Compare{Field: query.Field{Name: "ID"}, Op: query.In, Values: []query.Value{{Text: "x"}, {Text: "y"}}}); err != nil {
		t.Fatal(err)
	}
	statements := map[string]struct {
		sql  string
		args []any
	}{
		"Alert":          {alertByIDSQL, []any{"x"}},
		"seq by ID":      {seqByIDSQL, []any{"x"}},
		"PredID":         {supersedeByIDSQL, []any{"y", 1, "x"}},
		"put lookup":     {lookupIDsSQL(2), []any{"x", "y"}},
		"lifecycle":      {lifecycleRowsSQL(2), []any{"x", "y"}},
		"query ID in ()": {`SELECT a.seq FROM alerts a WHERE ` + w.sql.String(), w.args},
	}
	for _, analysed := range []bool{false, true} {
		if analysed {
			if _, err := s.w.ExecContext(ctx, `ANALYZE main`); err != nil {
				t.Fatal(err)
			}
		}
		for name, st := range statements {
			plan := explain(t, s, st.sql, st.args...)
			if !strings.Contains(plan, "SEARCH a USING") || !strings.Contains(plan, "INDEX alerts_id_bucket (") ||
				scansAlerts.MatchString(plan) {
				t.Errorf("%s (analysed %v) does not seek the ID index:\n%s", name, analysed, plan)
			}
		}
	}
}

// scansAlerts matches a plan step that reads every alert.
var scansAlerts = regexp.MustCompile(`(?m)^SCAN (a|alerts)( |$)`)

// explain returns the query plan of a statement, one step a line.
func explain(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rs, err := s.w.QueryContext(t.Context(), `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var plan []string
	for rs.Next() {
		var id, parent, unused int
		var detail string
		if err := rs.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// TestTwoWritersOneStore: two processes may write one store (vigie import
// beside vigie serve). Each catches up with the other's commits before it
// writes, so seqs do not collide, a re-send of an alert the other stored
// updates it, and no ID is stored twice.
func TestTwoWritersOneStore(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	a, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	alerts := genAlerts(t, 11, 40, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if res, err := a.PutAlerts(ctx, alerts[:10]); err != nil || res.Inserted != 10 {
		t.Fatalf("a: %+v, %v", res, err)
	}
	changed := *alerts[5]
	changed.Description = "re-sent through the other writer"
	res, err := b.PutAlerts(ctx, append(append([]*idmefv2.Alert(nil), alerts[10:20]...), &changed, alerts[6]))
	if err != nil {
		t.Fatalf("b, after a wrote: %v", err)
	}
	if want := (store.PutResult{Inserted: 10, Updated: 1, Unchanged: 1}); res != want {
		t.Fatalf("b, after a wrote: %+v, want %+v", res, want)
	}
	succ := *alerts[20]
	succ.PredID = []string{alerts[15].ID}
	res, err = a.PutAlerts(ctx, []*idmefv2.Alert{alerts[15], &succ})
	if err != nil {
		t.Fatalf("a, after b wrote: %v", err)
	}
	if want := (store.PutResult{Inserted: 1, Unchanged: 1}); res != want {
		t.Fatalf("a, after b wrote: %+v, want %+v", res, want)
	}
	checkUniqueIDs(t, a)
	got, err := a.Alert(ctx, alerts[15].ID)
	if err != nil || got.Lifecycle.SupersededBy != succ.ID {
		t.Fatalf("alert written by b, superseded through a: %q, %v", got.Lifecycle.SupersededBy, err)
	}
}

// TestRetainDropsOldIDBuckets: once retention deleted every alert of the
// oldest buckets of the ID index, lookups by ID stop probing them, and the
// alerts left are still found by ID.
func TestRetainDropsOldIDBuckets(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old := genAlerts(t, 12, 10, day)
	recent := genAlerts(t, 13, 10, day.Add(48*time.Hour))
	if _, err := s.PutAlerts(ctx, old); err != nil {
		t.Fatal(err)
	}
	s.nextSeq = 3 << 15 // the recent alerts go into bucket 3
	if _, err := s.PutAlerts(ctx, recent); err != nil {
		t.Fatal(err)
	}
	res, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: 24 * time.Hour, Now: day.Add(48 * time.Hour)})
	if err != nil || res.Deleted != 10 {
		t.Fatalf("retain: %+v, %v", res, err)
	}
	var buckets string
	if err := s.r.QueryRowContext(ctx, `SELECT group_concat(k) FROM alert_id_buckets`).Scan(&buckets); err != nil {
		t.Fatal(err)
	}
	if buckets != "3" {
		t.Fatalf("alert_id_buckets after retention = %s, want 3", buckets)
	}
	if _, err := s.Alert(ctx, recent[4].ID); err != nil {
		t.Fatalf("recent alert after retention: %v", err)
	}
	if _, err := s.Alert(ctx, old[4].ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted alert: %v, want ErrNotFound", err)
	}
}

// TestPutAlertsAfterWriterReconnect checks that the bulk statements cached
// on the writer's driver connection are prepared again when database/sql
// replaces that connection: statements of a closed connection would fail.
func TestPutAlertsAfterWriterReconnect(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts := genAlerts(t, 21, 500, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if res, err := s.PutAlerts(ctx, alerts[:250]); err != nil || res.Inserted != 250 {
		t.Fatalf("first batch: %+v, %v", res, err)
	}
	first := s.raw.conn
	// No idle connection kept: the pool closes the writer's, and the next
	// transaction opens a new one.
	s.w.SetMaxIdleConns(0)
	s.w.SetMaxIdleConns(1)
	if res, err := s.PutAlerts(ctx, alerts[250:]); err != nil || res.Inserted != 250 {
		t.Fatalf("batch on a new connection: %+v, %v", res, err)
	}
	if s.raw.conn == first {
		t.Fatal("the writer connection was not replaced: the test proves nothing")
	}
	for _, a := range []*idmefv2.Alert{alerts[0], alerts[499]} {
		if _, err := s.Alert(ctx, a.ID); err != nil {
			t.Errorf("alert %s: %v", a.ID, err)
		}
	}
}
