package parse

import (
	"strings"
	"unicode/utf8"
)

// tokKind is one element of a fast pattern.
type tokKind uint8

const (
	tokLit       tokKind = iota // exact text
	tokWord                     // \b\w+\b
	tokNotSpace                 // \S+
	tokSpace                    // \s*
	tokData                     // .*?
	tokGreedy                   // .*
	tokInt                      // [+-]?[0-9]+
	tokPosInt                   // \b[1-9][0-9]*\b
	tokNonNegInt                // \b[0-9]+\b
	tokUsername                 // [a-zA-Z0-9._-]+
	tokIPv4                     // go-grok's IPV4
	tokIP                       // IPV6|IPV4; undecided where IPV6 could match
)

// fastNames maps the go-grok pattern names the scanner implements.
var fastNames = map[string]tokKind{
	"WORD": tokWord, "NOTSPACE": tokNotSpace, "SPACE": tokSpace, "DATA": tokData,
	"GREEDYDATA": tokGreedy, "INT": tokInt, "POSINT": tokPosInt, "NONNEGINT": tokNonNegInt,
	"USERNAME": tokUsername, "USER": tokUsername, "IPV4": tokIPv4, "IP": tokIP,
}

// tok is one scanner element: a literal or a pattern, captured into field
// (-1: not captured).
type tok struct {
	kind  tokKind
	lit   string
	field int
}

// fastMatcher runs a simple Grok pattern without regular expressions.
type fastMatcher struct {
	toks        []tok
	anchorStart bool
	anchorEnd   bool
	nfields     int
}

// matchResult is what the scanner concluded.
type matchResult uint8

const (
	noMatch matchResult = iota
	matched
	undecided // the regular expression must decide
)

// stepBudget bounds the backtracking work per line; beyond it the scanner
// leaves the line to the regular expression, which is linear.
const stepBudget = 20000

// scanState is the per-call state of one match.
type scanState struct {
	s     string
	spans []int // 2 per field: start, end; -1 when unset
	steps int
	undec bool
}

// match looks for the leftmost match of m in s and stores the capture spans
// (2 per field) into spans.
func (m *fastMatcher) match(s string, spans []int) matchResult {
	if !utf8.ValidString(s) {
		return undecided
	}
	st := scanState{s: s, spans: spans}
	try := func(start int) matchResult {
		for i := range spans {
			spans[i] = -1
		}
		if m.at(&st, 0, start) {
			return matched
		}
		if st.undec {
			return undecided
		}
		return noMatch
	}
	if m.anchorStart {
		return try(0)
	}
	// A leading .*? or .* can absorb any prefix of a line without newline:
	// a match starting later exists only if one starting at 0 does.
	if len(m.toks) > 0 && (m.toks[0].kind == tokData || m.toks[0].kind == tokGreedy) && strings.IndexByte(s, '\n') < 0 {
		return try(0)
	}
	if len(m.toks) > 0 && m.toks[0].kind == tokLit {
		lit := m.toks[0].lit
		for off := 0; off <= len(s); {
			i := strings.Index(s[off:], lit)
			if i < 0 {
				return noMatch
			}
			if r := try(off + i); r != noMatch {
				return r
			}
			off += i + 1
		}
		return noMatch
	}
	for start := 0; start <= len(s); start++ {
		if start < len(s) && !utf8.RuneStart(s[start]) {
			continue
		}
		if r := try(start); r != noMatch {
			return r
		}
	}
	return noMatch
}

// at matches tokens i… at pos, backtracking in the regular expression's
// order of preference.
func (m *fastMatcher) at(st *scanState, i, pos int) bool {
	st.steps++
	if st.steps > stepBudget {
		st.undec = true
		return false
	}
	if st.undec {
		return false
	}
	if i == len(m.toks) {
		return !m.anchorEnd || pos == len(st.s)
	}
	t := &m.toks[i]
	s := st.s
	switch t.kind {
	case tokLit:
		if strings.HasPrefix(s[pos:], t.lit) {
			return m.next(st, i, pos, pos+len(t.lit))
		}
		return false
	case tokWord:
		if pos >= len(s) || !isWord(s[pos]) || (pos > 0 && isWord(s[pos-1])) {
			return false
		}
		return m.next(st, i, pos, runEnd(s, pos, isWord))
	case tokPosInt, tokNonNegInt:
		if pos >= len(s) || (pos > 0 && isWord(s[pos-1])) || (t.kind == tokPosInt && (s[pos] < '1' || s[pos] > '9')) || !isDigit(s[pos]) {
			return false
		}
		end := runEnd(s, pos, isDigit)
		if end < len(s) && isWord(s[end]) {
			return false
		}
		return m.next(st, i, pos, end)
	case tokNotSpace:
		return m.backtrack(st, i, pos, runEnd(s, pos, notSpace), 1)
	case tokUsername:
		return m.backtrack(st, i, pos, runEnd(s, pos, isUserChar), 1)
	case tokSpace:
		return m.backtrack(st, i, pos, runEnd(s, pos, isSpace), 0)
	case tokGreedy:
		return m.backtrack(st, i, pos, lineEnd(s, pos), 0)
	case tokData: // lazy: shortest first
		return m.tryEnds(st, i, pos, pos, lineEnd(s, pos), 1)
	case tokInt:
		if pos < len(s) && (s[pos] == '+' || s[pos] == '-') {
			if d := runEnd(s, pos+1, isDigit); d > pos+1 && m.backtrack(st, i, pos, d, 2) {
				return true
			}
			return false // without the sign, [0-9]+ cannot start on it
		}
		return m.backtrack(st, i, pos, runEnd(s, pos, isDigit), 1)
	case tokIP:
		if ipv6Possible(s, pos) {
			st.undec = true
			return false
		}
		fallthrough
	case tokIPv4:
		var ends [16]int
		n := ipv4Ends(s, pos, 0, ends[:0])
		for _, e := range n {
			if m.next(st, i, pos, e) {
				return true
			}
			if st.undec {
				return false
			}
		}
		return false
	}
	return false
}

