package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

func testPagination(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	var batch []*idmefv2.Alert
	var originals []string
	for i := range 30 {
		originals = append(originals, id(i))
		// Pairs share a CreateTime, so the tiebreaker matters.
		batch = append(batch, alert(id(i), base.Add(time.Duration(i/2)*time.Second), func(a *idmefv2.Alert) {
			a.Priority = []idmefv2.Priority{idmefv2.PriorityLow, idmefv2.PriorityMedium, idmefv2.PriorityHigh}[i%3]
		}))
	}
	put(t, ctx, s, batch...)
	for _, sort := range []store.Sort{store.SortTimeDesc, store.SortTimeAsc, store.SortPriorityDesc, store.SortPriorityAsc} {
		t.Run(string(sort), func(t *testing.T) {
			whole, err := s.Search(ctx, store.SearchRequest{Sort: sort, Limit: 1000, Total: true})
			if err != nil {
				t.Fatal(err)
			}
			if whole.Total != len(whole.Alerts) || whole.Next != "" {
				t.Fatalf("one page: total %d, %d alerts, next %q", whole.Total, len(whole.Alerts), whole.Next)
			}
			checkOrder(t, sort, whole.Alerts)
			var want []string
			for _, a := range whole.Alerts {
				if slices.Contains(originals, a.ID) {
					want = append(want, a.ID)
				}
			}
			if len(want) != 30 {
				t.Fatalf("one page holds %d of the 30 alerts", len(want))
			}
			// Page by 7 while inserting alerts older, newer and equal in time.
			req := store.SearchRequest{Sort: sort, Limit: 7}
			var got []string
			for page := 0; ; page++ {
				res, err := s.Search(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Alerts) > 7 {
					t.Fatalf("page of %d alerts, limit 7", len(res.Alerts))
				}
				for _, a := range res.Alerts {
					got = append(got, a.ID)
				}
				n := 1000 + page*3 + len(sort)*100
				put(t, ctx, s,
					alert(id(n), base.Add(-time.Hour), nil),
					alert(id(n+1), base.Add(time.Hour), nil),
					alert(id(n+2), base.Add(5*time.Second), nil))
				if res.Next == "" {
					break
				}
				req.Cursor = res.Next
			}
			// Every original alert exactly once, in order.
			var kept []string
			for _, g := range got {
				if slices.Contains(originals, g) {
					kept = append(kept, g)
				}
			}
			if diff := cmp.Diff(want, kept); diff != "" {
				t.Errorf("paged order of the original alerts (-want +got):\n%s", diff)
			}
			seen := map[string]bool{}
			for _, g := range got {
				if seen[g] {
					t.Errorf("alert %s returned twice", g)
				}
				seen[g] = true
			}
		})
	}
	t.Run("cursor of another sort", func(t *testing.T) {
		res, err := s.Search(ctx, store.SearchRequest{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Search(ctx, store.SearchRequest{Sort: store.SortPriorityDesc, Cursor: res.Next}); err == nil {
			t.Error("a time cursor was accepted for a priority sort")
		}
	})
}

func checkOrder(t *testing.T, sort store.Sort, alerts []store.Alert) {
	t.Helper()
	rank := func(a store.Alert) int {
		doc, _ := idmefv2.Decode(a.JSON)
		return slices.Index([]idmefv2.Priority{idmefv2.PriorityLow, idmefv2.PriorityMedium, idmefv2.PriorityHigh}, doc.Priority)
	}
	for i := 1; i < len(alerts); i++ {
		p, c := alerts[i-1], alerts[i]
		var ok bool
		switch sort {
		case store.SortTimeDesc:
			ok = !c.CreateTime.After(p.CreateTime)
		case store.SortTimeAsc:
			ok = !c.CreateTime.Before(p.CreateTime)
		case store.SortPriorityDesc:
			ok = rank(c) < rank(p) || rank(c) == rank(p) && !c.CreateTime.After(p.CreateTime)
		case store.SortPriorityAsc:
			ok = rank(c) > rank(p) || rank(c) == rank(p) && !c.CreateTime.Before(p.CreateTime)
		}
		if !ok {
			t.Errorf("%s: alert %d (%s) out of order after %s", sort, i, c.ID, p.ID)
		}
	}
}

func testAggregations(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	mk := func(n int, min int, cat idmefv2.Category, prio idmefv2.Priority, ips ...string) *idmefv2.Alert {
		return alert(id(n), base.Add(time.Duration(min)*time.Minute), func(a *idmefv2.Alert) {
			a.Category, a.Priority, a.Source = []idmefv2.Category{cat}, prio, nil
			for _, ip := range ips {
				a.Source = append(a.Source, src(ip))
			}
		})
	}
	put(t, ctx, s,
		mk(1, 0, "Access.Forced", idmefv2.PriorityHigh, "10.0.0.1"),
		mk(2, 1, "Access.Forced", idmefv2.PriorityHigh, "10.0.0.1"),
		mk(3, 2, "Access.Forced", idmefv2.PriorityLow, "10.0.0.2", "10.0.0.1"),
		mk(4, 30, "Recon.Network", idmefv2.PriorityLow, "2001:db8::1"),
		mk(5, 61, "Recon.Network", idmefv2.PriorityLow),
	)
	t.Run("group by two paths", func(t *testing.T) {
		got, err := s.GroupBy(ctx, store.GroupRequest{Paths: []string{"Category", "Source(*).IP"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Group{
			{Keys: []string{"Access.Forced", "10.0.0.1"}, Count: 3, FirstSeen: base, LastSeen: base.Add(2 * time.Minute)},
			{Keys: []string{"Access.Forced", "10.0.0.2"}, Count: 1, FirstSeen: base.Add(2 * time.Minute), LastSeen: base.Add(2 * time.Minute)},
			{Keys: []string{"Recon.Network", "2001:db8::1"}, Count: 1, FirstSeen: base.Add(30 * time.Minute), LastSeen: base.Add(30 * time.Minute)},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
	})
	t.Run("group by with filter and scalar key", func(t *testing.T) {
		got, err := s.GroupBy(ctx, store.GroupRequest{Filter: store.Filter{Query: "Category = Recon.Network or Source.IP = 10.0.0.2"}, Paths: []string{"Priority"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Group{{Keys: []string{"Low"}, Count: 3, FirstSeen: base.Add(2 * time.Minute), LastSeen: base.Add(61 * time.Minute)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("groups (-want +got):\n%s", diff)
		}
	})
	t.Run("group by an unindexed path", func(t *testing.T) {
		got, err := s.GroupBy(ctx, store.GroupRequest{Paths: []string{"Source(*).ID"}, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Keys[0] != "s-10.0.0.1" || got[0].Count != 3 {
			t.Errorf("top Source.ID group = %+v, want s-10.0.0.1 × 3", got)
		}
	})
	t.Run("top", func(t *testing.T) {
		got, err := s.Top(ctx, store.TopRequest{Path: "Source.IP", Limit: 2, Filter: store.Filter{To: base.Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, g := range got {
			keys = append(keys, g.Keys[0]+"="+string(rune('0'+g.Count)))
		}
		if diff := cmp.Diff([]string{"10.0.0.1=3", "10.0.0.2=1"}, keys); diff != "" {
			t.Errorf("top (-want +got):\n%s", diff)
		}
	})
	t.Run("histogram split by priority", func(t *testing.T) {
		h, err := s.Histogram(ctx, store.HistogramRequest{Bucket: time.Hour, SplitBy: "Priority",
			Filter: store.Filter{From: base, To: base.Add(2 * time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		want := store.Histogram{Bucket: time.Hour, Buckets: []store.Bucket{
			{Start: base, Counts: map[string]int{"High": 2, "Low": 2}, Total: 4},
			{Start: base.Add(time.Hour), Counts: map[string]int{"Low": 1}, Total: 1},
		}}
		if diff := cmp.Diff(want, h); diff != "" {
			t.Errorf("histogram (-want +got):\n%s", diff)
		}
	})
	t.Run("histogram auto bucket", func(t *testing.T) {
		h, err := s.Histogram(ctx, store.HistogramRequest{})
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, b := range h.Buckets {
			total += b.Total
		}
		if h.Bucket != 5*time.Minute || total != 5 {
			t.Errorf("auto histogram: bucket %s, %d alerts; want 5m and 5", h.Bucket, total)
		}
	})
	t.Run("stats", func(t *testing.T) {
		st, err := s.Stats(ctx, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		want := store.Stats{Total: 5, ByPriority: map[string]int{"High": 2, "Low": 3},
			ByState: map[store.State]int{store.StateNew: 5}, Oldest: base, Newest: base.Add(61 * time.Minute)}
		if diff := cmp.Diff(want, st); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
	})
	t.Run("stats filtered", func(t *testing.T) {
		st, err := s.Stats(ctx, store.Filter{Query: "Source.IP = 10.0.0.1", To: base.Add(2 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		want := store.Stats{Total: 2, ByPriority: map[string]int{"High": 2},
			ByState: map[store.State]int{store.StateNew: 2}, Oldest: base, Newest: base.Add(time.Minute)}
		if diff := cmp.Diff(want, st); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
	})
	t.Run("bad paths", func(t *testing.T) {
		if _, err := s.GroupBy(ctx, store.GroupRequest{Paths: []string{"Nope"}}); err == nil {
			t.Error("GroupBy(Nope) succeeded")
		}
		if _, err := s.Top(ctx, store.TopRequest{Path: ""}); err == nil {
			t.Error("Top(\"\") succeeded")
		}
	})
}
