package sigma

import (
	"math"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// matcher tests one value against one compiled pattern.
type matcher interface {
	match(v value) bool
	cost() int // relative evaluation cost, for ordering AND terms
}

type strKind uint8

const (
	strExact strKind = iota
	strPrefix
	strSuffix
	strContains
	strGlob
)

// strPat is a string pattern: literal (lower-cased unless cased) with the
// wildcards reduced to the cheapest test.
type strPat struct {
	kind  strKind
	lit   string
	g     *glob
	cased bool
	// num holds the value of a numeric YAML literal (Port: 22), compared
	// numerically with numeric attributes.
	num   float64
	isNum bool
}

func (p *strPat) match(v value) bool {
	s := v.s
	if v.num {
		if p.kind == strExact {
			// A number equals only a numeric literal.
			return p.isNum && v.n == p.num
		}
		s = v.String()
	}
	if p.cased {
		switch p.kind {
		case strExact:
			return s == p.lit
		case strPrefix:
			return strings.HasPrefix(s, p.lit)
		case strSuffix:
			return strings.HasSuffix(s, p.lit)
		case strContains:
			return strings.Contains(s, p.lit)
		}
		return p.g.match(s)
	}
	switch p.kind {
	case strExact:
		return eqFold(s, p.lit)
	case strPrefix:
		return prefixFold(s, p.lit)
	case strSuffix:
		return suffixFold(s, p.lit)
	case strContains:
		return containsFold(s, p.lit)
	}
	return p.g.match(s)
}

func (p *strPat) cost() int {
	switch p.kind {
	case strExact:
		return 1
	case strPrefix, strSuffix:
		return 2
	case strContains:
		return 4
	}
	return 6
}

// newStrPat reduces a parsed Sigma string (literal parts and wildcards) to
// the cheapest test.
func newStrPat(parts []globPart, cased bool) *strPat {
	parts = mergeParts(parts)
	if !cased {
		for i := range parts {
			parts[i].lit = strings.ToLower(parts[i].lit)
		}
	}
	p := &strPat{cased: cased}
	isLit := func(i int) bool { return i < len(parts) && !parts[i].star && !parts[i].one }
	switch {
	case len(parts) == 0:
		p.kind = strExact
	case len(parts) == 1 && isLit(0):
		p.kind, p.lit = strExact, parts[0].lit
	case len(parts) == 2 && isLit(0) && parts[1].star:
		p.kind, p.lit = strPrefix, parts[0].lit
	case len(parts) == 2 && parts[0].star && isLit(1):
		p.kind, p.lit = strSuffix, parts[1].lit
	case len(parts) == 3 && parts[0].star && isLit(1) && parts[2].star:
		p.kind, p.lit = strContains, parts[1].lit
	case len(parts) == 1 && parts[0].star:
		p.kind, p.lit = strPrefix, "" // any non-empty value
	default:
		p.kind, p.g = strGlob, &glob{parts: parts, toks: buildTokens(parts), cased: cased}
	}
	return p
}

// mergeParts joins adjacent literals and collapses runs of stars.
func mergeParts(in []globPart) []globPart {
	out := make([]globPart, 0, len(in))
	for _, p := range in {
		n := len(out)
		switch {
		case p.star && n > 0 && out[n-1].star:
			continue
		case !p.star && !p.one && p.lit == "":
			continue
		case !p.star && !p.one && n > 0 && !out[n-1].star && !out[n-1].one:
			out[n-1].lit += p.lit
			continue
		}
		out = append(out, p)
	}
	return out
}

// parseWildcards splits a Sigma string into literal parts and wildcards.
// "\*", "\?" and "\\" escape; any other backslash is literal.
func parseWildcards(s string) []globPart {
	var parts []globPart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, globPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			parts = append(parts, globPart{star: true})
		case c == '?':
			flush()
			parts = append(parts, globPart{one: true})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}

// setPat is an exact match against many literals (a long list of values).
type setPat struct {
	set   map[string]struct{}
	cased bool
	// nums holds numeric literals for numeric attributes.
	nums map[float64]struct{}
}

func (p *setPat) match(v value) bool {
	if v.num {
		_, ok := p.nums[v.n]
		return ok
	}
	if p.cased {
		_, ok := p.set[v.s]
		return ok
	}
	var buf [64]byte
	if len(v.s) <= len(buf) && isASCII(v.s) {
		b := buf[:len(v.s)]
		for i := 0; i < len(v.s); i++ {
			b[i] = lowerASCII(v.s[i])
		}
		_, ok := p.set[string(b)]
		return ok
	}
	_, ok := p.set[strings.ToLower(v.s)]
	return ok
}

func (p *setPat) cost() int { return 2 }

// rePat is a regular expression (RE2 syntax), unanchored. need holds
// literals every match contains, tested first (cheaply) to skip the
// regular expression on most values.
type rePat struct {
	re   *regexp.Regexp
	need []reLiteral
}

type reLiteral struct {
	lit  string // lower-cased when fold
	fold bool
}

func newRePat(expr string) (*rePat, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, err
	}
	p := &rePat{re: re}
	if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
		p.need = requiredLiterals(tree.Simplify())
	}
	return p, nil
}

