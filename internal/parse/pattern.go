package parse

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/elastic/go-grok"
)

// pattern is a compiled Grok pattern or regular expression: the fields it
// extracts, its required literals, an optional fast scanner and the regular
// expression that decides when the scanner cannot.
type pattern struct {
	src      string
	fields   []string // capture names, in order
	literals []string // every match contains each of them
	fast     *fastMatcher
	grok     *grok.Grok     // Grok patterns
	re       *regexp.Regexp // plain regular expressions
	reIndex  []int          // for re: field i is subexpression reIndex[i]
}

var fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// grokRef matches a %{NAME}, %{NAME:field} or %{NAME:field:type}
// reference, with go-grok's syntax.
var grokRef = regexp.MustCompile(`%\{(\w+(?::[\w+.]+(?::\w+)?)?)\}`)

// compileGrok compiles a Grok pattern with the Logstash library and the
// set's own pattern definitions.
func compileGrok(src string, custom map[string]string) (*pattern, error) {
	p := &pattern{src: src}
	seen := map[string]bool{}
	for _, m := range grokRef.FindAllStringSubmatch(src, -1) {
		parts := strings.Split(m[1], ":")
		if len(parts) > 2 {
			return nil, fmt.Errorf("%%{%s}: type suffixes are not supported; convert in the mapping with a filter such as |int", m[1])
		}
		if len(parts) == 2 {
			f := parts[1]
			if !fieldName.MatchString(f) {
				return nil, fmt.Errorf("%%{%s}: field name %q must be letters, digits and _", m[1], f)
			}
			if seen[f] {
				return nil, fmt.Errorf("%%{%s}: field %q is captured twice", m[1], f)
			}
			seen[f] = true
			p.fields = append(p.fields, f)
		}
	}
	g, err := grok.NewComplete(custom)
	if err != nil {
		return nil, fmt.Errorf("grok library: %w", err)
	}
	if err := g.Compile(src, true); err != nil {
		return nil, fmt.Errorf("grok %q: %w", src, err)
	}
	// Names defined by the pattern library may carry their own named
	// captures; only the fields written in the pattern are extracted.
	p.grok = g
	p.literals = requiredLiterals(grokRef.ReplaceAllString(src, "(?:.+)"))
	p.fast = compileFast(src, p.fields, custom)
	return p, nil
}

// compileRegexp compiles a plain RE2 regular expression; its named groups
// are the fields.
func compileRegexp(src string) (*pattern, error) {
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("regex: %w", err)
	}
	p := &pattern{src: src, re: re}
	for i, n := range re.SubexpNames() {
		if n == "" {
			continue
		}
		if slices.Contains(p.fields, n) {
			return nil, fmt.Errorf("regex: group %q is named twice", n)
		}
		p.fields = append(p.fields, n)
		p.reIndex = append(p.reIndex, i)
	}
	p.literals = requiredLiterals(src)
	return p, nil
}

// requiredLiterals returns the literal strings that every match of the
// regular expression contains, longest first: the pre-filter.
func requiredLiterals(src string) []string {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil
	}
	var out []string
	var walk func(*syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			if r.Flags&syntax.FoldCase == 0 {
				out = append(out, string(r.Rune))
			}
		case syntax.OpConcat, syntax.OpCapture, syntax.OpPlus:
			for _, sub := range r.Sub {
				walk(sub)
			}
		case syntax.OpRepeat:
			if r.Min > 0 {
				walk(r.Sub[0])
			}
		}
	}
	walk(re.Simplify())
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	out = slices.Compact(out)
	// The two longest are enough to spare most lines the pattern; the
	// pattern checks the others anyway.
	if len(out) > 2 {
		out = out[:2]
	}
	return out
}

// compileFast returns a scanner for a pattern made only of literal text and
// the pattern names the scanner implements, or nil.
func compileFast(src string, fields []string, custom map[string]string) *fastMatcher {
	m := &fastMatcher{nfields: len(fields)}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			m.toks = append(m.toks, tok{kind: tokLit, lit: lit.String(), field: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '%' && i+1 < len(src) && src[i+1] == '{':
			loc := grokRef.FindStringIndex(src[i:])
			if loc == nil || loc[0] != 0 {
				return nil // not a reference: regular expression text
			}
			end := loc[1] - 1
			parts := strings.Split(src[i+2:i+end], ":")
			kind, ok := fastNames[parts[0]]
			if _, overridden := custom[parts[0]]; !ok || overridden {
				return nil
			}
			flush()
			t := tok{kind: kind, field: -1}
			if len(parts) == 2 {
				t.field = slices.Index(fields, parts[1])
			}
			m.toks = append(m.toks, t)
			i += end
		case c == '\\':
			if i+1 >= len(src) || isWord(src[i+1]) || src[i+1] >= 0x80 {
				return nil
			}
			lit.WriteByte(src[i+1])
			i++
		case c == '^' && i == 0:
			m.anchorStart = true
		case c == '$' && i == len(src)-1:
			m.anchorEnd = true
		case strings.IndexByte(".+*?()|[]{}^$", c) >= 0:
			return nil
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return m
}

// matchInto matches s and stores the field values into vals (len(fields)).
// It returns false when the pattern does not match.
func (p *pattern) matchInto(s string, vals []string, spans []int) bool {
	if p.re != nil {
		loc := p.re.FindStringSubmatchIndex(s)
		if loc == nil {
			return false
		}
		for i, sub := range p.reIndex {
			if loc[2*sub] >= 0 {
				vals[i] = s[loc[2*sub]:loc[2*sub+1]]
			}
		}
		return true
	}
	if p.fast != nil {
		switch p.fast.match(s, spans) {
		case noMatch:
			return false
		case matched:
			for i := range p.fields {
				if spans[2*i] >= 0 {
					vals[i] = s[spans[2*i]:spans[2*i+1]]
				}
			}
			return true
		}
	}
	if !p.grok.MatchString(s) {
		return false
	}
	caps, err := p.grok.ParseString(s)
	if err != nil {
		return false
	}
	for i, f := range p.fields {
		vals[i] = caps[f]
	}
	return true
}