// next records token i's capture [pos, end) and matches the rest at end,
// restoring the capture when that fails.
func (m *fastMatcher) next(st *scanState, i, pos, end int) bool {
	f := m.toks[i].field
	if f < 0 {
		return m.at(st, i+1, end)
	}
	os, oe := st.spans[2*f], st.spans[2*f+1]
	st.spans[2*f], st.spans[2*f+1] = pos, end
	if m.at(st, i+1, end) {
		return true
	}
	st.spans[2*f], st.spans[2*f+1] = os, oe
	return false
}

// backtrack tries the rest at every end from maxEnd down to pos+min: a
// greedy repetition of token i.
func (m *fastMatcher) backtrack(st *scanState, i, pos, maxEnd, min int) bool {
	return m.tryEnds(st, i, pos, maxEnd, pos+min, -1)
}

// tryEnds tries the rest at every end of token i from first to last
// (inclusive, by step), on rune boundaries.
func (m *fastMatcher) tryEnds(st *scanState, i, pos, first, last, step int) bool {
	s := st.s
	for e := first; (step > 0 && e <= last) || (step < 0 && e >= last); e += step {
		if e < len(s) && !utf8.RuneStart(s[e]) {
			continue
		}
		if m.next(st, i, pos, e) {
			return true
		}
		if st.undec {
			return false
		}
	}
	return false
}

// runEnd returns the end of the run of bytes from pos that satisfy ok.
// Multi-byte runes are treated byte by byte: ok must be false for bytes
// ≥ 0x80 unless every byte of such a rune is accepted (notSpace).
func runEnd(s string, pos int, ok func(byte) bool) int {
	for pos < len(s) && ok(s[pos]) {
		pos++
	}
	return pos
}

// lineEnd returns the position of the first newline at or after pos, or
// len(s): where "." stops.
func lineEnd(s string, pos int) int {
	if i := strings.IndexByte(s[pos:], '\n'); i >= 0 {
		return pos + i
	}
	return len(s)
}

func isWord(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isSpace is RE2's \s: [\t\n\f\r ].
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }

func notSpace(c byte) bool { return !isSpace(c) }

func isUserChar(c byte) bool { return isWord(c) || c == '.' || c == '-' }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// ipv6Possible reports whether go-grok's IPV6 alternative could match at
// pos: each of its branches has a ':' first or after one to four hex digits.
func ipv6Possible(s string, pos int) bool {
	h := pos
	for h < len(s) && h-pos < 5 && isHex(s[h]) {
		h++
	}
	return h < len(s) && s[h] == ':' && h-pos <= 4
}

// octetLens returns the lengths go-grok's IPV4 octet
// (25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?) can match at pos, in the order
// the regular expression tries them.
func octetLens(s string, pos int, out []int) []int {
	at := func(i int) byte {
		if pos+i < len(s) {
			return s[pos+i]
		}
		return 0
	}
	add := func(n int) {
		for _, v := range out {
			if v == n {
				return
			}
		}
		out = append(out, n)
	}
	c0, c1, c2 := at(0), at(1), at(2)
	if c0 == '2' && c1 == '5' && c2 >= '0' && c2 <= '5' {
		add(3)
	}
	if c0 == '2' && c1 >= '0' && c1 <= '4' && isDigit(c2) {
		add(3)
	}
	if (c0 == '0' || c0 == '1') && isDigit(c1) {
		if isDigit(c2) {
			add(3)
		}
		add(2)
	}
	if isDigit(c0) {
		if isDigit(c1) {
			add(2)
		}
		add(1)
	}
	return out
}

// ipv4Ends appends the distinct ends of an IPV4 match at pos (octet n of 4)
// in the order of preference.
func ipv4Ends(s string, pos, n int, out []int) []int {
	var buf [4]int
	for _, l := range octetLens(s, pos, buf[:0]) {
		e := pos + l
		if n == 3 {
			dup := false
			for _, v := range out {
				dup = dup || v == e
			}
			if !dup && len(out) < cap(out) {
				out = append(out, e)
			}
			continue
		}
		if e < len(s) && s[e] == '.' {
			out = ipv4Ends(s, e+1, n+1, out)
		}
	}
	return out
}
