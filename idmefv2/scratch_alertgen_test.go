package idmefv2_test

import (
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// TestScratchAlertgen is TestScratchMatchesDecodeValidateShared on a
// thousand generated alerts: different numbers of sources, targets, list
// elements and attachments from one message to the next.
func TestScratchAlertgen(t *testing.T) {
	g, err := alertgen.New(alertgen.Options{Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for range 1000 {
		data, err := idmefv2.Encode(g.Next())
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, data)
	}
	idmefv2.CheckScratch(t, msgs)
}
