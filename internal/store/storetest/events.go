package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

func testEvents(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	var evs []store.Event
	for i := range 30 {
		host, app := "web01", "sshd"
		if i%3 == 1 {
			host, app = "fw01", "kernel"
		}
		if i%3 == 2 {
			host, app = "db01", "postgres"
		}
		evs = append(evs, store.Event{
			Time: base.Add(time.Duration(i) * time.Minute), Received: base.Add(time.Hour),
			Input: "syslog/tcp", Peer: "192.0.2.200:5140", Host: host, App: app, Facility: 4, Severity: 6,
			Message: fmt.Sprintf("message %d from 198.51.100.%d", i, i), Raw: []byte(fmt.Sprintf("<38>raw %d", i)),
		})
	}
	evs[5].RuleID, evs[5].AlertID = "sshd-failed", "6c6a2b8e-0000-4000-8000-000000000005"
	evs[7].Input = "file:/var/log/app.log"
	evs[8].Time = time.Time{} // no own time: the received time is used
	if err := s.PutEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	list := func(t *testing.T, f store.EventFilter) []store.Event {
		t.Helper()
		p, err := s.Events(ctx, f)
		if err != nil {
			t.Fatalf("Events(%+v): %v", f, err)
		}
		return p.Events
	}
	t.Run("newest first with fields kept", func(t *testing.T) {
		got := list(t, store.EventFilter{Limit: 1000})
		if len(got) != 30 {
			t.Fatalf("got %d events, want 30", len(got))
		}
		for i := 1; i < len(got); i++ {
			if got[i].Time.After(got[i-1].Time) {
				t.Fatalf("not newest first at %d: %v after %v", i, got[i].Time, got[i-1].Time)
			}
		}
		if !got[0].Time.Equal(base.Add(time.Hour)) || got[0].Message != evs[8].Message {
			t.Errorf("first = %v %q, want the event without a time (received at base+1h)", got[0].Time, got[0].Message)
		}
		var e5 store.Event
		for _, e := range got {
			if e.Message == evs[5].Message {
				e5 = e
			}
		}
		if e5.ID == 0 || e5.RuleID != "sshd-failed" || e5.AlertID != evs[5].AlertID || string(e5.Raw) != "<38>raw 5" ||
			e5.Host != "db01" || e5.App != "postgres" || e5.Facility != 4 || e5.Severity != 6 || e5.Peer != evs[5].Peer ||
			!e5.Received.Equal(evs[5].Received) || !e5.Time.Equal(evs[5].Time) {
			t.Errorf("event 5 = %+v, want its fields kept", e5)
		}
	})
	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			f    store.EventFilter
			want int
		}{
			{"host", store.EventFilter{Host: "fw01"}, 10},
			{"app", store.EventFilter{App: "sshd"}, 10},
			{"input", store.EventFilter{Input: "file:/var/log/app.log"}, 1},
			{"time range", store.EventFilter{From: base.Add(10 * time.Minute), To: base.Add(20 * time.Minute)}, 10},
			{"text", store.EventFilter{Text: "message 12"}, 1},
			{"text ip phrase", store.EventFilter{Text: "198.51.100.13"}, 1},
			{"text and host", store.EventFilter{Text: "message", Host: "web01"}, 10},
			{"text matches host", store.EventFilter{Text: "kernel"}, 10},
			{"text with quotes", store.EventFilter{Text: `"message`}, 30},
			{"text of punctuation only", store.EventFilter{Text: `" *`}, 0},
			{"around host or ip", store.EventFilter{Around: &store.EventsAround{Hosts: []string{"fw01"}, IPs: []string{"198.51.100.3"}}}, 11},
			{"around in window", store.EventFilter{Around: &store.EventsAround{Hosts: []string{"fw01"}}, From: base, To: base.Add(5 * time.Minute)}, 2},
			{"around nothing", store.EventFilter{Around: &store.EventsAround{}}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := list(t, tc.f); len(got) != tc.want {
					t.Errorf("got %d events, want %d", len(got), tc.want)
				}
			})
		}
	})
	t.Run("pages", func(t *testing.T) {
		seen := map[int64]bool{}
		f := store.EventFilter{Limit: 7}
		for pages := 0; ; pages++ {
			p, err := s.Events(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Events {
				if seen[e.ID] {
					t.Fatalf("event %d on two pages", e.ID)
				}
				seen[e.ID] = true
			}
			if p.NextCursor == "" {
				break
			}
			if pages > 10 {
				t.Fatal("paging does not end")
			}
			f.Cursor = p.NextCursor
		}
		if len(seen) != 30 {
			t.Errorf("pages held %d events, want 30", len(seen))
		}
		if _, err := s.Events(ctx, store.EventFilter{Cursor: "bogus"}); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("bad cursor: err = %v, want ErrInvalidQuery", err)
		}
	})
	t.Run("retention by age", func(t *testing.T) {
		n, err := s.RetainEvents(ctx, store.EventRetention{MaxAge: 50 * time.Minute, Now: base.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if n != 9 {
			t.Errorf("deleted %d, want the 9 events timed before base+10m", n)
		}
		if got := list(t, store.EventFilter{Text: "message 3"}); len(got) != 0 {
			t.Errorf("deleted event still found by text: %+v", got)
		}
		if got := list(t, store.EventFilter{Limit: 1000}); len(got) != 21 {
			t.Errorf("%d events left, want 21", len(got))
		}
	})
	t.Run("retention by size", func(t *testing.T) {
		if _, err := s.RetainEvents(ctx, store.EventRetention{MaxBytes: 1}); err != nil {
			t.Fatal(err)
		}
		if got := list(t, store.EventFilter{Limit: 1000}); len(got) != 0 {
			t.Errorf("%d events left under a 1-byte budget, want 0", len(got))
		}
		// IDs stay usable after the table emptied.
		if err := s.PutEvents(ctx, evs[:2]); err != nil {
			t.Fatal(err)
		}
		if got := list(t, store.EventFilter{Text: "message 1"}); len(got) != 1 {
			t.Errorf("re-put event found %d times by text, want 1", len(got))
		}
	})
}
