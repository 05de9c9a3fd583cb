package sigma

import (
	"math/bits"
	"strings"
	"sync"

	"github.com/vigie-siem/vigie/idmefv2"
)

// RuleSet evaluates many rules against each alert. Rules whose condition
// requires a field to equal one of a few literals (Category: Access.Other,
// Analyzer.Name: sshd…) are indexed by those literals, so an alert is only
// tested against the rules that can match it. A RuleSet is immutable and
// safe for concurrent use.
type RuleSet struct {
	rules   []*Rule
	indexes []fieldIndex
	always  []uint64 // rules tested for every alert (not indexed)
	indexed int      // number of indexed rules
	pool    sync.Pool
}

type fieldIndex struct {
	f       Field
	byValue map[string][]int32
}

// matchScratch is the per-call state, pooled.
type matchScratch struct {
	bits []uint64
	buf  []byte
	idx  *fieldIndex
}

// test implements valueTest: marks the rules indexed under v.
func (s *matchScratch) test(v value) bool {
	if v.num {
		return false
	}
	s.buf = s.buf[:0]
	if isASCII(v.s) {
		for i := 0; i < len(v.s); i++ {
			s.buf = append(s.buf, lowerASCII(v.s[i]))
		}
	} else {
		s.buf = append(s.buf, strings.ToLower(v.s)...)
	}
	for _, r := range s.idx.byValue[string(s.buf)] {
		s.bits[r>>6] |= 1 << (uint(r) & 63)
	}
	return false
}

// NewRuleSet indexes the rules; Match returns matches in this order.
func NewRuleSet(rules ...*Rule) *RuleSet {
	s := &RuleSet{rules: rules}
	words := (len(rules) + 63) / 64
	s.always = make([]uint64, words)
	byField := map[string]int{}
	for i, r := range rules {
		c := required(r.root)
		if c == nil {
			s.always[i>>6] |= 1 << (uint(i) & 63)
			continue
		}
		if c.never {
			continue // the rule can never match
		}
		k, ok := byField[c.f.canon]
		if !ok {
			k = len(s.indexes)
			byField[c.f.canon] = k
			s.indexes = append(s.indexes, fieldIndex{f: c.f, byValue: map[string][]int32{}})
		}
		for _, v := range c.values {
			ids := s.indexes[k].byValue[v]
			if len(ids) == 0 || ids[len(ids)-1] != int32(i) {
				s.indexes[k].byValue[v] = append(ids, int32(i))
			}
		}
		s.indexed++
	}
	s.pool.New = func() any { return &matchScratch{bits: make([]uint64, words), buf: make([]byte, 0, 64)} }
	return s
}

// Rules returns the rules in order.
func (s *RuleSet) Rules() []*Rule { return s.rules }

// Len returns the number of rules.
func (s *RuleSet) Len() int { return len(s.rules) }

// Indexed returns how many rules are indexed (the rest are tested against
// every alert).
func (s *RuleSet) Indexed() int { return s.indexed }

// Match returns the rules the alert matches, in rule order.
func (s *RuleSet) Match(a *idmefv2.Alert) []*Rule { return s.AppendMatches(nil, a) }

// AppendMatches appends the rules the alert matches to dst, in rule order
// (no allocation when dst has room).
func (s *RuleSet) AppendMatches(dst []*Rule, a *idmefv2.Alert) []*Rule {
	s.Each(a, func(_ int, r *Rule) bool {
		dst = append(dst, r)
		return true
	})
	return dst
}

// Each calls fn with the index and rule of each rule the alert matches, in
// rule order, until fn returns false.
func (s *RuleSet) Each(a *idmefv2.Alert, fn func(i int, r *Rule) bool) {
	if a == nil || len(s.rules) == 0 {
		return
	}
	sc := s.pool.Get().(*matchScratch)
	copy(sc.bits, s.always)
	for i := range s.indexes {
		sc.idx = &s.indexes[i]
		sc.idx.f.visit(a, sc)
	}
	sc.idx = nil
	for w, word := range sc.bits {
		for word != 0 {
			b := bits.TrailingZeros64(word)
			word &^= 1 << uint(b)
			i := w<<6 | b
			if r := s.rules[i]; r.root.eval(a) && !fn(i, r) {
				s.pool.Put(sc)
				return
			}
		}
	}
	s.pool.Put(sc)
}

// constraint is a necessary condition of a node: field f must have one of
// values (lower-cased), or never is set when the node is always false.
type constraint struct {
	f      Field
	values []string
	never  bool
}

// required returns a necessary condition of n usable as an index key, or
// nil when there is none.
func required(n node) *constraint {
	switch n := n.(type) {
	case constNode:
		if !n {
			return &constraint{never: true}
		}
	case *fieldNode:
		if n.f.numeric {
			return nil
		}
		c := &constraint{f: n.f}
		for _, p := range n.pats {
			switch p := p.(type) {
			case *strPat:
				if p.kind != strExact {
					return nil
				}
				c.values = append(c.values, strings.ToLower(p.lit))
			case *setPat:
				for v := range p.set {
					c.values = append(c.values, strings.ToLower(v))
				}
			default:
				return nil
			}
		}
		return c
	case *andNode:
		var best *constraint
		for _, k := range n.kids {
			c := required(k)
			if c != nil && (c.never || best == nil || len(c.values) < len(best.values)) {
				best = c
			}
		}
		return best
	case *orNode:
		var out *constraint
		for _, k := range n.kids {
			c := required(k)
			switch {
			case c == nil:
				return nil
			case c.never:
				continue
			case out == nil:
				out = &constraint{f: c.f, values: append([]string(nil), c.values...)}
			case out.f.canon != c.f.canon:
				return nil
			default:
				out.values = append(out.values, c.values...)
			}
		}
		if out == nil {
			return &constraint{never: true}
		}
		return out
	}
	return nil
}

// Find returns the rule whose name or id is ref (as correlation rules
// refer to them) and its index, or nil and -1.
func (s *RuleSet) Find(ref string) (*Rule, int) {
	for i, r := range s.rules {
		if ref != "" && (r.Meta.Name == ref || r.Meta.ID == ref) {
			return r, i
		}
	}
	return nil, -1
}
