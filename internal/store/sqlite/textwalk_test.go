package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

// TestTextWalkDisorder checks the text walk where seq does not follow
// time: the alerts are stored in shuffled order, so the walk's seq order
// is unrelated to the page's time order, and every page (of several
// sizes, with time ranges, field filters and cursors) must still be the
// plain plan's.
func TestTextWalkDisorder(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	alerts := genAlerts(t, 11, 2000, end)
	// Mostly in order, as in life, with a fifth of the alerts stored far
	// from their time.
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range alerts {
		if rnd.IntN(5) == 0 {
			j := rnd.IntN(len(alerts))
			alerts[i], alerts[j] = alerts[j], alerts[i]
		}
	}
	for i := 0; i < len(alerts); i += 250 {
		if _, err := s.PutAlerts(ctx, alerts[i:min(i+250, len(alerts))]); err != nil {
			t.Fatal(err)
		}
	}
	mid := end.Add(-30 * time.Minute)
	queries := []struct {
		q        string
		from, to time.Time
	}{
		{q: `"failed password"`},
		{q: `"failed password"`, from: mid},
		{q: `"failed password"`, to: mid},
		{q: `"failed password"`, from: end.Add(-40 * time.Minute), to: end.Add(-35 * time.Minute)},
		{q: `password and Priority >= High`},
		{q: `"failed password" and Target.User = root`},
		{q: `pass* and not Target.User = root`, from: mid},
		{q: `nmap`},
		{q: `nothing-has-this-word`},
	}
	for _, qc := range queries {
		for _, sort := range []store.Sort{store.SortTimeDesc, store.SortTimeAsc, store.SortPriorityDesc, store.SortPriorityAsc} {
			f := store.Filter{Query: qc.q, From: qc.from, To: qc.to}
			kind := planWalkText
			if sort == store.SortPriorityDesc || sort == store.SortPriorityAsc {
				kind = planWalkLevels
			}
			for _, limit := range []int{7, 50} {
				t.Run(fmt.Sprintf("%s/%s/%s/%d", qc.q, sort, qc.from.Format("15:04")+qc.to.Format("15:04"), limit), func(t *testing.T) {
					want := collectN(t, s, f, sort, forced(planPlain, -1), limit)
					if len(want) == 0 && qc.q != `nothing-has-this-word` {
						t.Fatal("plain plan found nothing: the query does not test much")
					}
					got := collectN(t, s, f, sort, forced(kind, 0), limit)
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s (-plain +walk):\n%s", kind, diff)
					}
				})
			}
		}
	}
}

// TestPlanPicksTextWalk checks which plan frequent free text gets: the
// text walk under a time sort, unless a rare conjunct can drive.
func TestPlanPicksTextWalk(t *testing.T) {
	ctx := t.Context()
	end := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, end)
	if _, err := s.PutAlerts(ctx, genAlerts(t, 3, 7000, end)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		q    string
		sort store.Sort
		want planKind
	}{
		{`password`, store.SortTimeDesc, planWalkText},
		{`password`, store.SortTimeAsc, planWalkText},
		{`password and Priority >= High`, store.SortTimeDesc, planWalkText},
		{`password`, store.SortPriorityDesc, planWalkLevels},
		{`password`, store.SortPriorityAsc, planWalkLevels},
		{`nmap`, store.SortPriorityDesc, planDrive},
		{`password and ID = nope`, store.SortTimeDesc, planDrive},
		{`nmap`, store.SortTimeDesc, planDrive},
	}
	for _, c := range cases {
		var got planKind
		s.forcePlan = func(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error) {
			p, err := planSearch(ctx, tx, e, req.Filter, req.Sort, w)
			got = p.kind
			return p, err
		}
		res, err := s.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: c.q}, Sort: c.sort, Limit: 100})
		s.forcePlan = nil
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		if got != c.want {
			t.Errorf("%s sorted %s: plan %s, want %s", c.q, c.sort, got, c.want)
		}
		if c.q == `password` && len(res.Alerts) != 100 {
			t.Errorf("%s: %d alerts, want a full page", c.q, len(res.Alerts))
		}
	}
}
