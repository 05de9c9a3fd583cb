package relay

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyObject is an ordered JSON object whose values are either message lists
// or nested pyObjects: the shape of a marshmallow error report.
type pyObject []pyEntry

type pyEntry struct {
	key   string
	value any // []string or pyObject
}

// String serialises the object like Python's json.dumps with its defaults:
// ", " and ": " separators and ensure_ascii (every character outside
// printable ASCII is written as a lower-case \uXXXX escape).
func (o pyObject) String() string {
	var b strings.Builder
	o.write(&b)
	return b.String()
}

func (o pyObject) write(b *strings.Builder) {
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteString(", ")
		}
		writePyString(b, e.key)
		b.WriteString(": ")
		switch v := e.value.(type) {
		case pyObject:
			v.write(b)
		case []string:
			b.WriteByte('[')
			for j, s := range v {
				if j > 0 {
					b.WriteString(", ")
				}
				writePyString(b, s)
			}
			b.WriteByte(']')
		}
	}
	b.WriteByte('}')
}

// writePyString writes s as a JSON string the way Python's ensure_ascii
// encoder does.
func writePyString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			writeU(b, 0xd800+(r>>10))
			writeU(b, 0xdc00+(r&0x3ff))
		case r == utf8.RuneError:
			writeU(b, 0xfffd)
		default:
			writeU(b, r)
		}
	}
	b.WriteByte('"')
}

func writeU(b *strings.Builder, r rune) {
	h := strconv.FormatInt(int64(r), 16)
	b.WriteString(`\u`)
	b.WriteString(strings.Repeat("0", 4-len(h)))
	b.WriteString(h)
}
