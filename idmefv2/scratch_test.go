package idmefv2

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestScratchMatchesDecodeValidateShared validates every manifest message
// (valid and invalid, V08 and V09-Dev) with one Scratch, in turn, and checks
// each report and alert against DecodeValidateShared's: nothing of a
// message may leak into the next.
func TestScratchMatchesDecodeValidateShared(t *testing.T) {
	dir, entries := fastPathEntries(t)
	var msgs [][]byte
	for _, e := range entries {
		msgs = append(msgs, readFile(t, dir, e.File))
	}
	checkScratch(t, msgs)
}

// checkScratch validates msgs in turn, twice, with one Scratch and compares
// with DecodeValidateShared.
func checkScratch(t *testing.T, msgs [][]byte) {
	t.Helper()
	var s Scratch
	for round := range 2 { // the second round follows the last message with the first
		for i, data := range msgs {
			wantA, wantR := DecodeValidateShared(data)
			gotA, gotR := s.ValidateShared(data)
			if d := cmp.Diff(wantR, gotR); d != "" {
				t.Fatalf("round %d, message %d: report differs (-DecodeValidateShared +Scratch):\n%s", round, i, d)
			}
			if d := cmp.Diff(wantA, gotA); d != "" {
				t.Fatalf("round %d, message %d: alert differs (-DecodeValidateShared +Scratch):\n%s", round, i, d)
			}
		}
	}
}
