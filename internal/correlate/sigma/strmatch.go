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

// isASCII reports whether s has only ASCII bytes, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
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

// indexASCIIFold returns the index of the lower-case pattern p in the
// ASCII string s ignoring case, or -1. Candidate positions come from
// strings.IndexByte (vectorised) on both cases of p's first byte.
func indexASCIIFold(s, p string) int {
	if len(p) == 0 {
		return 0
	}
	last := len(s) - len(p) // last possible start
	if last < 0 {
		return -1
	}
	lo := p[0]
	up := lo
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	rest := p[1:]
	if lo == up {
		for off := 0; off <= last; {
			i := strings.IndexByte(s[off:last+1], lo)
			if i < 0 {
				return -1
			}
			if hasPrefixASCIIFold(s[off+i+1:], rest) {
				return off + i
			}
			off += i + 1
		}
		return -1
	}
	// Next occurrence of each case at or after off (-1: none left).
	window := s[:last+1]
	nextLo, nextUp := strings.IndexByte(window, lo), strings.IndexByte(window, up)
	for {
		var i int
		switch {
		case nextLo < 0 && nextUp < 0:
			return -1
		case nextUp < 0 || (nextLo >= 0 && nextLo < nextUp):
			i = nextLo
			if j := strings.IndexByte(window[i+1:], lo); j >= 0 {
				nextLo = i + 1 + j
			} else {
				nextLo = -1
			}
		default:
			i = nextUp
			if j := strings.IndexByte(window[i+1:], up); j >= 0 {
				nextUp = i + 1 + j
			} else {
				nextUp = -1
			}
		}
		if hasPrefixASCIIFold(s[i+1:], rest) {
			return i
		}
	}
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
	toks  []globTok
	cased bool
}

type globPart struct {
	lit  string
	star bool // "*"
	one  bool // "?"
}

// match reports whether s matches the whole pattern, in O(len(s) ×
// pattern length): on a mismatch only the last star is retried (a glob
// with only "*" and "?" never needs more), so hostile patterns such as
// "*a*a*a*a*b" cannot cause exponential backtracking.
func (g *glob) match(s string) bool {
	ascii := true
	if !g.cased {
		s, ascii = foldInput(s)
	} else {
		ascii = isASCII(s)
	}
	toks := g.tokens()
	px, sx := 0, 0
	starPx, starSx := -1, 0
	for px < len(toks) || sx < len(s) {
		if px < len(toks) {
			t := toks[px]
			switch {
			case t.star:
				starPx, starSx = px, sx
				px++
				continue
			case t.one:
				if sx < len(s) {
					px++
					sx += runeLen(s[sx:], ascii)
					continue
				}
			default:
				if sx < len(s) && (s[sx] == t.c || !g.cased && ascii && lowerASCII(s[sx]) == t.c) {
					px++
					sx++
					continue
				}
			}
		}
		if starPx >= 0 && starSx < len(s) {
			starSx += runeLen(s[starSx:], ascii)
			px, sx = starPx+1, starSx
			continue
		}
		return false
	}
	return true
}

func runeLen(s string, ascii bool) int {
	if ascii {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// globTok is one byte of a glob pattern, or a wildcard.
type globTok struct {
	c    byte
	star bool
	one  bool
}

// tokens returns the pattern as bytes and wildcards (computed at compile
// time by newStrPat; computed here for globs built directly in tests).
func (g *glob) tokens() []globTok {
	if g.toks != nil {
		return g.toks
	}
	return buildTokens(g.parts)
}

func buildTokens(parts []globPart) []globTok {
	toks := []globTok{}
	for _, p := range parts {
		switch {
		case p.star:
			toks = append(toks, globTok{star: true})
		case p.one:
			toks = append(toks, globTok{one: true})
		default:
			for i := 0; i < len(p.lit); i++ {
				toks = append(toks, globTok{c: p.lit[i]})
			}
		}
	}
	return toks
}
