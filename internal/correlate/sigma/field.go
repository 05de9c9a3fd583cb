package sigma

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/vigie-siem/vigie/idmefv2"
)

// value is one value selected by a field in an alert: a non-empty string,
// or a number (Port, Size, Confidence) with num set.
type value struct {
	s   string
	n   float64
	num bool
}

// String returns the value as text (numbers in their shortest form).
func (v value) String() string {
	if v.num {
		return strconv.FormatFloat(v.n, 'f', -1, 64)
	}
	return v.s
}

// valueTest is what a field visit calls for each value; visiting stops at
// the first value for which test returns true.
type valueTest interface {
	test(v value) bool
}

// classGet visits the values of one attribute of every selected element of
// a class (ci is the element index, or anyIndex) — vi likewise for a list
// of values. It reports whether t returned true for some value.
type classGet func(a *idmefv2.Alert, ci, vi int, t valueTest) bool

const anyIndex = -1

// Field is a compiled field reference: an IDMEF path or alias resolved to
// an accessor on the typed model. The zero Field is invalid; obtain one from
// ParseField. A Field is immutable and safe for concurrent use.
type Field struct {
	name    string // as written in the rule
	canon   string // canonical IDMEF path, "(*)" for any element
	key     string // the attribute without indexes: "Source.IP"
	get     classGet
	ci, vi  int
	numeric bool // the attribute holds numbers
	text    bool // a free-text attribute searched by keywords
}

// Name returns the field as written in the rule.
func (f Field) Name() string { return f.name }

// String returns the canonical IDMEF path, e.g. "Source(*).IP".
func (f Field) String() string { return f.canon }

// Numeric reports whether the attribute holds numbers (Port, Size,
// Confidence).
func (f Field) Numeric() bool { return f.numeric }

// visit calls t with each value f selects in a until t returns true.
func (f *Field) visit(a *idmefv2.Alert, t valueTest) bool {
	return f.get(a, f.ci, f.vi, t)
}

// AppendValues appends the text of every value f selects in a to dst, in
// document order (numbers formatted in their shortest form).
func (f Field) AppendValues(dst []string, a *idmefv2.Alert) []string {
	c := collector{dst: dst}
	f.get(a, f.ci, f.vi, &c)
	return c.dst
}

// Values returns the text of every value f selects in a (nil when none).
func (f Field) Values(a *idmefv2.Alert) []string { return f.AppendValues(nil, a) }

type collector struct{ dst []string }

func (c *collector) test(v value) bool {
	c.dst = append(c.dst, v.String())
	return false
}

// ParseField resolves a field name: an IDMEF path ("Source.IP",
// "Source(0).Port", "Target(*).User", "Analyzer.Name", "Category") or a flat
// alias ("Source_IP"; see Aliases). A class list without an index selects
// every element. Extra aliases (name → IDMEF path) are consulted first.
func ParseField(name string, extra map[string]string) (Field, error) {
	path := name
	if p, ok := extra[name]; ok {
		path = p
	} else if p, ok := aliasPath(name); ok {
		path = p
	}
	f, err := resolvePath(path)
	if err != nil {
		if path != name {
			return Field{}, fmt.Errorf("field %q (alias of %s): %w", name, path, err)
		}
		return Field{}, fmt.Errorf("field %q: %w", name, err)
	}
	f.name = name
	return f, nil
}

// classNames are the IDMEFv2 classes a flat alias may start with.
var classNames = [...]string{"Analyzer", "Sensor", "Source", "Target", "Attachment"}

// aliasPath maps a flat alias "Class_Attribute" (Concerto's flattened
// fields: Source_IP, Target_User, Target_Service, Analyzer_Name…) to the
// IDMEF path "Class.Attribute".
func aliasPath(name string) (string, bool) {
	cls, attr, ok := strings.Cut(name, "_")
	if !ok || attr == "" || strings.ContainsAny(name, ".()") {
		return "", false
	}
	for _, c := range classNames {
		if c == cls {
			return cls + "." + attr, true
		}
	}
	return "", false
}

// Aliases returns the flat aliases accepted for every class attribute, as
// alias → canonical IDMEF path (for documentation and tooling).
func Aliases() map[string]string {
	out := map[string]string{}
	for _, c := range classNames {
		for _, attr := range classAttrs(c) {
			out[c+"_"+attr] = c + "(*)." + attr
			if c == "Analyzer" {
				out[c+"_"+attr] = c + "." + attr
			}
		}
	}
	return out
}

