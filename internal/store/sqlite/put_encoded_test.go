package sqlite

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// TestPutEncodedAlerts: an alert given with its encoding is stored with
// that document, exactly as PutAlerts stores it, so that a re-send through
// either is recognised as unchanged; one given without is encoded.
func TestPutEncodedAlerts(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts := genAlerts(t, 3, 4, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	in := make([]EncodedAlert, len(alerts))
	for i, a := range alerts {
		in[i].Alert = a
		if i%2 == 0 {
			if in[i].Doc, err = idmefv2.Encode(a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if res, err := s.PutEncodedAlerts(ctx, in); err != nil || res.Inserted != len(in) {
		t.Fatalf("PutEncodedAlerts: %+v, %v", res, err)
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
