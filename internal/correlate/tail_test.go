package correlate

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// refGroup is the reference of a group's events: each event inserted in
// its place at once (after the events of the same time), as insert did
// before late events waited in a tail.
type refGroup struct{ events []event }

func (r *refGroup) insert(e event) bool {
	i := len(r.events)
	for i > 0 && r.events[i-1].T > e.T {
		i--
	}
	for j := i - 1; j >= 0 && r.events[j].T == e.T; j-- {
		if r.events[j].Ref == e.Ref && r.events[j].Alert.ID == e.Alert.ID {
			return false
		}
	}
	r.events = slices.Insert(r.events, i, e)
	return true
}

func (r *refGroup) expire(from int64) int {
	i := 0
	for i < len(r.events) && r.events[i].T < from {
		i++
	}
	r.events = r.events[i:]
	return i
}

// TestLateTailMatchesSortedInsert drives a group and the reference with
// the same random operations (late and in-order events, redeliveries,
// equal times, drops from the front, expiry, settles) and checks that
// they agree on every answer, that the running aggregates are those of
// the reference's events, and that the settled events are the
// reference's, in the same order (equal times in arrival order).
func TestLateTailMatchesSortedInsert(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	types := []Type{ValueCount, ValueSum, Temporal}
	settles := 0
	for round := range 300 {
		typ := types[round%len(types)]
		c := &corRule{rule: &Rule{Correlation: &Correlation{Type: typ, Rules: []string{"a", "b", "c"}}}}
		var pool eventPool
		g := &group{}
		var ref refGroup
		clock := int64(1000)
		var ids []string
		for op := range 2000 {
			switch k := rng.IntN(100); {
			case k < 75:
				clock += int64(rng.IntN(3))
				ev := event{T: clock - int64(rng.IntN(40)), Ref: int32(rng.IntN(3))}
				if rng.IntN(2) == 0 {
					ev.T = clock // in order, or equal to the newest
				}
				id := fmt.Sprint("a", round, "-", op)
				if len(ids) > 0 && rng.IntN(8) == 0 {
					id = ids[rng.IntN(len(ids))] // a redelivery, maybe at another time
				}
				ids = append(ids, id)
				ev.Alert = &alertInfo{ID: id}
				ev.Vals = []string{fmt.Sprint(rng.IntN(20))}
				want := ref.insert(ev)
				if got := g.insert(c, ev, &pool); got != want {
					t.Fatalf("round %d op %d: insert %v, reference %v", round, op, got, want)
				}
			case k < 85:
				if n := rng.IntN(min(len(ref.events), 5) + 1); n > 0 {
					g.dropFront(c, n, &pool)
					ref.events = ref.events[n:]
				}
			case k < 95:
				from := clock - int64(rng.IntN(60))
				if got, want := g.expire(c, from, &pool), ref.expire(from); got != want {
					t.Fatalf("round %d op %d: expired %d, reference %d", round, op, got, want)
				}
			default:
				if g.tail > 0 {
					settles++
				}
				g.settle(&pool)
				checkSame(t, g, ref.events, fmt.Sprintf("round %d op %d", round, op))
			}
			checkTail(t, g, fmt.Sprintf("round %d op %d", round, op))
			checkAggregates(t, c, g, ref.events, fmt.Sprintf("round %d op %d", round, op))
		}
		g.settle(&pool)
		checkSame(t, g, ref.events, fmt.Sprintf("round %d end", round))
		if slices.ContainsFunc(pool.tmp[:cap(pool.tmp)], func(e event) bool { return e.Alert != nil }) {
			t.Fatalf("round %d: settle's scratch keeps events alive", round)
		}
	}
	if settles < 1000 {
		t.Errorf("only %d settles of a non-empty tail", settles)
	}
}

// checkSame fails unless g's events are want, in order.
func checkSame(t *testing.T, g *group, want []event, at string) {
	t.Helper()
	if g.tail != 0 {
		t.Fatalf("%s: %d events left in the tail after settle", at, g.tail)
	}
	if len(g.events) != len(want) {
		t.Fatalf("%s: %d events, reference %d", at, len(g.events), len(want))
	}
	for i := range want {
		if g.events[i].T != want[i].T || g.events[i].Alert != want[i].Alert || g.events[i].Ref != want[i].Ref {
			t.Fatalf("%s: event %d is (%d, %s), reference (%d, %s)", at, i, g.events[i].T, g.events[i].Alert.ID, want[i].T, want[i].Alert.ID)
		}
	}
}

// checkTail fails unless g's events are sorted but for the tail, whose
// earliest time is tailMin, and the tail is below its bound.
func checkTail(t *testing.T, g *group, at string) {
	t.Helper()
	s := len(g.events) - g.tail
	if s < 0 || g.tail >= maxTail {
		t.Fatalf("%s: tail %d of %d events", at, g.tail, len(g.events))
	}
	if !slices.IsSortedFunc(g.events[:s], func(a, b event) int { return int(a.T - b.T) }) {
		t.Fatalf("%s: sorted events out of order", at)
	}
	if g.tail > 0 {
		m := slices.MinFunc(g.events[s:], func(a, b event) int { return int(a.T - b.T) }).T
		if m != g.tailMin {
			t.Fatalf("%s: tailMin %d, earliest of the tail %d", at, g.tailMin, m)
		}
	}
}

// checkAggregates fails unless g's running aggregates are those of the
// reference's events.
func checkAggregates(t *testing.T, c *corRule, g *group, want []event, at string) {
	t.Helper()
	w := &group{events: want}
	w.rebuild(c)
	switch {
	case !maps.Equal(g.distinct, w.distinct) && len(g.distinct)+len(w.distinct) > 0:
		t.Fatalf("%s: distinct %v, reference %v", at, g.distinct, w.distinct)
	case !slices.Equal(g.perRef, w.perRef) && slices.ContainsFunc(append(g.perRef, w.perRef...), func(n int) bool { return n != 0 }):
		t.Fatalf("%s: per rule %v, reference %v", at, g.perRef, w.perRef)
	case g.sum != w.sum || g.nnum != w.nnum:
		t.Fatalf("%s: sum %v of %d, reference %v of %d", at, g.sum, g.nnum, w.sum, w.nnum)
	}
}
