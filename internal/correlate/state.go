package correlate

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"

	"github.com/vigie-siem/vigie/idmefv2"
)

// event is one alert as a correlation keeps it.
type event struct {
	T     int64      `json:"t"`               // event time, Unix nanoseconds
	Ref   int32      `json:"ref"`             // which referenced rule it matched
	Depth int32      `json:"depth,omitempty"` // correlation depth of the alert
	Vals  []string   `json:"vals,omitempty"`  // value_* field values
	Alert *alertInfo `json:"alert"`
}

// UnmarshalJSON reads an event of a version 1 (JSON) snapshot; a ref
// beyond int32 reads as -1, which restore drops as damaged (as it did
// when Ref was an int).
func (e *event) UnmarshalJSON(b []byte) error {
	var v struct {
		T     int64      `json:"t"`
		Ref   int64      `json:"ref"`
		Vals  []string   `json:"vals"`
		Depth int64      `json:"depth"`
		Alert *alertInfo `json:"alert"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = event{T: v.T, Ref: ref32(v.Ref), Depth: int32(min(max(v.Depth, 0), math.MaxInt32)), Vals: v.Vals, Alert: v.Alert}
	return nil
}

// ref32 is a reference index read from a snapshot: -1 when out of range.
func ref32(x int64) int32 {
	if x < 0 || x > math.MaxInt32 {
		return -1
	}
	return int32(x)
}

// alertInfo is what emitted alerts take from a contributing alert; one is
// shared by every group and correlation the alert joins.
type alertInfo struct {
	ID   string             `json:"id"`
	Src  []idmefv2.Source   `json:"src,omitempty"`
	Tgt  []idmefv2.Target   `json:"tgt,omitempty"`
	Cat  []idmefv2.Category `json:"cat,omitempty"`
	Prio idmefv2.Priority   `json:"prio,omitempty"`
	Desc string             `json:"desc,omitempty"`

	// Where SaveSnapshot wrote it: segment (0: not yet) and position,
	// and the last save that met it (see snapseg.go).
	seg, idx, seen uint32
}

func newAlertInfo(a *idmefv2.Alert) *alertInfo {
	return &alertInfo{ID: a.ID, Src: a.Source, Tgt: a.Target, Cat: a.Category, Prio: a.Priority, Desc: a.Description}
}

// group is the state of one group-by key of one correlation.
type group struct {
	key  string
	vals []string  // group-by values, in group-by order
	one  [1]string // vals of a single group-by field (see groupValues)
	// events is arr[head:head+len(events)]: sorted by T (then arrival)
	// but for its last tail events, which arrived late and wait in
	// arrival order for settle (see insert).
	events  []event
	arr     []event // events' backing array, whole (nil: not known)
	head    int     // slots of arr before events, freed by dropFront
	tail    int     // unsorted events at the end of events
	tailMin int64   // the earliest T among them, when tail > 0
	start   int64   // window start, for rules decided at the window's end
	newest  int64   // newest event time
	// stamp is the rule's clock at the group's last update (see lru.go);
	// dropped says it left the rule's groups.
	stamp   uint64
	dropped bool

	// Running aggregates of the sliding-window types, kept as events come
	// and go: distinct values (value_count), events per referenced rule
	// (temporal, temporal_ordered), sum (value_sum). Not snapshotted:
	// rebuilt on restore.
	distinct map[string]int
	perRef   []int
	sum      float64
	nnum     int // numbers in sum
	// What the events' parties hold of the rule's uniform suppress
	// fields (see supkey.go); reset when the group empties.
	uniform [maxUniform]uniform
}

// corState is the state of one correlation rule.
type corState struct {
	groups map[string]*group
	clock  uint64  // updates of the groups
	lru    lruHeap // the groups by stamp, lazily (see lru.go)
	stale  int     // entries of lru for dropped groups
}

func newCorState() *corState {
	return &corState{groups: make(map[string]*group)}
}

// account adds (sign 1) or removes (sign -1) e from the running
// aggregates.
func (g *group) account(c *corRule, e *event, sign int) {
	cr := c.rule.Correlation
	switch cr.Type {
	case ValueCount:
		if g.distinct == nil {
			g.distinct = make(map[string]int)
		}
		for _, v := range e.Vals {
			if n := g.distinct[v] + sign; n > 0 {
				g.distinct[v] = n
			} else {
				delete(g.distinct, v)
			}
		}
	case Temporal, TemporalOrdered:
		if g.perRef == nil {
			g.perRef = make([]int, len(cr.Rules))
		}
		g.perRef[e.Ref] += sign
	case ValueSum:
		for _, x := range numbers(e.Vals) {
			g.sum += float64(sign) * x
			g.nnum += sign
		}
	}
}

// rebuild recomputes the running aggregates from the events.
func (g *group) rebuild(c *corRule) {
	g.distinct, g.perRef, g.sum, g.nnum = nil, nil, 0, 0
	g.uniform = [maxUniform]uniform{}
	for i := range g.events {
		g.account(c, &g.events[i], 1)
		if len(c.uniform) > 0 {
			g.noteParties(c, g.events[i].Alert)
		}
	}
}

// measure is the aggregate of the group's window: from the running
// aggregates for the sliding types, computed for the others (settling
// the events first: they need the order).
func (g *group) measure(c *corRule, pool *eventPool) (float64, bool) {
	switch c.rule.Correlation.Type {
	case EventCount:
		return float64(len(g.events)), true
	case ValueCount:
		return float64(len(g.distinct)), true
	case Temporal:
		n := 0
		for _, k := range g.perRef {
			if k > 0 {
				n++
			}
		}
		return float64(n), true
	case ValueSum:
		return g.sum, g.nnum > 0
	}
	g.settle(pool)
	return measure(c, g.events)
}

// orderedBound is, for temporal_ordered, a bound of measure from the
// running counts: the sequence cannot pass a step no event matched.
func (g *group) orderedBound(c *corRule) int {
	n := len(c.rule.Correlation.Rules)
	for i := range n {
		if i >= len(g.perRef) || g.perRef[i] <= 0 {
			return i
		}
	}
	return n
}

// dropFront removes the n oldest events (settling the late ones first
// if one of them is among those). It reslices rather than copies; grow
// moves the events back to the start of the array once the slots freed
// there are as many as the events, so the cost per event stays constant
// however long the window, without allocating.
func (g *group) dropFront(c *corRule, n int, pool *eventPool) {
	if !g.headSorted(n) {
		g.settle(pool)
	}
	for i := range n {
		g.account(c, &g.events[i], -1)
		g.events[i] = event{} // release what it points to
	}
	g.events = g.events[n:]
	g.head += n
	if len(g.events) == 0 {
		g.uniform = [maxUniform]uniform{}
		if g.arr != nil {
			g.events, g.head = g.arr[:0], 0
		}
	}
}

// grow makes room for one more event at the end of g.events, taking
// a new array from pool and giving the old one back.
func (g *group) grow(pool *eventPool) {
	n := len(g.events)
	if n < cap(g.events) {
		return
	}
	if g.arr != nil && g.head >= n && g.head > 0 {
		// The freed slots before the events hold them all: move them
		// there, and clear the slots they leave.
		copy(g.arr, g.events)
		clear(g.arr[n : g.head+n])
		g.events, g.head = g.arr[:n], 0
		return
	}
	arr := pool.get(max(2*n, minEvents))
	copy(arr, g.events)
	pool.put(g.arr)
	g.arr, g.events, g.head = arr, arr[:n], 0
}

// release gives g's events array back to pool: g is dropped.
func (g *group) release(pool *eventPool) {
	if g.arr != nil {
		pool.put(g.arr)
	}
	g.arr, g.events, g.head, g.tail = nil, nil, 0, 0
}

// minEvents is the size of a group's first events array.
const minEvents = 4

// eventPool keeps the events arrays of dropped groups (and those that
// grew) for new groups: most groups are short-lived (duplicate summaries,
// sliding windows that fire and restart), and allocating their arrays was
// a sixth of what the engine allocated per alert. Arrays are kept by size
// class (minEvents<<i), a bounded number of each: poolPerClass of the
// small ones, poolLargeEvents events' worth of the larger (busy groups that
// fire and restart, e.g. an event storm's 150 events, grow to them).
type eventPool struct {
	free [poolClasses][][]event
	tmp  []event // scratch of settle, kept cleared
}

const (
	poolClasses     = 9 // arrays of 4 to 1,024 events
	poolSmall       = 6 // classes of up to 128 events
	poolPerClass    = 4096
	poolLargeEvents = 1 << 16 // per large class (3 MB)
)

// poolLimit is how many arrays of class i the pool keeps.
func poolLimit(i int) int {
	if i < poolSmall {
		return poolPerClass
	}
	return poolLargeEvents / (minEvents << i)
}

// get returns a cleared array of n events.
func (p *eventPool) get(n int) []event {
	if i := poolClass(n); i >= 0 {
		if f := p.free[i]; len(f) > 0 {
			arr := f[len(f)-1]
			f[len(f)-1] = nil
			p.free[i] = f[:len(f)-1]
			return arr
		}
	}
	return make([]event, n)
}

// put keeps arr, cleared, if it is of a size class with room left.
func (p *eventPool) put(arr []event) {
	i := poolClass(len(arr))
	if i < 0 || len(p.free[i]) >= poolLimit(i) {
		return
	}
	clear(arr)
	p.free[i] = append(p.free[i], arr)
}

// poolClass is the class of arrays of n events, -1 for none.
func poolClass(n int) int {
	for i := range poolClasses {
		if n == minEvents<<i {
			return i
		}
	}
	return -1
}

// maxTail bounds the late events a group holds unsorted (see insert);
// at most 256 (settle sorts them by uint8 index).
const maxTail = 32

// insert adds e to g. An event in time order is appended. A late one
// (alertgen's and sensors' start times jitter by seconds, so most events
// are late in a busy group) joins the unsorted tail of g.events instead
// of being moved to its place at once: that shifted ≈ 100 events per
// late event in a 1,000-event window, with the GC's write barriers on
// their pointers. settle sorts the tail into place (every maxTail late
// events, or when the order is needed), moving each event once per
// settle. Readers of the order (measure, contributing, snapshots) settle
// first; the running aggregates do not depend on it. The order settle
// makes is the one inserting each event in its place made: by T, then
// by arrival (every event of the tail arrived after those before it).
//
// An alert already in the group for the same referenced rule (a
// redelivery) is not added again; insert reports whether e was.
func (g *group) insert(c *corRule, e event, pool *eventPool) bool {
	n := len(g.events)
	s := n - g.tail // the sorted events
	late := s > 0 && g.events[s-1].T > e.T
	if g.duplicate(e, s, late) {
		return false
	}
	g.account(c, &e, 1)
	if len(c.uniform) > 0 {
		g.noteParties(c, e.Alert)
	}
	g.grow(pool)
	g.events = g.events[:n+1]
	g.events[n] = e
	if e.T > g.newest {
		g.newest = e.T
	}
	if late || g.tail > 0 {
		if g.tail == 0 || e.T < g.tailMin {
			g.tailMin = e.T
		}
		g.tail++
		if g.tail >= maxTail {
			g.settle(pool)
		}
	}
	return true
}

// duplicate reports whether g holds an event of e's alert (by ID) for
// e's referenced rule at e's time; s is how many events are sorted, and
// late says that the last of them is later than e.
func (g *group) duplicate(e event, s int, late bool) bool {
	i := s
	if late {
		i = lateIndex(g.events[:s], e.T)
	}
	for j := i - 1; j >= 0 && g.events[j].T == e.T; j-- {
		if g.events[j].Ref == e.Ref && g.events[j].Alert.ID == e.Alert.ID {
			return true
		}
	}
	if g.tail == 0 || e.T < g.tailMin {
		return false
	}
	for _, x := range g.events[s:] {
		if x.T == e.T && x.Ref == e.Ref && x.Alert.ID == e.Alert.ID {
			return true
		}
	}
	return false
}

// headSorted reports whether the n oldest events are the first n of
// g.events, as dropFront needs: no late event is among them (on equal
// times the sorted events came first).
func (g *group) headSorted(n int) bool {
	if g.tail == 0 {
		return true
	}
	return n <= len(g.events)-g.tail && g.tailMin >= g.events[n-1].T
}

// settle puts the late events of the tail in their place: sorted
// (stably: equal times stay in arrival order), then merged from the back
// with the sorted events later than the earliest of them, each moved
// once. The tail is sorted by index, on a copy: moving events costs the
// GC's write barriers, moving indices nothing.
func (g *group) settle(pool *eventPool) {
	k := g.tail
	if k == 0 {
		return
	}
	g.tail = 0
	evs := g.events
	s := len(evs) - k
	tmp := append(pool.tmp[:0], evs[s:]...)
	var ord [maxTail]uint8
	sortTail(tmp, ord[:k])
	p := s // the first sorted event to move
	if s > 0 && evs[s-1].T > tmp[ord[0]].T {
		p = lateIndex(evs[:s], tmp[ord[0]].T)
	}
	i, w := s-1, len(evs)-1
	for j := k - 1; j >= 0; w-- {
		if i >= p && evs[i].T > tmp[ord[j]].T {
			evs[w] = evs[i]
			i--
		} else {
			evs[w] = tmp[ord[j]]
			j--
		}
	}
	clear(tmp) // keep nothing alive
	pool.tmp = tmp[:0]
}

// sortTail sets ord to the indices of tail in stable order of time (by
// insertion: the tail is short).
func sortTail(tail []event, ord []uint8) {
	for j := range ord {
		x := uint8(j)
		i := j
		for ; i > 0 && tail[ord[i-1]].T > tail[x].T; i-- {
			ord[i] = ord[i-1]
		}
		ord[i] = x
	}
}

// lateIndex is the index of the first of evs (sorted by T, the last later
// than t) later than t. Late events land near the end: the search gallops
// back from there (touching the events most recently inserted, not the
// whole window) before halving.
func lateIndex(evs []event, t int64) int {
	hi := len(evs) - 1 // evs[hi].T > t
	lo := hi - 1       // evs[lo].T <= t, or -1
	for step := 1; lo >= 0 && evs[lo].T > t; step *= 2 {
		hi = lo
		lo = max(hi-step, -1)
	}
	// The index is in (lo, hi].
	l, h := lo+1, hi
	for l < h {
		m := int(uint(l+h) >> 1)
		if evs[m].T > t {
			h = m
		} else {
			l = m + 1
		}
	}
	return l
}

// expire drops events older than from; it returns how many.
func (g *group) expire(c *corRule, from int64, pool *eventPool) int {
	if g.tail > 0 && g.tailMin < from {
		g.settle(pool)
	}
	i, s := 0, len(g.events)-g.tail
	for i < s && g.events[i].T < from {
		i++
	}
	if i > 0 {
		g.dropFront(c, i, pool)
	}
	return i
}

// measure computes the value a condition compares for the events of a
// window: a count, a number of distinct values or rules, a sum, an average
// or a percentile. ok is false when a numeric aggregate has no number.
func measure(c *corRule, evs []event) (v float64, ok bool) {
	cr := c.rule.Correlation
	switch cr.Type {
	case EventCount:
		return float64(len(evs)), true
	case ValueCount:
		seen := make(map[string]struct{}, len(evs))
		for _, e := range evs {
			for _, s := range e.Vals {
				seen[s] = struct{}{}
			}
		}
		return float64(len(seen)), true
	case Temporal:
		seen := make([]bool, len(cr.Rules))
		n := 0
		for _, e := range evs {
			if !seen[e.Ref] {
				seen[e.Ref] = true
				n++
			}
		}
		return float64(n), true
	case TemporalOrdered:
		next := 0
		for _, e := range evs {
			if next < len(cr.Rules) && int(e.Ref) == next {
				next++
			}
		}
		return float64(next), true
	}
	nums := eventNumbers(evs)
	if len(nums) == 0 {
		return 0, false
	}
	switch cr.Type {
	case ValueSum:
		s := 0.0
		for _, x := range nums {
			s += x
		}
		return s, true
	case ValueAvg:
		s := 0.0
		for _, x := range nums {
			s += x
		}
		return s / float64(len(nums)), true
	case ValuePercentile:
		sort.Float64s(nums)
		return percentile(nums, cr.Condition.Percentile), true
	}
	return 0, false
}

// numbers returns the numeric values among vals.
func numbers(vals []string) []float64 {
	var out []float64
	for _, s := range vals {
		if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// eventNumbers returns the numeric values of the events.
func eventNumbers(evs []event) []float64 {
	var out []float64
	for _, e := range evs {
		out = append(out, numbers(e.Vals)...)
	}
	return out
}

// percentile is the p-th percentile (0 < p ≤ 100) of sorted xs, by the
// nearest-rank method.
func percentile(xs []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(xs))))
	rank = max(1, min(rank, len(xs)))
	return xs[rank-1]
}

// orderedSpan returns, for temporal_ordered, the events that form the
// sequence (the first match of each step), so that CorrelID names them.
func contributing(c *corRule, evs []event) []event {
	if c.rule.Correlation.Type != TemporalOrdered {
		return evs
	}
	var out []event
	next := 0
	for _, e := range evs {
		if int(e.Ref) < next {
			out = append(out, e) // repeats of an earlier step contribute too
			continue
		}
		if int(e.Ref) == next {
			out = append(out, e)
			next++
		}
	}
	return out
}
