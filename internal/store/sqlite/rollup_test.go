package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/store"
)

// TestRollupGroupByAgrees compares every group-by that the rollup answers
// with the plain query over alert_values: fresh alerts, after updates that
// change values and CreateTimes (dirty hours), after retention cut in the
// middle of an hour, and once Retain has repaired the dirty hours.
func TestRollupGroupByAgrees(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "rollup.db"), Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// 3,000 alerts over the 6 hours before end, in batches of 300.
	const n = 3000
	ct := end.Add(-6 * time.Hour)
	g, err := alertgen.New(alertgen.Options{Seed: 5, Now: func() time.Time { ct = ct.Add(6 * time.Hour / n); return ct }})
	if err != nil {
		t.Fatal(err)
	}
	alerts := make([]*idmefv2.Alert, n)
	for i := range alerts {
		alerts[i] = g.Next()
	}
	for i := 0; i < n; i += 300 {
		if _, err := s.PutAlerts(ctx, alerts[i:i+300]); err != nil {
			t.Fatal(err)
		}
	}
	var rows int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM alert_rollup`).Scan(&rows); err != nil || rows == 0 {
		t.Fatalf("alert_rollup has %d rows (%v), want some", rows, err)
	}

	compare := func(stage string) {
		t.Helper()
		h := func(k int) time.Time { return end.Add(time.Duration(k) * time.Hour) }
		filters := map[string]store.Filter{
			"all":            {},
			"aligned":        {From: h(-4), To: h(-1)},
			"unaligned":      {From: h(-5).Add(17 * time.Minute), To: h(-1).Add(-9 * time.Minute)},
			"from only":      {From: h(-3).Add(time.Minute)},
			"to only":        {To: h(-2).Add(30 * time.Minute)},
			"within an hour": {From: h(-3).Add(10 * time.Minute), To: h(-3).Add(50 * time.Minute)},
			"empty":          {From: h(-2), To: h(-2)},
		}
		pairs := [][]string{
			{"Category", "Source(*).IP"},
			{"Source(*).IP", "Category"},
			{"Category", "Target(*).IP"},
			{"Target(*).IP", "Category"},
		}
		for name, f := range filters {
			for _, paths := range pairs {
				limits := []int{7}
				if name == "all" || name == "unaligned" {
					limits = []int{0, 7}
				}
				for _, limit := range limits {
					req := store.GroupRequest{Filter: f, Paths: paths, Limit: limit}
					s.noRollup = true
					want, err := s.GroupBy(ctx, req)
					s.noRollup = false
					if err != nil {
						t.Fatal(err)
					}
					got, err := s.GroupBy(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s: %s %v limit %d: rollup differs (-plain +rollup):\n%s", stage, name, paths, limit, diff)
					}
					if name == "all" && limit == 0 && len(want) == 0 {
						t.Errorf("%s: %v: no groups at all", stage, paths)
					}
				}
			}
		}
	}
	compare("fresh")

	// Re-send alerts with other values and CreateTimes: their old and new
	// hours become dirty.
	for i, a := range alerts[500:560] {
		t0, err := idmefv2.ParseTime(a.CreateTime)
		if err != nil {
			t.Fatal(err)
		}
		a.CreateTime = t0.Add(-90 * time.Minute).Format(time.RFC3339Nano)
		a.Category = []idmefv2.Category{idmefv2.Category(fmt.Sprintf("Test.Moved%d", i%3))}
	}
	if _, err := s.PutAlerts(ctx, alerts[500:560]); err != nil {
		t.Fatal(err)
	}
	if dirty := s.dirtyCount(t); dirty == 0 {
		t.Fatal("no dirty hour after updates")
	}
	compare("after updates")

	// Retention cut in the middle of an hour.
	if _, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: 4*time.Hour + 20*time.Minute, Now: end}); err != nil {
		t.Fatal(err)
	}
	if dirty := s.dirtyCount(t); dirty != 0 {
		t.Errorf("%d dirty hours after Retain, want 0 (repaired)", dirty)
	}
	compare("after retention")

	// A repair does not hold up writers: alerts stored in the hour while
	// it is read are added to what it read; an alert of the hour updated
	// meanwhile leaves the hour dirty for the next pass.
	h := end.Add(-2*time.Hour).UnixNano() / hourNS
	for i, update := range []bool{false, true} {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO rollup_dirty(hour) VALUES (?) `+bumpDirtyGen, h); err != nil {
			t.Fatal(err)
		}
		fired := false
		s.afterRepairRead = func(hour int64) {
			if fired || hour != h {
				return
			}
			fired = true
			batch := genAlerts(t, uint64(70+i), 40, time.Unix(0, (h+1)*hourNS).UTC())
			if update {
				moved := *alerts[2100] // created in hour h
				moved.Category = []idmefv2.Category{"Test.UpdatedDuringRepair"}
				batch = append(batch, &moved)
			}
			if _, err := s.PutAlerts(ctx, batch); err != nil {
				t.Error(err)
			}
		}
		if _, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: 24 * time.Hour, Now: end}); err != nil {
			t.Fatal(err)
		}
		s.afterRepairRead = nil
		if !fired {
			t.Fatal("the repair did not read the dirty hour")
		}
		want := 0
		if update {
			want = 1
		}
		if dirty := s.dirtyCount(t); dirty != want {
			t.Errorf("update during repair %v: %d dirty hours, want %d", update, dirty, want)
		}
		compare(fmt.Sprintf("stored during a repair (update %v)", update))
	}
	if _, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: 24 * time.Hour, Now: end}); err != nil {
		t.Fatal(err)
	}
	if dirty := s.dirtyCount(t); dirty != 0 {
		t.Errorf("%d dirty hours after a quiet repair, want 0", dirty)
	}
	compare("repaired after the update")

	// Dirty hours left unrepaired by a deletion are read from the rows.
	if _, err := s.w.ExecContext(ctx, `INSERT INTO rollup_dirty(hour) VALUES (?)`, end.Add(-2*time.Hour).UnixNano()/hourNS); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM alert_rollup WHERE hour = ?`, end.Add(-2*time.Hour).UnixNano()/hourNS); err != nil {
		t.Fatal(err)
	}
	compare("with a dirty hour")
}

func (s *Store) dirtyCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(t.Context(), `SELECT count(*) FROM rollup_dirty`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUncovered(t *testing.T) {
	h := hourNS
	got := uncovered(-5, 10*h+3, 0, 10, []int64{0, 3, 4, 9})
	want := []timeRange{{-5, h}, {3 * h, 5 * h}, {9 * h, 10*h + 3}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(timeRange{})); diff != "" {
		t.Errorf("uncovered (-want +got):\n%s", diff)
	}
}

func TestCompareValues(t *testing.T) {
	ordered := []any{int64(-3), int64(2), "A", "a", "b", []byte{0}, []byte{0, 1}, []byte{1}}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := compareValues(a, b); got != want {
				t.Errorf("compareValues(%v, %v) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// TestMigrateRollup: a version 3 database with alerts gets its rollup
// filled by migration 4, and group-by from it agrees with the rows.
func TestMigrateRollup(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutAlerts(ctx, genAlerts(t, 9, 600, end)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Back to version 3: the rollup tables go.
	db, p := legacyDB(t, path)
	if _, err := p.DownTo(ctx, 3); err != nil {
		t.Fatalf("down to 3: %v", err)
	}
	var tables int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('alert_rollup', 'rollup_dirty')`).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("after down to 3: %d rollup tables (%v)", tables, err)
	}
	_ = db.Close()

	s, err = Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatalf("open (migrate to 4): %v", err)
	}
	defer s.Close()
	for _, paths := range [][]string{{"Category", "Source(*).IP"}, {"Target(*).IP", "Category"}} {
		req := store.GroupRequest{Paths: paths, Limit: 1000}
		s.noRollup = true
		want, err := s.GroupBy(ctx, req)
		s.noRollup = false
		if err != nil || len(want) == 0 {
			t.Fatalf("plain group-by %v: %d groups, %v", paths, len(want), err)
		}
		got, err := s.GroupBy(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v after migration (-plain +rollup):\n%s", paths, diff)
		}
	}
}
