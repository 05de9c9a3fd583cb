package idmefv2_test

import (
	"bytes"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
)

// TestDecodeSharedCanonicalAlertgen checks that the encodings of the demo
// generator's alerts (what Vigie's own senders and the load benchmarks
// send) are reported canonical, so that the store keeps them as they are.
func TestDecodeSharedCanonicalAlertgen(t *testing.T) {
	g, err := alertgen.New(alertgen.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		enc, err := idmefv2.Encode(g.Next())
		if err != nil {
			t.Fatal(err)
		}
		a, canonical, err := idmefv2.DecodeSharedCanonical(enc)
		if err != nil {
			t.Fatalf("alert %d: %v", i, err)
		}
		if !canonical {
			t.Fatalf("alert %d: its encoding is not reported canonical: %s", i, enc)
		}
		if again, _ := idmefv2.Encode(a); !bytes.Equal(again, enc) {
			t.Fatalf("alert %d: re-encoded otherwise", i)
		}
	}
}