// resolvePath parses an IDMEF path for matching: unlike idmefv2.ParsePath,
// a class list without an index means every element.
func resolvePath(path string) (Field, error) {
	segs := strings.Split(path, ".")
	if len(segs) > 2 {
		return Field{}, fmt.Errorf("%q has more than two segments; use Attribute or Class.Attribute", path)
	}
	// Let the idmefv2 package validate names and indexes (with its
	// suggestions for case mistakes).
	if _, err := idmefv2.ParsePath(path); err != nil {
		return Field{}, err
	}
	f := Field{ci: anyIndex, vi: anyIndex}
	clsName, clsIdx, err := splitIndex(segs[0])
	if err != nil {
		return Field{}, err
	}
	if len(segs) == 1 {
		get, kind, ok := alertAttr(clsName)
		if !ok {
			return Field{}, fmt.Errorf("%q is a class; name one of its attributes (%s.Name…)", path, clsName)
		}
		f.get, f.vi = get, clsIdx
		f.numeric, f.text = kind == kindNum, kind == kindText
		f.canon = canonical(clsName, clsIdx, "", anyIndex)
		f.key = clsName
		return f, nil
	}
	attrName, attrIdx, err := splitIndex(segs[1])
	if err != nil {
		return Field{}, err
	}
	get, kind, ok := classAttr(clsName, attrName)
	if !ok {
		return Field{}, fmt.Errorf("%q: no attribute %s in class %s", path, attrName, clsName)
	}
	f.get, f.ci, f.vi = get, clsIdx, attrIdx
	f.numeric, f.text = kind == kindNum, kind == kindText
	f.canon = canonical(clsName, clsIdx, attrName, attrIdx)
	f.key = clsName + "." + attrName
	if clsName == "Analyzer" {
		f.canon = canonical(clsName, -2, attrName, attrIdx)
	}
	return f, nil
}

func canonical(first string, firstIdx int, second string, secondIdx int) string {
	var b strings.Builder
	b.WriteString(first)
	writeIdx := func(i int) {
		switch {
		case i == anyIndex:
			b.WriteString("(*)")
		case i >= 0:
			b.WriteString("(" + strconv.Itoa(i) + ")")
		}
	}
	if second == "" {
		if firstIdx >= 0 {
			writeIdx(firstIdx)
		}
		return b.String()
	}
	writeIdx(firstIdx)
	b.WriteString("." + second)
	if secondIdx >= 0 {
		writeIdx(secondIdx)
	}
	return b.String()
}

// splitIndex splits "Name(3)" into "Name", 3; "(*)" and no index give
// anyIndex. idmefv2.ParsePath has already checked the syntax.
func splitIndex(seg string) (string, int, error) {
	open := strings.IndexByte(seg, '(')
	if open < 0 {
		return seg, anyIndex, nil
	}
	name, idx := seg[:open], strings.TrimSuffix(seg[open+1:], ")")
	if idx == "*" {
		return name, anyIndex, nil
	}
	n, err := strconv.Atoi(idx)
	if err != nil {
		return "", 0, fmt.Errorf("segment %q: index must be a number or *", seg)
	}
	return name, n, nil
}

type attrKind int

const (
	kindID   attrKind = iota // identifiers, times, enums: matched, not searched by keywords
	kindText                 // free text, searched by keywords
	kindNum                  // numbers
)

// keywordFields are the attributes a field-less (keyword) search looks at.
var keywordFields = [...]string{
	"Description", "Note", "Category", "ext-Category", "AltNames", "AltCategory",
	"Analyzer.Name", "Analyzer.Hostname", "Analyzer.Model", "Analyzer.Location",
	"Sensor.Name", "Sensor.Hostname", "Sensor.Model",
	"Source.IP", "Source.Hostname", "Source.User", "Source.Email", "Source.Note", "Source.TI",
	"Target.IP", "Target.Hostname", "Target.User", "Target.Email", "Target.Note", "Target.Service",
	"Attachment.FileName", "Attachment.Note", "Attachment.Content",
}

// contentText returns Attachment.Content as text without copying: the
// string itself for a JSON string without escapes, the raw JSON otherwise.
// The result is only read during a match and never retained.
func contentText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 {
		raw = raw[1 : n-1]
		if len(raw) == 0 {
			return ""
		}
	}
	return unsafe.String(&raw[0], len(raw))
}

func testStr(t valueTest, s string) bool {
	return s != "" && t.test(value{s: s})
}

func testList[E ~string](t valueTest, l []E, vi int) bool {
	if vi >= 0 {
		return vi < len(l) && testStr(t, string(l[vi]))
	}
	for _, e := range l {
		if testStr(t, string(e)) {
			return true
		}
	}
	return false
}

func testInts(t valueTest, l []int, vi int) bool {
	if vi >= 0 {
		return vi < len(l) && t.test(value{n: float64(l[vi]), num: true})
	}
	for _, n := range l {
		if t.test(value{n: float64(n), num: true}) {
			return true
		}
	}
	return false
}

func each[T any](l []T, ci int, fn func(*T) bool) bool {
	if ci >= 0 {
		return ci < len(l) && fn(&l[ci])
	}
	for i := range l {
		if fn(&l[i]) {
			return true
		}
	}
	return false
}
