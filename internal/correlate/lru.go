package correlate

import (
	"cmp"
	"container/heap"
	"slices"
)

// Which group of a rule was updated least recently, for eviction at the
// MaxGroups limit. A list kept in update order (moved on every update)
// cost a few cold cache lines per event and an allocation per group, and
// evictions are rare. Instead each update stamps the group with the
// rule's clock, and a heap holds every group keyed by a stamp it had: a
// lower bound of its last update. The least recently updated group is the
// heap's top once the top's key is its stamp (re-keyed lazily there);
// dropped groups' entries are skipped there, and swept once they outnumber
// the groups.

// lruEntry is a group in the heap, keyed by a stamp it had.
type lruEntry struct {
	at uint64
	g  *group
}

type lruHeap []lruEntry

func (h lruHeap) Len() int           { return len(h) }
func (h lruHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h lruHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *lruHeap) Push(x any)        { *h = append(*h, x.(lruEntry)) }
func (h *lruHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = lruEntry{}
	*h = old[:len(old)-1]
	return x
}

// touch records an update of g.
func (st *corState) touch(g *group) {
	st.clock++
	g.stamp = st.clock
}

// added records a new group, updated now.
func (st *corState) added(g *group) {
	st.touch(g)
	// heap.Push without boxing the entry (an allocation per group).
	st.lru = append(st.lru, lruEntry{at: g.stamp, g: g})
	heap.Fix(&st.lru, len(st.lru)-1)
}

// removed records that g left the groups.
func (st *corState) removed(g *group) {
	g.dropped = true
	st.stale++
	if st.stale > len(st.groups)+64 {
		live := st.lru[:0]
		for _, x := range st.lru {
			if !x.g.dropped {
				live = append(live, lruEntry{at: x.g.stamp, g: x.g})
			}
		}
		clear(st.lru[len(live):])
		st.lru = live
		st.stale = 0
		heap.Init(&st.lru)
	}
}

// oldest returns the group updated least recently, nil when there is none.
func (st *corState) oldest() *group {
	for len(st.lru) > 0 {
		x := &st.lru[0]
		switch {
		case x.g.dropped:
			heap.Pop(&st.lru)
			st.stale--
		case x.at != x.g.stamp:
			x.at = x.g.stamp
			heap.Fix(&st.lru, 0)
		default:
			return x.g
		}
	}
	return nil
}

// byAge returns the groups, least recently updated first.
func (st *corState) byAge() []*group {
	gs := make([]*group, 0, len(st.groups))
	for _, g := range st.groups {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b *group) int { return cmp.Compare(a.stamp, b.stamp) })
	return gs
}
