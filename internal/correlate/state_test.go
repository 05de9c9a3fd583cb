package correlate

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestLateIndex checks the galloping search against sort.Search.
func TestLateIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		evs := make([]event, 1+rng.IntN(300))
		for i := range evs {
			evs[i].T = int64(rng.IntN(50))
		}
		slices.SortFunc(evs, func(a, b event) int { return cmp.Compare(a.T, b.T) })
		last := evs[len(evs)-1].T
		if last == 0 {
			continue
		}
		tt := int64(rng.IntN(int(last)))
		want := sort.Search(len(evs), func(i int) bool { return evs[i].T > tt })
		if got := lateIndex(evs, tt); got != want {
			t.Fatalf("lateIndex(%d) = %d, want %d", tt, got, want)
		}
	}
}
