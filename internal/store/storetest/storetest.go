package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// Run runs the contract suite against the engine that open returns.
func Run(t *testing.T, open Opener) {
	t.Run("Put", func(t *testing.T) { testPut(t, open) })
	t.Run("PredID", func(t *testing.T) { testPredID(t, open) })
	t.Run("Query", func(t *testing.T) { testQuery(t, open) })
	t.Run("QueryErrors", func(t *testing.T) { testQueryErrors(t, open) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, open) })
	t.Run("Aggregations", func(t *testing.T) { testAggregations(t, open) })
	t.Run("Lifecycle", func(t *testing.T) { testLifecycle(t, open) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open) })
	t.Run("DeadLetters", func(t *testing.T) { testDeadLetters(t, open) })
	t.Run("Sensors", func(t *testing.T) { testSensors(t, open) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open) })
	t.Run("Events", func(t *testing.T) { testEvents(t, open) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open) })
}

func testPut(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	a := alert(id(1), base, nil)
	if got := put(t, ctx, s, a); got != (store.PutResult{Inserted: 1}) {
		t.Fatalf("first put = %+v, want 1 inserted", got)
	}
	t.Run("identical re-send is a no-op", func(t *testing.T) {
		before := get(t, ctx, s, a.ID)
		if got := put(t, ctx, s, alert(id(1), base, nil)); got != (store.PutResult{Unchanged: 1}) {
			t.Fatalf("re-send = %+v, want 1 unchanged", got)
		}
		if after := get(t, ctx, s, a.ID); !after.UpdatedAt.Equal(before.UpdatedAt) {
			t.Errorf("UpdatedAt moved on an identical re-send: %v → %v", before.UpdatedAt, after.UpdatedAt)
		}
	})
	t.Run("changed re-send replaces content and keeps lifecycle", func(t *testing.T) {
		st := store.StateAcknowledged
		if _, err := s.UpdateAlerts(ctx, []string{a.ID}, store.Change{State: &st, AddTags: []string{"keep"}}, "ana"); err != nil {
			t.Fatal(err)
		}
		changed := alert(id(1), base, func(a *idmefv2.Alert) {
			a.Description = "rewritten"
			a.Source = []idmefv2.Source{src("192.0.2.9")}
		})
		if got := put(t, ctx, s, changed); got != (store.PutResult{Updated: 1}) {
			t.Fatalf("changed re-send = %+v, want 1 updated", got)
		}
		got := get(t, ctx, s, a.ID)
		doc, err := idmefv2.Decode(got.JSON)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Description != "rewritten" {
			t.Errorf("Description = %q, want the re-sent one", doc.Description)
		}
		if got.Lifecycle.State != store.StateAcknowledged || !slices.Equal(got.Lifecycle.Tags, []string{"keep"}) {
			t.Errorf("lifecycle = %+v, want acknowledged with tag keep", got.Lifecycle)
		}
		// Old indexed values are gone, new ones found.
		if n := ids(t, ctx, s, store.SearchRequest{Filter: store.Filter{Query: "Source.IP = 192.0.2.9"}}); len(n) != 1 {
			t.Errorf("new Source.IP not indexed: %v", n)
		}
		if n := ids(t, ctx, s, store.SearchRequest{Filter: store.Filter{Query: `"test alert"`}}); len(n) != 0 {
			t.Errorf("old free text still indexed: %v", n)
		}
	})
	t.Run("duplicate IDs in one batch: last wins", func(t *testing.T) {
		first := alert(id(2), base, func(a *idmefv2.Alert) { a.Description = "first" })
		last := alert(id(2), base, func(a *idmefv2.Alert) { a.Description = "last" })
		if got := put(t, ctx, s, first, last); got != (store.PutResult{Inserted: 1}) {
			t.Fatalf("put = %+v, want 1 inserted", got)
		}
		doc, _ := idmefv2.Decode(get(t, ctx, s, id(2)).JSON)
		if doc.Description != "last" {
			t.Errorf("Description = %q, want last", doc.Description)
		}
	})
	t.Run("unknown ID", func(t *testing.T) {
		if _, err := s.Alert(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Alert(nope) = %v, want ErrNotFound", err)
		}
	})
	t.Run("alert without ID is refused whole batch", func(t *testing.T) {
		_, err := s.PutAlerts(ctx, []*idmefv2.Alert{alert(id(3), base, nil), alert("", base, nil)})
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("err = %v, want ErrInvalid", err)
		}
		if _, err := s.Alert(ctx, id(3)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("alert of a refused batch was stored: %v", err)
		}
	})
	t.Run("stored JSON round-trips", func(t *testing.T) {
		gen := generated(t, 3, 50, base)
		put(t, ctx, s, gen...)
		for _, g := range gen[:5] {
			want, _ := idmefv2.Encode(g)
			if got := get(t, ctx, s, g.ID); string(got.JSON) != string(want) {
				t.Errorf("alert %s JSON differs:\n got %s\nwant %s", g.ID, got.JSON, want)
			}
		}
	})
}

func testPredID(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	succ := func(n, pred int) *idmefv2.Alert {
		return alert(id(n), base.Add(time.Minute), func(a *idmefv2.Alert) { a.PredID = []string{id(pred)} })
	}
	t.Run("predecessor first", func(t *testing.T) {
		put(t, ctx, s, alert(id(1), base, nil))
		put(t, ctx, s, succ(2, 1))
		if got := get(t, ctx, s, id(1)).Lifecycle.SupersededBy; got != id(2) {
			t.Errorf("SupersededBy = %q, want %q", got, id(2))
		}
		if got := get(t, ctx, s, id(2)).Lifecycle.SupersededBy; got != "" {
			t.Errorf("successor is superseded by %q", got)
		}
	})
	t.Run("successor first", func(t *testing.T) {
		put(t, ctx, s, succ(4, 3))
		put(t, ctx, s, alert(id(3), base, nil))
		if got := get(t, ctx, s, id(3)).Lifecycle.SupersededBy; got != id(4) {
			t.Errorf("SupersededBy = %q, want %q", got, id(4))
		}
	})
	t.Run("same batch", func(t *testing.T) {
		put(t, ctx, s, succ(6, 5), alert(id(5), base, nil))
		if got := get(t, ctx, s, id(5)).Lifecycle.SupersededBy; got != id(6) {
			t.Errorf("SupersededBy = %q, want %q", got, id(6))
		}
	})
	t.Run("queryable and exported", func(t *testing.T) {
		got := sorted(ids(t, ctx, s, store.SearchRequest{Filter: store.Filter{Query: "superseded = true"}}))
		if diff := cmp.Diff([]string{id(1), id(3), id(5)}, got); diff != "" {
			t.Errorf("superseded = true (-want +got):\n%s", diff)
		}
		out, err := store.ExportJSON(get(t, ctx, s, id(1)))
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := idmefv2.Decode(out)
		if want := []idmefv2.Status{idmefv2.StatusEvent, idmefv2.StatusClosed}; !slices.Equal(doc.Status, want) {
			t.Errorf("exported Status = %v, want %v", doc.Status, want)
		}
		if rep := idmefv2.ValidateJSON(out); len(rep.Errors()) > 0 {
			t.Errorf("exported alert is invalid: %v", rep.Errors())
		}
	})
}
