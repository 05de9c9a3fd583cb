package idmefv2

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Encode serializes a message as compact JSON, attributes in schema order,
// empty optional attributes omitted. It fails only on values JSON cannot
// carry: a non-finite Confidence, or an Attachment.Content that is not a JSON
// object or string. Encode does not validate: call Validate for that.
func Encode(a *Alert) ([]byte, error) {
	return AppendEncode(make([]byte, 0, 1024), a)
}

// Marshal is Encode, named to pair with Unmarshal.
func Marshal(a *Alert) ([]byte, error) { return Encode(a) }

// AppendEncode appends the encoding of a to dst, so that a caller can reuse
// one buffer across messages.
func AppendEncode(dst []byte, a *Alert) ([]byte, error) {
	e := encoder{b: dst}
	e.encodeAlert(a)
	if e.err != nil {
		return dst, e.err
	}
	return e.b, nil
}

// MarshalJSON makes encoding/json use Encode.
func (a Alert) MarshalJSON() ([]byte, error) { return Encode(&a) }

type encoder struct {
	b   []byte
	err error
}

// key appends a member name, preceded by a comma unless it is the first.
func (e *encoder) key(n *int, quotedName string) {
	if *n > 0 {
		e.b = append(e.b, ',')
	}
	*n++
	e.b = append(e.b, quotedName...)
}

func (e *encoder) str(s string) { e.b = appendQuoted(e.b, s) }

func appendStrings[T ~string](e *encoder, list []T) {
	e.b = append(e.b, '[')
	for i, s := range list {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = appendQuoted(e.b, string(s))
	}
	e.b = append(e.b, ']')
}

func (e *encoder) intList(list []int) {
	e.b = append(e.b, '[')
	for i, n := range list {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = strconv.AppendInt(e.b, int64(n), 10)
	}
	e.b = append(e.b, ']')
}

func (e *encoder) int64(n int64) { e.b = strconv.AppendInt(e.b, n, 10) }

// float appends a number the way encoding/json does (shortest form that
// round-trips, exponent only for very large or small values).
func (e *encoder) float(name string, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if e.err == nil {
			e.err = fmt.Errorf("idmefv2: encode %s: %v is not a JSON number", name, f)
		}
		e.b = append(e.b, '0')
		return
	}
	e.b = appendFloat(e.b, f)
}

// appendFloat appends a finite f as Encode writes it.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// raw appends Attachment.Content, which must be a JSON object or string.
func (e *encoder) raw(name string, v json.RawMessage) {
	if (v[0] != '{' && v[0] != '"') || !json.Valid(v) {
		if e.err == nil {
			e.err = fmt.Errorf("idmefv2: encode %s: not a JSON object or string: %s", name, quoteValue(string(v)))
		}
		e.b = append(e.b, `""`...)
		return
	}
	e.b = append(e.b, v...)
}

// appendQuoted appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainASCII8(load64(s, i)) {
			i += 8
			continue
		}
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// load64 reads the eight bytes of s from i, little-endian (one load once
// compiled).
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}
