package main

import (
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// TestBenchBatchesAreValidAndUnique checks what vigie bench sends: valid
// alerts, each with its own ID, the last one's ID returned for sampling.
func TestBenchBatchesAreValidAndUnique(t *testing.T) {
	g, err := alertgen.New(alertgen.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tp, err := alertgen.NewTemplates(g, 50, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{alerts: tp, batch: 40}
	ids := map[string]bool{}
	for range 5 {
		msgs, last := b.nextBatch()
		if len(msgs) != 40 {
			t.Fatalf("batch of %d alerts, want 40", len(msgs))
		}
		for i, m := range msgs {
			a, rep := idmefv2.DecodeValidate(m)
			if a == nil {
				t.Fatalf("invalid alert: %v\n%s", rep.Errors(), m)
			}
			if ids[a.ID] {
				t.Fatalf("ID %s sent twice", a.ID)
			}
			ids[a.ID] = true
			if i == len(msgs)-1 && a.ID != last {
				t.Errorf("last ID %s, nextBatch returned %s", a.ID, last)
			}
		}
	}
}
