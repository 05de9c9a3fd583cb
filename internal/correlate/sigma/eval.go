package sigma

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// fieldNode is true when some value of the field matches some pattern.
type fieldNode struct {
	f    Field
	pats []matcher
}

func (n *fieldNode) eval(a *idmefv2.Alert) bool { return n.f.visit(a, n) }

// test implements valueTest: the value matches one of the patterns.
func (n *fieldNode) test(v value) bool {
	for _, p := range n.pats {
		if p.match(v) {
			return true
		}
	}
	return false
}

func (n *fieldNode) cost() int {
	c := 1
	for _, p := range n.pats {
		c += p.cost()
	}
	return c
}

// existsNode is true when the field has (want) or lacks (!want) a value.
type existsNode struct {
	f    Field
	want bool
}

type anyValue struct{}

func (anyValue) test(value) bool { return true }

func (n *existsNode) eval(a *idmefv2.Alert) bool { return n.f.visit(a, anyValue{}) == n.want }
func (n *existsNode) cost() int                  { return 1 }

// fieldRefNode compares two fields of the same alert.
type fieldRefNode struct {
	f, other Field
	mode     strKind
	cased    bool
}

func (n *fieldRefNode) eval(a *idmefv2.Alert) bool {
	var buf [4]string
	refs := n.other.AppendValues(buf[:0], a)
	for _, r := range refs {
		if !n.cased {
			r = strings.ToLower(r)
		}
		p := strPat{kind: n.mode, lit: r, cased: n.cased}
		if n.mode == strExact && looksNumeric(r) {
			if x, err := strconv.ParseFloat(r, 64); err == nil {
				p.num, p.isNum = x, true
			}
		}
		if n.f.visit(a, &refTest{p: &p}) {
			return true
		}
	}
	return false
}

type refTest struct{ p *strPat }

func (t *refTest) test(v value) bool { return t.p.match(v) }

func (n *fieldRefNode) cost() int { return 30 }

type andNode struct{ kids []node }

func (n *andNode) eval(a *idmefv2.Alert) bool {
	for _, k := range n.kids {
		if !k.eval(a) {
			return false
		}
	}
	return true
}

func (n *andNode) cost() int { return sumCost(n.kids) }

type orNode struct{ kids []node }

func (n *orNode) eval(a *idmefv2.Alert) bool {
	for _, k := range n.kids {
		if k.eval(a) {
			return true
		}
	}
	return false
}

func (n *orNode) cost() int { return sumCost(n.kids) }

type notNode struct{ kid node }

func (n *notNode) eval(a *idmefv2.Alert) bool { return !n.kid.eval(a) }
func (n *notNode) cost() int                  { return n.kid.cost() }

type constNode bool

func (n constNode) eval(*idmefv2.Alert) bool { return bool(n) }
func (constNode) cost() int                  { return 0 }

func sumCost(ns []node) int {
	c := 0
	for _, n := range ns {
		c += n.cost()
	}
	return c
}

// andOf builds an AND with the cheapest terms first (terms have no side
// effects, so the order only changes speed).
func andOf(kids []node) node {
	if len(kids) == 1 {
		return kids[0]
	}
	kids = slices.Clone(kids)
	slices.SortStableFunc(kids, func(x, y node) int { return x.cost() - y.cost() })
	return &andNode{kids: kids}
}

// orOf builds an OR with the cheapest terms first.
func orOf(kids []node) node {
	if len(kids) == 1 {
		return kids[0]
	}
	kids = slices.Clone(kids)
	slices.SortStableFunc(kids, func(x, y node) int { return x.cost() - y.cost() })
	return &orNode{kids: kids}
}

// condition compiles a parsed condition against the rule's searches.
func (c *compiler) condition(n *condNode) (node, error) {
	switch n.kind {
	case condIdent:
		s, ok := c.searches[n.name]
		if !ok {
			return nil, fmt.Errorf("unknown search identifier %q at offset %d (defined: %s)", n.name, n.pos, strings.Join(c.order, ", "))
		}
		return s, nil
	case condNot:
		k, err := c.condition(n.kids[0])
		if err != nil {
			return nil, err
		}
		return &notNode{kid: k}, nil
	case condAnd, condOr:
		kids := make([]node, 0, len(n.kids))
		for _, k := range n.kids {
			x, err := c.condition(k)
			if err != nil {
				return nil, err
			}
			kids = append(kids, x)
		}
		if n.kind == condAnd {
			return andOf(kids), nil
		}
		return orOf(kids), nil
	case condOf:
		var kids []node
		for _, name := range c.order {
			if n.name == "them" {
				if strings.HasPrefix(name, "_") {
					continue
				}
			} else if ok, _ := path.Match(globToPathPattern(n.name), name); !ok {
				continue
			}
			kids = append(kids, c.searches[name])
		}
		if len(kids) == 0 {
			return nil, fmt.Errorf("%q at offset %d matches no search identifier (defined: %s)", n.String(), n.pos, strings.Join(c.order, ", "))
		}
		switch {
		case n.count == 0:
			return andOf(kids), nil
		case n.count == 1:
			return orOf(kids), nil
		case n.count > len(kids):
			return constNode(false), nil
		}
		return &countNode{kids: kids, n: n.count}, nil
	}
	return nil, fmt.Errorf("internal: unknown condition node %d", n.kind)
}

// globToPathPattern escapes everything but "*" for path.Match.
func globToPathPattern(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// countNode is "N of …" with 1 < N < len(kids).
type countNode struct {
	kids []node
	n    int
}

func (n *countNode) eval(a *idmefv2.Alert) bool {
	hit := 0
	for i, k := range n.kids {
		if k.eval(a) {
			hit++
			if hit >= n.n {
				return true
			}
		}
		if hit+len(n.kids)-i-1 < n.n {
			return false
		}
	}
	return false
}

func (n *countNode) cost() int { return sumCost(n.kids) }
