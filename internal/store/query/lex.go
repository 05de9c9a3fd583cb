package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tokEOF tokKind = iota
	tokWord
	tokString
	tokOp
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokKind
	text string // word, unquoted string, or operator
	pos  int
}

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "end of query"
	case tokString:
		return fmt.Sprintf("string %q", t.text)
	case tokLParen:
		return `"("`
	case tokRParen:
		return `")"`
	case tokComma:
		return `","`
	}
	return fmt.Sprintf("%q", t.text)
}

// isWordByte reports whether c may appear in a bare word. Bytes above 0x7f
// (UTF-8) are word bytes.
func isWordByte(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '(', ')', ',', '"', '=', '!', '<', '>', '~':
		return false
	}
	return c >= 0x20 && c != 0x7f
}

var keywords = []string{"and", "or", "not", "in", "exists"}

func isKeyword(s string) bool {
	for _, k := range keywords {
		if strings.EqualFold(s, k) {
			return true
		}
	}
	return false
}

// lex splits q into tokens.
func lex(q string) ([]token, error) {
	if !utf8.ValidString(q) {
		return nil, Errorf(strings.IndexFunc(q, func(r rune) bool { return r == utf8.RuneError }), "invalid UTF-8")
	}
	var toks []token
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tokComma, ",", i})
			i++
		case c == '"':
			s, n, err := lexString(q, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, s, i})
			i = n
		case c == '=' || c == '~':
			toks = append(toks, token{tokOp, q[i : i+1], i})
			i++
		case c == '!' || c == '<' || c == '>':
			if i+1 < len(q) && q[i+1] == '=' {
				toks = append(toks, token{tokOp, q[i : i+2], i})
				i += 2
			} else if c == '!' {
				return nil, Errorf(i, `expected "!=" (a lone "!" is not an operator; quote values that contain it)`)
			} else {
				toks = append(toks, token{tokOp, q[i : i+1], i})
				i++
			}
		case !isWordByte(c):
			return nil, Errorf(i, fmt.Sprintf("unexpected control character %#x", c))
		default:
			n := lexWord(q, i)
			toks = append(toks, token{tokWord, q[i:n], i})
			i = n
		}
	}
	return append(toks, token{tokEOF, "", len(q)}), nil
}

// lexWord returns the end of the word starting at i. A path index such as
// "(*)" or "(2)" right after a name is part of the word, so that
// Source(*).IP is one token.
func lexWord(q string, i int) int {
	start := i
	for i < len(q) {
		if isWordByte(q[i]) {
			i++
			continue
		}
		if q[i] == '(' && !isKeyword(q[start:i]) {
			if n := pathIndexEnd(q, i); n > 0 {
				i = n
				continue
			}
		}
		break
	}
	return i
}

// pathIndexEnd returns the end of "(*)" or "(digits)" at i, or 0.
func pathIndexEnd(q string, i int) int {
	j := i + 1
	if j < len(q) && q[j] == '*' {
		j++
	} else {
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		if j == i+1 {
			return 0
		}
	}
	if j < len(q) && q[j] == ')' {
		return j + 1
	}
	return 0
}

// lexString reads a double-quoted string at i with \" and \\ escapes.
func lexString(q string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '"':
			return b.String(), j + 1, nil
		case '\\':
			if j+1 < len(q) && (q[j+1] == '"' || q[j+1] == '\\') {
				b.WriteByte(q[j+1])
				j++
				continue
			}
			return "", 0, Errorf(j, `expected \" or \\ after a backslash in a string`)
		default:
			b.WriteByte(q[j])
		}
	}
	return "", 0, Errorf(i, "unterminated string: expected a closing \"")
}
