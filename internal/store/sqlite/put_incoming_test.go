package sqlite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// TestPutIncomingEncoded: an alert given with its encoding is stored with
// that document, exactly as PutAlerts stores it, so that a re-send through
// either is recognised as unchanged; one given without is encoded.
func TestPutIncomingEncoded(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts := genAlerts(t, 3, 4, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	in := make([]store.Incoming, len(alerts))
	for i, a := range alerts {
		in[i].Alert = a
		if i%2 == 0 {
			if in[i].Doc, err = idmefv2.Encode(a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res, err := s.PutIncoming(ctx, in); err != nil || res.Inserted != len(in) {
		t.Fatalf("PutIncoming: %+v, %v", res, err)
	}
	for _, a := range alerts {
		want, _ := idmefv2.Encode(a)
		got, err := s.Alert(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.JSON, want) {
			t.Errorf("alert %s stored as %s, want %s", a.ID, got.JSON, want)
		}
	}
	res, err := s.PutAlerts(ctx, alerts)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.PutResult{Unchanged: len(alerts)}); res != want {
		t.Errorf("re-sent through PutAlerts: %+v, want %+v", res, want)
	}
}

// TestPutIncomingReceivedOrder: of the contents of one ID, the one received
// last is kept, whatever order they are written in, across batches and
// within one; content without a received time counts as received when
// stored.
func TestPutIncomingReceivedOrder(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// version returns the alert's content number n, received at base+n s.
	a := genAlerts(t, 5, 1, base)[0]
	version := func(n int) store.Incoming {
		c := *a
		c.Description = fmt.Sprintf("version %d", n)
		return store.Incoming{Alert: &c, Received: base.Add(time.Duration(n) * time.Second)}
	}
	stored := func() string {
		t.Helper()
		got, err := s.Alert(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Description string }
		if err := json.Unmarshal(got.JSON, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Description
	}
	steps := []struct {
		name string
		in   []store.Incoming
		want store.PutResult
		desc string
	}{
		{"first", []store.Incoming{version(2)}, store.PutResult{Inserted: 1}, "version 2"},
		{"older arrives late", []store.Incoming{version(1)}, store.PutResult{Stale: 1}, "version 2"},
		{"newer", []store.Incoming{version(3)}, store.PutResult{Updated: 1}, "version 3"},
		{"same batch, newer first", []store.Incoming{version(5), version(4)}, store.PutResult{Updated: 1}, "version 5"},
		{"same batch, same time: the last", []store.Incoming{version(6), func() store.Incoming {
			v := version(6)
			v.Alert.Description = "version 6 bis"
			return v
		}()}, store.PutResult{Updated: 1}, "version 6 bis"},
		{"unknown time: received when stored", []store.Incoming{{Alert: version(0).Alert}}, store.PutResult{Updated: 1}, "version 0"},
		{"older than the store time", []store.Incoming{version(7)}, store.PutResult{Stale: 1}, "version 0"},
	}
	for _, st := range steps {
		res, err := s.PutIncoming(ctx, st.in)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res != st.want {
			t.Errorf("%s: %+v, want %+v", st.name, res, st.want)
		}
		if got := stored(); got != st.desc {
			t.Errorf("%s: stored %q, want %q", st.name, got, st.desc)
		}
	}
}
