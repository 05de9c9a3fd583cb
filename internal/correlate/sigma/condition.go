package sigma

import (
	"fmt"
	"strconv"
	"strings"
)

// Condition grammar (Sigma 2.0), lowest precedence first:
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | primary
//	primary = "(" expr ")" | quant "of" ( pattern | "them" ) | identifier
//	quant   = "1" | "all" | "any" | N
//
// Keywords are case-insensitive; identifiers are case-sensitive and a
// pattern may use "*" as a wildcard. "them" stands for every search
// identifier not starting with "_".

type condKind int

const (
	condIdent condKind = iota
	condAnd
	condOr
	condNot
	condOf // quantifier over identifiers matching a pattern
)

// condNode is a parsed condition.
type condNode struct {
	kind  condKind
	name  string // identifier, or pattern ("them" for all)
	kids  []*condNode
	count int // condOf: how many must match; 0 means all
	pos   int // byte offset in the condition, for messages
	// notes records non-standard constructs met while parsing, for Lint.
	notes []string
}

type condToken struct {
	text string
	pos  int
}

// maxCondDepth bounds nesting so hostile rules cannot exhaust the stack.
const maxCondDepth = 200

type condParser struct {
	toks  []condToken
	i     int
	src   string
	depth int
	notes []string
}

// parseCondition parses a condition expression.
func parseCondition(src string) (*condNode, error) {
	toks, err := lexCondition(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	p := &condParser{toks: toks, src: src}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, fmt.Errorf("unexpected %q at offset %d", t.text, t.pos)
	}
	n.notes = p.notes
	return n, nil
}

func lexCondition(src string) ([]condToken, error) {
	var toks []condToken
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, condToken{string(c), i})
			i++
		case c == '|':
			return nil, fmt.Errorf("aggregation expression at offset %d (\"| count() …\"): removed in Sigma 2.0, use a correlation rule", i)
		case isIdentChar(c):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			toks = append(toks, condToken{src[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at offset %d", c, i)
		}
	}
	return toks, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || c == '*' || c == '-' || c == '.' ||
		'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (p *condParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i].text
	}
	return ""
}

func (p *condParser) keyword(kw string) bool {
	t := p.peek()
	if !strings.EqualFold(t, kw) {
		return false
	}
	if t != kw {
		p.notes = append(p.notes, fmt.Sprintf("keyword %q written %q (the specification uses lower case)", kw, t))
	}
	p.i++
	return true
}

func (p *condParser) pos() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].pos
	}
	return len(p.src)
}

func (p *condParser) enter() error {
	p.depth++
	if p.depth > maxCondDepth {
		return fmt.Errorf("condition nested deeper than %d levels", maxCondDepth)
	}
	return nil
}

func (p *condParser) expr() (*condNode, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = join(condOr, left, right)
	}
	return left, nil
}

func (p *condParser) and() (*condNode, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = join(condAnd, left, right)
	}
	return left, nil
}

// join flattens chains of the same operator.
func join(kind condKind, l, r *condNode) *condNode {
	if l.kind == kind {
		l.kids = append(l.kids, r)
		return l
	}
	return &condNode{kind: kind, kids: []*condNode{l, r}, pos: l.pos}
}

func (p *condParser) unary() (*condNode, error) {
	pos := p.pos()
	if p.keyword("not") {
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &condNode{kind: condNot, kids: []*condNode{k}, pos: pos}, nil
	}
	return p.primary()
}

var reserved = map[string]bool{"and": true, "or": true, "not": true, "of": true, "them": true, "all": true}

func (p *condParser) primary() (*condNode, error) {
	pos := p.pos()
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("condition ends early: expected an identifier, \"not\", \"(\" or \"1 of\"")
	case t == "(":
		p.i++
		n, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing \")\" for \"(\" at offset %d", pos)
		}
		p.i++
		return n, nil
	case t == ")":
		return nil, fmt.Errorf("unexpected \")\" at offset %d", pos)
	}
	// Quantifier?
	if p.i+1 < len(p.toks) && strings.EqualFold(p.toks[p.i+1].text, "of") {
		count, err := p.quantifier(t)
		if err != nil {
			return nil, err
		}
		p.i++ // quantifier
		p.keyword("of")
		target := p.peek()
		switch {
		case target == "" || target == "(" || target == ")":
			return nil, fmt.Errorf("expected a search identifier pattern or \"them\" after %q at offset %d", t+" of", pos)
		case strings.EqualFold(target, "them"):
			p.keyword("them")
			return &condNode{kind: condOf, name: "them", count: count, pos: pos}, nil
		case reserved[strings.ToLower(target)]:
			return nil, fmt.Errorf("keyword %q is not a search identifier (offset %d)", target, p.pos())
		}
		p.i++
		return &condNode{kind: condOf, name: target, count: count, pos: pos}, nil
	}
	if reserved[strings.ToLower(t)] {
		return nil, fmt.Errorf("unexpected keyword %q at offset %d", t, pos)
	}
	if strings.Contains(t, "*") {
		return nil, fmt.Errorf("wildcard identifier %q at offset %d: only allowed after \"1 of\" / \"all of\"", t, pos)
	}
	p.i++
	return &condNode{kind: condIdent, name: t, pos: pos}, nil
}

func (p *condParser) quantifier(t string) (int, error) {
	switch {
	case strings.EqualFold(t, "all"):
		if t != "all" {
			p.notes = append(p.notes, fmt.Sprintf("keyword \"all\" written %q", t))
		}
		return 0, nil
	case t == "1":
		return 1, nil
	case strings.EqualFold(t, "any"):
		p.notes = append(p.notes, "\"any of\" is not in Sigma 2.0; use \"1 of\"")
		return 1, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 || n > 1000 {
		return 0, fmt.Errorf("quantifier %q at offset %d: want \"1\", \"all\" or a count", t, p.pos())
	}
	p.notes = append(p.notes, fmt.Sprintf("%q: counts other than 1 are an extension of the specification", t+" of"))
	return n, nil
}

// String renders the condition with explicit parentheses (tests, messages).
func (n *condNode) String() string {
	switch n.kind {
	case condIdent:
		return n.name
	case condNot:
		return "not " + n.kids[0].String()
	case condOf:
		q := "all"
		if n.count > 0 {
			q = strconv.Itoa(n.count)
		}
		return q + " of " + n.name
	}
	op := " and "
	if n.kind == condOr {
		op = " or "
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = k.String()
	}
	return "(" + strings.Join(parts, op) + ")"
}
