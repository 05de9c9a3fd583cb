package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

func ptr[T any](v T) *T { return &v }

func testLifecycle(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	put(t, ctx, s, alert(id(1), base, nil), alert(id(2), base, nil), alert(id(3), base, nil))
	update := func(ids []string, ch store.Change) (store.UpdateResult, error) {
		return s.UpdateAlerts(ctx, ids, ch, "ana")
	}
	t.Run("single update and audit", func(t *testing.T) {
		res, err := update([]string{id(1)}, store.Change{State: ptr(store.StateAcknowledged), Assignee: ptr("bob"),
			AddTags: []string{"vip", "vip"}, Comment: "looking"})
		if err != nil {
			t.Fatal(err)
		}
		if res != (store.UpdateResult{Changed: 1}) {
			t.Errorf("result = %+v", res)
		}
		a := get(t, ctx, s, id(1))
		if a.Lifecycle.State != store.StateAcknowledged || a.Lifecycle.Assignee != "bob" || !slices.Equal(a.Lifecycle.Tags, []string{"vip"}) || a.Lifecycle.ChangedAt.IsZero() {
			t.Errorf("lifecycle = %+v", a.Lifecycle)
		}
		audit, err := s.Audit(ctx, id(1))
		if err != nil {
			t.Fatal(err)
		}
		want := []store.AuditEntry{
			{AlertID: id(1), Actor: "ana", Field: "state", Old: "new", New: "acknowledged"},
			{AlertID: id(1), Actor: "ana", Field: "assignee", New: "bob"},
			{AlertID: id(1), Actor: "ana", Field: "tag", New: "vip"},
			{AlertID: id(1), Actor: "ana", Field: "comment", New: "looking"},
		}
		if diff := cmp.Diff(want, audit, cmpopts.IgnoreFields(store.AuditEntry{}, "ID", "At")); diff != "" {
			t.Errorf("audit (-want +got):\n%s", diff)
		}
		comments, err := s.Comments(ctx, id(1))
		if err != nil || len(comments) != 1 || comments[0].Body != "looking" || comments[0].Author != "ana" {
			t.Errorf("comments = %+v, %v", comments, err)
		}
	})
	t.Run("repeating is idempotent", func(t *testing.T) {
		res, err := update([]string{id(1)}, store.Change{State: ptr(store.StateAcknowledged), Assignee: ptr("bob"), AddTags: []string{"vip"}})
		if err != nil || res != (store.UpdateResult{Unchanged: 1}) {
			t.Errorf("repeat = %+v, %v; want 1 unchanged", res, err)
		}
		audit, _ := s.Audit(ctx, id(1))
		if len(audit) != 4 {
			t.Errorf("audit grew to %d entries on a no-op", len(audit))
		}
	})
	t.Run("transitions", func(t *testing.T) {
		tests := []struct {
			from, to store.State
			ok       bool
		}{
			{store.StateNew, store.StateClosed, true},
			{store.StateClosed, store.StateNew, false},
			{store.StateClosed, store.StateInProgress, true},
			{store.StateInProgress, store.StateNew, false},
			{store.StateInProgress, store.StateFalsePositive, true},
			{store.StateFalsePositive, store.StateAcknowledged, true},
			{store.StateAcknowledged, store.StateNew, true},
		}
		for _, tt := range tests {
			err := store.CheckTransition(tt.from, tt.to)
			if (err == nil) != tt.ok {
				t.Errorf("%s → %s: err = %v, want ok=%v", tt.from, tt.to, err, tt.ok)
			}
		}
	})
	t.Run("bulk is all or nothing", func(t *testing.T) {
		if _, err := update([]string{id(2)}, store.Change{State: ptr(store.StateInProgress)}); err != nil {
			t.Fatal(err)
		}
		// id(2) cannot go back to new: nothing changes, id(3) included.
		_, err := update([]string{id(3), id(2)}, store.Change{State: ptr(store.StateNew), Assignee: ptr("carol")})
		if !errors.Is(err, store.ErrInvalidTransition) {
			t.Fatalf("err = %v, want ErrInvalidTransition", err)
		}
		if a := get(t, ctx, s, id(3)); a.Lifecycle.Assignee != "" {
			t.Errorf("partial bulk update: id(3) assignee = %q", a.Lifecycle.Assignee)
		}
		_, err = update([]string{id(3), "missing"}, store.Change{Assignee: ptr("carol")})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown ID: err = %v, want ErrNotFound", err)
		}
		res, err := update([]string{id(2), id(3)}, store.Change{State: ptr(store.StateClosed), RemoveTags: []string{"absent"}})
		if err != nil || res != (store.UpdateResult{Changed: 2}) {
			t.Fatalf("bulk close = %+v, %v", res, err)
		}
		got := sorted(ids(t, ctx, s, store.SearchRequest{Filter: store.Filter{Query: "state = closed"}}))
		if diff := cmp.Diff([]string{id(2), id(3)}, got); diff != "" {
			t.Errorf("closed alerts (-want +got):\n%s", diff)
		}
	})
	t.Run("remove tag and unassign", func(t *testing.T) {
		if _, err := update([]string{id(1)}, store.Change{RemoveTags: []string{"vip"}, Assignee: ptr("")}); err != nil {
			t.Fatal(err)
		}
		a := get(t, ctx, s, id(1))
		if len(a.Lifecycle.Tags) != 0 || a.Lifecycle.Assignee != "" {
			t.Errorf("lifecycle = %+v", a.Lifecycle)
		}
	})
	t.Run("invalid input", func(t *testing.T) {
		for name, ch := range map[string]store.Change{
			"unknown state": {State: ptr(store.State("done"))},
			"empty tag":     {AddTags: []string{""}},
			"control tag":   {AddTags: []string{"a\x00b"}},
		} {
			if _, err := update([]string{id(1)}, ch); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("%s: err = %v, want ErrInvalid", name, err)
			}
		}
		if _, err := s.UpdateAlerts(ctx, []string{id(1)}, store.Change{}, ""); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("empty actor: err = %v, want ErrInvalid", err)
		}
	})
	t.Run("export status", func(t *testing.T) {
		tests := []struct {
			state store.State
			want  []idmefv2.Status
		}{
			{store.StateNew, []idmefv2.Status{"Event"}},
			{store.StateInProgress, []idmefv2.Status{"Event", "Open"}},
			{store.StateClosed, []idmefv2.Status{"Event", "Closed"}},
			{store.StateFalsePositive, []idmefv2.Status{"Event", "FalsePositive"}},
		}
		a := get(t, ctx, s, id(1))
		for _, tt := range tests {
			a.Lifecycle.State = tt.state
			out, err := store.ExportJSON(a)
			if err != nil {
				t.Fatal(err)
			}
			doc, _ := idmefv2.Decode(out)
			if !slices.Equal(doc.Status, tt.want) {
				t.Errorf("%s: Status = %v, want %v", tt.state, doc.Status, tt.want)
			}
		}
	})
	t.Run("unknown alert", func(t *testing.T) {
		if _, err := s.Audit(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Audit: %v", err)
		}
		if _, err := s.Comments(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Comments: %v", err)
		}
	})
}
