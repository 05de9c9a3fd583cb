package correlate

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestClosingHeapMatchesContainerHeap: push and pop (which do not box
// entries) leave the heap exactly as heap.Push and heap.Pop do, and pop
// what they pop, over random operations with ties.
func TestClosingHeapMatchesContainerHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	groups := make([]*group, 8)
	for i := range groups {
		groups[i] = &group{key: fmt.Sprint("g", i)}
	}
	var got, want closingHeap
	for op := range 20000 {
		if rng.IntN(3) > 0 || len(want) == 0 {
			x := closing{end: int64(rng.IntN(50)), rule: fmt.Sprint("r", rng.IntN(3)), g: groups[rng.IntN(len(groups))]}
			got.push(x)
			heap.Push(&want, x)
		} else if g, w := got.pop(), heap.Pop(&want).(closing); g != w {
			t.Fatalf("op %d: pop %+v, heap.Pop %+v", op, g, w)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("op %d: heaps differ", op)
		}
	}
}

// TestLRUAddedMatchesHeapPush: added leaves the groups' heap as
// heap.Push did.
func TestLRUAddedMatchesHeapPush(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	st := newCorState()
	var want lruHeap
	for op := range 5000 {
		g := &group{}
		// Keys out of order, as lazily re-keyed entries leave them.
		st.clock = uint64(rng.IntN(1000))
		st.added(g)
		heap.Push(&want, lruEntry{at: g.stamp, g: g})
		if !slices.Equal(st.lru, want) {
			t.Fatalf("op %d: heaps differ", op)
		}
	}
}
