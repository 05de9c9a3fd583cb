package sqlite

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// TestIDFilter: an added ID is always reported (as bytes or as a string,
// across the layers the filter grows), and an ID never added rarely is.
func TestIDFilter(t *testing.T) {
	f := newIDFilter(0, maphash.MakeSeed())
	const n = 300_000 // over four layers from the minimum capacity
	for i := range n {
		id := fmt.Sprintf("alert-%d", i)
		if i%2 == 0 {
			f.add([]byte(id))
		} else {
			f.addString(id)
		}
	}
	if len(f.layers) < 3 {
		t.Fatalf("%d layers after %d IDs from capacity %d: the filter did not grow", len(f.layers), n, bloomMinCap)
	}
	for i := range n {
		if id := fmt.Sprintf("alert-%d", i); !f.mayContain(id) {
			t.Fatalf("added ID %s reported absent", id)
		}
	}
	fp := 0
	const absent = 100_000
	for i := range absent {
		if f.mayContain(fmt.Sprintf("other-%d", i)) {
			fp++
		}
	}
	// At least 10 bits per ID and 7 probes: under 1 % per layer.
	if rate := float64(fp) / absent; rate > 0.02 {
		t.Fatalf("false positive rate %.4f over %d absent IDs, want under 0.02", rate, absent)
	}
	if empty := newIDFilter(10, maphash.MakeSeed()); empty.mayContain("alert-1") {
		t.Fatal("an empty filter reports an ID")
	}
}