// requiredLiterals returns literals (3 bytes or more) that every match of
// a top-level concatenation contains.
func requiredLiterals(re *syntax.Regexp) []reLiteral {
	var subs []*syntax.Regexp
	switch re.Op {
	case syntax.OpLiteral:
		subs = []*syntax.Regexp{re}
	case syntax.OpConcat:
		subs = re.Sub
	default:
		return nil
	}
	var out []reLiteral
	for _, s := range subs {
		for s.Op == syntax.OpCapture && len(s.Sub) == 1 {
			s = s.Sub[0]
		}
		if s.Op != syntax.OpLiteral || len(s.Rune) < 3 {
			continue
		}
		lit := string(s.Rune)
		fold := s.Flags&syntax.FoldCase != 0
		if fold {
			if !isASCII(lit) {
				continue // Unicode folding is left to the regexp
			}
			lit = strings.ToLower(lit)
		}
		out = append(out, reLiteral{lit: lit, fold: fold})
	}
	return out
}

func (p *rePat) match(v value) bool {
	s := v.s
	if v.num {
		s = v.String()
	}
	for _, n := range p.need {
		if n.fold {
			if !containsFold(s, n.lit) {
				return false
			}
		} else if !strings.Contains(s, n.lit) {
			return false
		}
	}
	return p.re.MatchString(s)
}

func (p *rePat) cost() int { return 20 }

// cidrPat matches IP addresses inside a network.
type cidrPat struct{ prefix netip.Prefix }

func (p *cidrPat) match(v value) bool {
	if v.num {
		return false
	}
	addr, err := netip.ParseAddr(v.s)
	if err != nil {
		return false
	}
	return p.prefix.Contains(addr.Unmap())
}

func (p *cidrPat) cost() int { return 5 }

type cmpOp uint8

const (
	opGT cmpOp = iota
	opGTE
	opLT
	opLTE
)

// cmpPat compares numbers: numeric attributes, or text that parses as a
// number (other text never matches).
type cmpPat struct {
	op cmpOp
	n  float64
}

func (p *cmpPat) match(v value) bool {
	x := v.n
	if !v.num {
		if !looksNumeric(v.s) {
			return false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		if err != nil || math.IsNaN(f) {
			return false
		}
		x = f
	}
	switch p.op {
	case opGT:
		return x > p.n
	case opGTE:
		return x >= p.n
	case opLT:
		return x < p.n
	}
	return x <= p.n
}

func (p *cmpPat) cost() int { return 2 }

// looksNumeric is a cheap check before strconv.ParseFloat, whose errors
// allocate.
func looksNumeric(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}
