package sigma

import (
	"strings"
	"unicode/utf8"
)

// Case-insensitive string tests against patterns lower-cased at compile
// time. ASCII input is folded byte by byte without allocating; input with
// other characters is lower-cased with strings.ToLower first (allocates).

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// foldInput returns s ready for comparison with a lower-cased pattern:
// s itself when ASCII (compare with lowerASCII), or strings.ToLower(s)
// with ascii false.
func foldInput(s string) (string, bool) {
	if isASCII(s) {
		return s, true
	}
	return strings.ToLower(s), false
}

// eqFold reports whether s equals the lower-case pattern p ignoring case.
func eqFold(s, p string) bool {
	if len(s) != len(p) {
		if isASCII(s) {
			return false
		}
		return strings.ToLower(s) == p
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s) == p
		}
		if lowerASCII(c) != p[i] {
			return false
		}
	}
	return true
}

// hasPrefixASCIIFold compares s[:len(p)] with p where s is ASCII.
func hasPrefixASCIIFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if lowerASCII(s[i]) != p[i] {
			return false
		}
	}
	return true
}

func prefixFold(s, p string) bool {
	s, ascii := foldInput(s)
	if !ascii {
		return strings.HasPrefix(s, p)
	}
	return hasPrefixASCIIFold(s, p)
}

func suffixFold(s, p string) bool {
	s, ascii := foldInput(s)
	if !ascii {
		return strings.HasSuffix(s, p)
	}
	return len(s) >= len(p) && hasPrefixASCIIFold(s[len(s)-len(p):], p)
}

// indexASCIIFold returns the index of p in the ASCII string s ignoring
// case, or -1.
func indexASCIIFold(s, p string) int {
	if len(p) == 0 {
		return 0
	}
	first := p[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - ('a' - 'A')
	}
	for i := 0; i+len(p) <= len(s); i++ {
		if c := s[i]; c != first && c != upper {
			continue
		}
		if hasPrefixASCIIFold(s[i+1:], p[1:]) {
			return i
		}
	}
	return -1
}

func containsFold(s, p string) bool {
	s, ascii := foldInput(s)
	if !ascii {
		return strings.Contains(s, p)
	}
	return indexASCIIFold(s, p) >= 0
}

// glob is a pattern with the Sigma wildcards: "*" any run of characters,
// "?" one character. Literal parts are lower-cased unless cased.
type glob struct {
	parts []globPart
	cased bool
}

type globPart struct {
	lit  string
	star bool // "*"
	one  bool // "?"
}

// match reports whether s matches the whole pattern.
func (g *glob) match(s string) bool {
	ascii := true
	if !g.cased {
		s, ascii = foldInput(s)
	} else {
		ascii = isASCII(s)
	}
	return g.matchAt(0, s, ascii)
}

func (g *glob) hasPrefix(s, lit string, ascii bool) bool {
	if g.cased || !ascii {
		return strings.HasPrefix(s, lit)
	}
	return hasPrefixASCIIFold(s, lit)
}

func (g *glob) index(s, lit string, ascii bool) int {
	if g.cased || !ascii {
		return strings.Index(s, lit)
	}
	return indexASCIIFold(s, lit)
}

// matchAt matches parts[i:] against s. Backtracking is bounded by the
// number of stars: after a star, each literal is searched left to right and
// the recursion retries from the next occurrence only.
func (g *glob) matchAt(i int, s string, ascii bool) bool {
	for ; i < len(g.parts); i++ {
		p := g.parts[i]
		switch {
		case p.one:
			if s == "" {
				return false
			}
			if ascii {
				s = s[1:]
			} else {
				_, n := utf8.DecodeRuneInString(s)
				s = s[n:]
			}
		case p.star:
			if i == len(g.parts)-1 {
				return true
			}
			next := g.parts[i+1]
			if next.star || next.one {
				// "*?" and "**": try every position.
				for k := 0; k <= len(s); k++ {
					if g.matchAt(i+1, s[k:], ascii) {
						return true
					}
				}
				return false
			}
			// "*lit": try each occurrence of lit.
			for off := 0; off <= len(s); {
				k := g.index(s[off:], next.lit, ascii)
				if k < 0 {
					return false
				}
				if g.matchAt(i+2, s[off+k+len(next.lit):], ascii) {
					return true
				}
				off += k + 1
			}
			return false
		default:
			if !g.hasPrefix(s, p.lit, ascii) {
				return false
			}
			s = s[len(p.lit):]
		}
	}
	return s == ""
}
