package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// TestSearchPlansAgree runs queries under every search plan that applies
// to them (planDrive from each candidate conjunct, planWalkValue from each
// walkable one, planWalkText and planWalkLevels from free text,
// planWalkSort) and checks that each returns, page after
// page, exactly what the plain plan returns.
func TestSearchPlansAgree(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	alerts := genAlerts(t, 7, 800, end)
	// In interleaved batches, so that a value has many postings whose
	// time ranges overlap (what the value walk merges).
	for k := range 8 {
		var batch []*idmefv2.Alert
		for i := k; i < len(alerts); i += 8 {
			batch = append(batch, alerts[i])
		}
		if _, err := s.PutAlerts(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	// Re-send some alerts with another CreateTime (an update rewrites
	// their indexed values) and move some through the lifecycle.
	for _, a := range alerts[100:140] {
		ct, err := time.Parse(time.RFC3339Nano, a.CreateTime)
		if err != nil {
			t.Fatal(err)
		}
		a.CreateTime = ct.Add(-30 * time.Minute).Format(time.RFC3339Nano)
	}
	if _, err := s.PutAlerts(ctx, alerts[100:140]); err != nil {
		t.Fatal(err)
	}
	ack := store.StateAcknowledged
	var ids []string
	for i := 0; i < len(alerts); i += 7 {
		ids = append(ids, alerts[i].ID)
	}
	if _, err := s.UpdateAlerts(ctx, ids, store.Change{State: &ack}, "tester"); err != nil {
		t.Fatal(err)
	}

	top := func(path string) (frequent, rare string) {
		g, err := s.Top(ctx, store.TopRequest{Path: path, Limit: 1000})
		if err != nil || len(g) == 0 {
			t.Fatalf("Top(%s) = %v, %v", path, g, err)
		}
		return g[0].Keys[0], g[len(g)-1].Keys[0]
	}
	ipHot, ipRare := top("Source(*).IP")
	catHot, catRare := top("Category")
	userHot, _ := top("Target(*).User")
	mid := end.Add(-30 * time.Minute)
	queries := []struct {
		q        string
		from, to time.Time
	}{
		{q: "Source.IP = " + ipHot},
		{q: "Source.IP = " + ipRare},
		{q: "Source.IP = " + ipHot, from: mid},
		{q: "Source.IP = " + ipHot, to: mid},
		{q: fmt.Sprintf("Source.IP in (%s, %s)", ipHot, ipRare)},
		{q: "Source.IP = " + ipHot + "/16 and Priority >= High"},
		{q: "Source.IP = 203.0.113.0/24 and Priority >= Medium"},
		{q: "Category = " + catHot + " and Source.IP = " + ipHot},
		{q: "Category = " + catRare + " and not Source.IP = " + ipHot},
		{q: "Category = " + catHot + " and (Priority = High or state = acknowledged)"},
		{q: "Target.User = " + userHot + " and state = acknowledged"},
		{q: "state = acknowledged and Category = " + catHot},
		{q: `"failed password"`},
		{q: `"failed password" and Source.IP = ` + ipHot},
		{q: `fail* and Category = ` + catHot, from: mid},
		{q: "Target.Port = 22 and Category in (" + catHot + ", " + catRare + ")"},
		{q: "Category = nothing-has-this"},
		{q: "Source.IP = " + ipHot + " and Source.Protocol = SSH"},
		{q: fmt.Sprintf("ID in (%s, %s) and Category = %s", alerts[120].ID, alerts[121].ID, alerts[120].Category[0])},
		{q: "Category = " + catHot + " or Source.IP = " + ipRare},
	}
	sorts := []store.Sort{store.SortTimeDesc, store.SortTimeAsc, store.SortPriorityDesc, store.SortPriorityAsc}
	for _, qc := range queries {
		for _, sort := range sorts {
			f := store.Filter{Query: qc.q, From: qc.from, To: qc.to}
			t.Run(fmt.Sprintf("%s/%s/%s", qc.q, sort, qc.from.Format("15:04")+qc.to.Format("15:04")), func(t *testing.T) {
				want := collect(t, s, f, sort, forced(planPlain, -1))
				if len(want) == 0 && qc.q != "Category = nothing-has-this" {
					t.Fatalf("plain plan found nothing: the query does not test much")
				}
				e, err := query.Parse(qc.q)
				if err != nil {
					t.Fatal(err)
				}
				w, err := compileExpr(e, f, end, probeNone)
				if err != nil {
					t.Fatal(err)
				}
				n := len(conjuncts(e))
				for i := range n {
					c, err := newCandidate(conjuncts(e)[i], f, w)
					if err != nil {
						t.Fatal(err)
					}
					if c == nil {
						continue
					}
					t.Run(fmt.Sprintf("drive-%d", i), func(t *testing.T) {
						if diff := cmp.Diff(want, collect(t, s, f, sort, forced(planDrive, i))); diff != "" {
							t.Errorf("drive from conjunct %d (-plain +drive):\n%s", i, diff)
						}
					})
					if c.text != nil && (sort == store.SortTimeDesc || sort == store.SortTimeAsc) {
						t.Run(fmt.Sprintf("walk-text-%d", i), func(t *testing.T) {
							if diff := cmp.Diff(want, collect(t, s, f, sort, forced(planWalkText, i))); diff != "" {
								t.Errorf("walk text of conjunct %d (-plain +walk):\n%s", i, diff)
							}
						})
					}
					if c.text != nil && (sort == store.SortPriorityDesc || sort == store.SortPriorityAsc) {
						t.Run(fmt.Sprintf("walk-levels-%d", i), func(t *testing.T) {
							if diff := cmp.Diff(want, collect(t, s, f, sort, forced(planWalkLevels, i))); diff != "" {
								t.Errorf("walk levels of conjunct %d (-plain +walk):\n%s", i, diff)
							}
						})
					}
					if c.walkable && (sort == store.SortTimeDesc || sort == store.SortTimeAsc) {
						t.Run(fmt.Sprintf("walk-value-%d", i), func(t *testing.T) {
							if diff := cmp.Diff(want, collect(t, s, f, sort, forced(planWalkValue, i))); diff != "" {
								t.Errorf("walk value of conjunct %d (-plain +walk):\n%s", i, diff)
							}
						})
					}
				}
				if diff := cmp.Diff(want, collect(t, s, f, sort, forced(planWalkSort, -1))); diff != "" {
					t.Errorf("walk sort index (-plain +walk):\n%s", diff)
				}
				// And the plan Search picks by itself.
				if diff := cmp.Diff(want, collect(t, s, f, sort, nil)); diff != "" {
					t.Errorf("chosen plan (-plain +chosen):\n%s", diff)
				}
			})
		}
	}
}

type planFunc = func(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error)

// forced returns a plan function that always picks kind, driven by or
// walking conjunct i.
func forced(kind planKind, i int) planFunc {
	return func(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error) {
		p := searchPlan{kind: kind}
		if i >= 0 {
			c, err := newCandidate(conjuncts(e)[i], req.Filter, w)
			if err != nil {
				return p, err
			}
			p.by = c
		}
		return p, nil
	}
}

// collect pages through a search 20 alerts at a time under plan (nil: the
// chosen plan) and returns the IDs in order, with the total.
func collect(t *testing.T, s *Store, f store.Filter, sort store.Sort, plan planFunc) []string {
	t.Helper()
	return collectN(t, s, f, sort, plan, 20)
}

// collectN is collect with pages of limit alerts.
func collectN(t *testing.T, s *Store, f store.Filter, sort store.Sort, plan planFunc, limit int) []string {
	t.Helper()
	s.forcePlan = plan
	defer func() { s.forcePlan = nil }()
	var ids []string
	req := store.SearchRequest{Filter: f, Sort: sort, Limit: limit, Total: true}
	for page := 0; ; page++ {
		res, err := s.Search(t.Context(), req)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, a := range res.Alerts {
			ids = append(ids, a.ID)
		}
		if res.Next == "" {
			if res.Total != len(ids) {
				t.Fatalf("total %d, paged through %d", res.Total, len(ids))
			}
			return ids
		}
		if page > 1000 {
			t.Fatal("more than 1000 pages")
		}
		req.Cursor = res.Next
	}
}

// openAt opens a store in a temporary directory whose clock stands at end;
// it is closed with the test.
func openAt(t *testing.T, end time.Time) *Store {
	t.Helper()
	s, err := Open(t.Context(), Options{Path: filepath.Join(t.TempDir(), "store.db"), Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
