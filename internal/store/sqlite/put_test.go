package sqlite

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// TestPutAlertsKnownIDsInBatch: a batch that mixes new alerts with stored
// ones (an identical re-send and a changed one) is first tried as all new;
// the unique index refuses it and the rows already inserted are undone, so
// that each alert is stored once, with its document, and counted right.
func TestPutAlertsKnownIDsInBatch(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	alerts := genAlerts(t, 5, 700, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if res, err := s.PutAlerts(ctx, alerts[:300]); err != nil || res.Inserted != 300 {
		t.Fatalf("first batch: %+v, %v", res, err)
	}
	changed := *alerts[250]
	changed.Description = "changed on re-send"
	// Known IDs late in the batch, after rows of a full 200-row statement.
	batch := append(append([]*idmefv2.Alert(nil), alerts[300:700]...), alerts[10], &changed)
	res, err := s.PutAlerts(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.PutResult{Inserted: 400, Updated: 1, Unchanged: 1}); res != want {
		t.Fatalf("mixed batch: %+v, want %+v", res, want)
	}
	var alertsN, docs, orphans int
	if err := s.w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM alerts), (SELECT count(*) FROM alert_docs),
		(SELECT count(*) FROM alert_docs WHERE seq NOT IN (SELECT seq FROM alerts))`).Scan(&alertsN, &docs, &orphans); err != nil {
		t.Fatal(err)
	}
	if alertsN != 700 || docs != 700 || orphans != 0 {
		t.Fatalf("stored %d alerts, %d documents, %d orphan documents; want 700, 700, 0", alertsN, docs, orphans)
	}
	got, err := s.Alert(ctx, changed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := idmefv2.Decode(got.JSON); err != nil || a.Description != "changed on re-send" {
		t.Fatalf("re-sent alert: %q, %v", a.Description, err)
	}
	for i := 300; i < 700; i += 50 {
		if _, err := s.Alert(ctx, alerts[i].ID); err != nil {
			t.Fatalf("new alert %s: %v", alerts[i].ID, err)
		}
	}
}
