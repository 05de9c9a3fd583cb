package correlate

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
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

// TestLRUHeapMatchesList checks the lazy heap against a list kept in
// update order, over random updates, additions and drops.
func TestLRUHeapMatchesList(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	st := newCorState()
	var order []*group // least recently updated first
	moveBack := func(g *group) {
		i := slices.Index(order, g)
		order = append(slices.Delete(order, i, i+1), g)
	}
	for step := range 20000 {
		add, touch := 3, 8 // of 10: add, update, drop (more drops later)
		if step >= 10000 {
			add, touch = 1, 5
		}
		switch r := rng.IntN(10); {
		case r < add || len(order) == 0:
			g := &group{key: strconv.Itoa(step)}
			st.groups[g.key] = g
			st.added(g)
			order = append(order, g)
		case r < touch:
			g := order[rng.IntN(len(order))]
			st.touch(g)
			moveBack(g)
		default:
			g := order[rng.IntN(len(order))]
			delete(st.groups, g.key)
			st.removed(g)
			order = slices.DeleteFunc(order, func(x *group) bool { return x == g })
		}
		if len(order) > 0 && st.oldest() != order[0] {
			t.Fatalf("step %d: oldest is not the least recently updated group", step)
		}
		if step%97 == 0 && !slices.Equal(st.byAge(), order) {
			t.Fatalf("step %d: byAge differs from update order", step)
		}
	}
}
