package correlate

import (
	"container/list"
	"math"
	"sort"
	"strconv"

	"github.com/vigie-siem/vigie/idmefv2"
)

// event is one alert as a correlation keeps it.
type event struct {
	T     int64              `json:"t"`               // event time, Unix nanoseconds
	ID    string             `json:"id"`              // the alert's ID
	Ref   int                `json:"ref"`             // which referenced rule it matched
	Vals  []string           `json:"vals,omitempty"`  // value_* field values
	Depth int                `json:"depth,omitempty"` // correlation depth of the alert
	Src   []idmefv2.Source   `json:"src,omitempty"`
	Tgt   []idmefv2.Target   `json:"tgt,omitempty"`
	Cat   []idmefv2.Category `json:"cat,omitempty"`
	Prio  idmefv2.Priority   `json:"prio,omitempty"`
	Desc  string             `json:"desc,omitempty"`
}

// group is the state of one group-by key of one correlation.
type group struct {
	key    string
	vals   []string // group-by values, in group-by order
	events []event  // sorted by T
	start  int64    // window start, for rules decided at the window's end
	newest int64    // newest event time
	elem   *list.Element
}

// corState is the state of one correlation rule.
type corState struct {
	groups map[string]*group
	lru    *list.List // of *group, most recently updated first
}

func newCorState() *corState {
	return &corState{groups: make(map[string]*group), lru: list.New()}
}

// insert adds e to g keeping events sorted by time (late events go to
// their place).
func (g *group) insert(e event) {
	n := len(g.events)
	if n == 0 || g.events[n-1].T <= e.T {
		g.events = append(g.events, e)
	} else {
		i := sort.Search(n, func(i int) bool { return g.events[i].T > e.T })
		g.events = append(g.events, event{})
		copy(g.events[i+1:], g.events[i:])
		g.events[i] = e
	}
	if e.T > g.newest {
		g.newest = e.T
	}
}

// expire drops events older than from; it returns how many.
func (g *group) expire(from int64) int {
	i := 0
	for i < len(g.events) && g.events[i].T < from {
		i++
	}
	if i > 0 {
		g.events = append(g.events[:0], g.events[i:]...)
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
			if next < len(cr.Rules) && e.Ref == next {
				next++
			}
		}
		return float64(next), true
	}
	nums := numbers(evs)
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

// numbers returns the numeric values of the events.
func numbers(evs []event) []float64 {
	var out []float64
	for _, e := range evs {
		for _, s := range e.Vals {
			if x, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
				out = append(out, x)
			}
		}
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
		if e.Ref < next {
			out = append(out, e) // repeats of an earlier step contribute too
			continue
		}
		if e.Ref == next {
			out = append(out, e)
			next++
		}
	}
	return out
}
