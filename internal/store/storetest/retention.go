package storetest

import (
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

func testRetention(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	now := base
	put(t, ctx, s, generated(t, 5, 3000, now)...) // over the hour before now
	old := alert(id(1), now.Add(-48*time.Hour), nil)
	put(t, ctx, s, old)
	if _, err := s.UpdateAlerts(ctx, []string{old.ID}, store.Change{Comment: "gone soon", AddTags: []string{"x"}}, "ana"); err != nil {
		t.Fatal(err)
	}
	t.Run("zero policy does nothing", func(t *testing.T) {
		res, err := s.Retain(ctx, store.RetentionPolicy{Now: now})
		if err != nil || res.Deleted != 0 {
			t.Fatalf("Retain(zero) = %+v, %v", res, err)
		}
	})
	t.Run("by age", func(t *testing.T) {
		res, err := s.Retain(ctx, store.RetentionPolicy{MaxAge: 24 * time.Hour, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if res.Deleted != 1 {
			t.Errorf("deleted %d, want 1", res.Deleted)
		}
		if got := ids(t, ctx, s, store.SearchRequest{Filter: store.Filter{Query: "tag = x"}}); len(got) != 0 {
			t.Errorf("tags of a deleted alert remain: %v", got)
		}
	})
	t.Run("by size", func(t *testing.T) {
		before, err := s.Stats(ctx, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.Retain(ctx, store.RetentionPolicy{Now: now, MaxBytes: 1 << 40})
		if err != nil || first.Deleted != 0 {
			t.Fatalf("Retain(huge) = %+v, %v", first, err)
		}
		limit := first.SizeAfter / 2
		res, err := s.Retain(ctx, store.RetentionPolicy{Now: now, MaxBytes: limit})
		if err != nil {
			t.Fatal(err)
		}
		if res.SizeAfter > limit {
			t.Errorf("size after %d > limit %d", res.SizeAfter, limit)
		}
		after, _ := s.Stats(ctx, store.Filter{})
		if res.Deleted == 0 || after.Total != before.Total-res.Deleted {
			t.Errorf("deleted %d; total %d → %d", res.Deleted, before.Total, after.Total)
		}
		// The oldest went first: what remains is newer than what went.
		if !after.Oldest.After(before.Oldest) || !after.Newest.Equal(before.Newest) {
			t.Errorf("oldest %v → %v, newest %v → %v", before.Oldest, after.Oldest, before.Newest, after.Newest)
		}
		// Queries still agree with the remaining data.
		res2, err := s.Search(ctx, store.SearchRequest{Total: true, Filter: store.Filter{Query: "exists Source.IP"}})
		if err != nil || res2.Total > after.Total {
			t.Errorf("search after retention: total %d of %d, %v", res2.Total, after.Total, err)
		}
	})
}
