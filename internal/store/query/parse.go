package query

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// MaxLength is the longest query Parse accepts, in bytes.
const MaxLength = 16 << 10

// maxDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxDepth = 100

// Parse parses a query. An empty or blank query gives a nil Expr (match
// everything). Errors are *Error.
func Parse(q string) (Expr, error) {
	if len(q) > MaxLength {
		return nil, Errorf(MaxLength, fmt.Sprintf("query longer than %d bytes", MaxLength))
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tokEOF {
		return nil, nil
	}
	e, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, Errorf(t.pos, "expected and, or or end of query, found "+t.describe())
	}
	return e, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(n int) token {
	if p.i+n < len(p.toks) {
		return p.toks[p.i+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func isKW(t token, kw string) bool { return t.kind == tokWord && strings.EqualFold(t.text, kw) }

func (p *parser) parseOr(depth int) (Expr, error) {
	x, err := p.parseAnd(depth)
	if err != nil {
		return nil, err
	}
	for isKW(p.peek(), "or") {
		p.next()
		y, err := p.parseAnd(depth)
		if err != nil {
			return nil, err
		}
		x = &Or{X: x, Y: y}
	}
	return x, nil
}

// parseAnd reads unary terms joined by "and" or by juxtaposition.
func (p *parser) parseAnd(depth int) (Expr, error) {
	x, err := p.parseUnary(depth)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case isKW(t, "and"):
			p.next()
		case t.kind == tokEOF || t.kind == tokRParen || isKW(t, "or"):
			return x, nil
		}
		y, err := p.parseUnary(depth)
		if err != nil {
			return nil, err
		}
		x = &And{X: x, Y: y}
	}
}

func (p *parser) parseUnary(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, Errorf(p.peek().pos, fmt.Sprintf("query nested deeper than %d levels", maxDepth))
	}
	t := p.peek()
	switch {
	case isKW(t, "not"):
		p.next()
		x, err := p.parseUnary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &Not{X: x, At: t.pos}, nil
	case t.kind == tokLParen:
		p.next()
		x, err := p.parseOr(depth + 1)
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, Errorf(c.pos, `expected ")" to close the "(" at offset `+fmt.Sprint(t.pos)+", found "+c.describe())
		}
		return x, nil
	case isKW(t, "exists"):
		p.next()
		f := p.next()
		if f.kind != tokWord || isKeyword(f.text) {
			return nil, Errorf(f.pos, "expected a path after exists, found "+f.describe())
		}
		field, err := parseField(f)
		if err != nil {
			return nil, err
		}
		return &Exists{Field: field, At: t.pos}, nil
	case t.kind == tokString:
		p.next()
		return &Text{Text: t.text, Phrase: true, At: t.pos}, nil
	case t.kind == tokWord && !isKW(t, "and") && !isKW(t, "or"):
		if p.startsTerm() {
			return p.parseTerm()
		}
		p.next()
		if w, ok := strings.CutSuffix(t.text, "*"); ok && w != "" && !strings.Contains(w, "*") {
			return &Text{Text: w, Prefix: true, At: t.pos}, nil
		}
		return &Text{Text: t.text, At: t.pos}, nil
	}
	return nil, Errorf(t.pos, "expected a term (PATH OP VALUE, exists PATH, text, not or \"(\"), found "+t.describe())
}

// startsTerm reports whether the current word is the path of a comparison:
// it is followed by an operator, or by in / not in with a valid path.
func (p *parser) startsTerm() bool {
	n := p.peekAt(1)
	if n.kind == tokOp {
		return true
	}
	cur := p.peek()
	if isKeyword(cur.text) {
		return false
	}
	inNext := isKW(n, "in") || (isKW(n, "not") && isKW(p.peekAt(2), "in"))
	if !inNext {
		return false
	}
	_, err := parseField(cur)
	return err == nil
}

func (p *parser) parseTerm() (Expr, error) {
	ft := p.next()
	field, err := parseField(ft)
	if err != nil {
		return nil, err
	}
	negate := false
	if isKW(p.peek(), "not") {
		p.next()
		negate = true
	}
	ot := p.next()
	var cmp *Compare
	switch {
	case isKW(ot, "in"):
		vals, err := p.parseInValues()
		if err != nil {
			return nil, err
		}
		cmp = &Compare{Field: field, Op: In, Values: vals}
	case ot.kind == tokOp:
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		cmp = &Compare{Field: field, Op: Op(ot.text), Values: []Value{v}}
	default:
		return nil, Errorf(ot.pos, "expected an operator (= != < <= > >= ~ in) after "+field.Name+", found "+ot.describe())
	}
	if negate {
		return &Not{X: cmp, At: ft.pos}, nil
	}
	return cmp, nil
}

// parseInValues reads "(v, v…)" or a single value (a CIDR block).
func (p *parser) parseInValues() ([]Value, error) {
	if p.peek().kind != tokLParen {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		return []Value{v}, nil
	}
	p.next()
	var vals []Value
	for {
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		switch t := p.next(); t.kind {
		case tokComma:
		case tokRParen:
			return vals, nil
		default:
			return nil, Errorf(t.pos, `expected "," or ")" in the in list, found `+t.describe())
		}
	}
}

func (p *parser) parseValue() (Value, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return Value{Text: t.text, Quoted: true, At: t.pos}, nil
	case tokWord:
		return Value{Text: t.text, At: t.pos}, nil
	}
	return Value{}, Errorf(t.pos, "expected a value (a word or a \"quoted string\"), found "+t.describe())
}

// classLists are the IDMEF classes that come in lists; in a query, such a
// class without an index means any element.
var classLists = []string{"Source", "Target", "Sensor", "Attachment"}

// parseField resolves a path word to a Field.
func parseField(t token) (Field, error) {
	switch t.text {
	case FieldState, FieldAssignee, FieldTag, FieldSuperseded:
		return Field{Name: t.text, Lifecycle: true, At: t.pos}, nil
	}
	s := t.text
	first, rest, dotted := strings.Cut(s, ".")
	for _, c := range classLists {
		if first == c && dotted {
			s = c + "(*)." + rest
		} else if first == c {
			s = c + "(*)"
		}
	}
	path, err := idmefv2.ParsePath(s)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "idmefv2: ")
		return Field{}, Errorf(t.pos, "expected an IDMEF path or one of state, assignee, tag, superseded: "+msg)
	}
	return Field{Name: path.String(), At: t.pos}, nil
}

// ParseField parses the path of a group-by, top-N or histogram split: an
// IDMEF path (class lists without an index mean any element) or a
// lifecycle field.
func ParseField(s string) (Field, error) {
	s = strings.TrimSpace(s)
	if s == "" || isKeyword(s) {
		return Field{}, Errorf(0, "expected a path, found "+strconv.Quote(s))
	}
	return parseField(token{kind: tokWord, text: s})
}
