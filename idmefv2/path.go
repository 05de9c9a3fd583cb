package idmefv2

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Path is a parsed and normalised IDMEF path such as "Source(0).IP". The
// zero Path is invalid; obtain one from ParsePath.
//
// Grammar: one or two segments separated by ".", each a case-sensitive
// attribute name optionally followed by "(n)" (element n, from 0) or "(*)"
// (every element):
//   - the first segment is an attribute of the Alert ("Category",
//     "CreateTime") or a class ("Analyzer", "Source(1)");
//   - after a class comes one of its attributes ("Source(1).IP");
//   - a list of classes without an index means element 0 ("Source.IP" is
//     "Source(0).IP", as the draft specifies); Analyzer is not a list;
//   - a list of values without an index means the whole list ("Source.Port"
//     selects every port; "Source.Port(1)" the second one);
//   - an index on a single value is an error.
//
// String returns the canonical form, so two paths that select the same
// values compare equal as strings.
type Path struct {
	segs []segment
}

type segment struct {
	name  string
	index int // indexNone, indexAll, or an element number
}

const (
	indexNone = -1 // no index: a single value, or a whole list of values
	indexAll  = -2 // "(*)"
	maxIndex  = 1 << 16
)

// attrMeta describes an attribute for path resolution (generated).
type attrMeta struct {
	list  bool
	class string // class name when the attribute holds objects
}

// pathObject is implemented by every generated class.
type pathObject interface {
	pathGet(name string, idx int, fn func(i int, val any) bool) bool
	pathSet(name string, idx int, val any) error
}

// ErrNoMatch is returned by Set when a "(*)" path selects no element.
var ErrNoMatch = errors.New("path selects nothing")

// ParsePath parses and normalises an IDMEF path; unknown class or attribute
// names are errors.
func ParsePath(s string) (Path, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return Path{}, pathError(s, "more than two segments; paths are Attribute or Class.Attribute")
	}
	p := Path{segs: make([]segment, 0, len(parts))}
	class := "Alert"
	for i, part := range parts {
		seg, err := parseSegment(part)
		if err != nil {
			return Path{}, pathError(s, err.Error())
		}
		meta, ok := lookupAttr(class, seg.name)
		if !ok {
			return Path{}, pathError(s, unknownName(class, seg.name))
		}
		switch {
		case meta.class != "" && meta.list && seg.index == indexNone:
			seg.index = 0 // Source.IP means Source(0).IP
		case !meta.list && seg.index != indexNone:
			return Path{}, pathError(s, fmt.Sprintf("%s is not a list and takes no index", seg.name))
		}
		if i == 1 && meta.class != "" {
			return Path{}, pathError(s, fmt.Sprintf("%s is a class, not an attribute of %s", seg.name, class))
		}
		p.segs = append(p.segs, seg)
		if meta.class == "" && i == 0 && len(parts) == 2 {
			return Path{}, pathError(s, fmt.Sprintf("%s is an attribute, not a class", seg.name))
		}
		class = meta.class
	}
	return p, nil
}

// MustParsePath is ParsePath that panics on error, for paths known at
// compile time.
func MustParsePath(s string) Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

func pathError(s, msg string) error {
	return fmt.Errorf("idmefv2: path %s: %s", quoteValue(s), msg)
}

func unknownName(class, name string) string {
	if class == "Alert" {
		msg := fmt.Sprintf("unknown class or attribute %q", name)
		return msg + suggestion(attrNames(class), name)
	}
	return fmt.Sprintf("unknown attribute %q of class %s", name, class) + suggestion(attrNames(class), name)
}

func suggestion(names []string, name string) string {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return fmt.Sprintf(" (did you mean %q? names are case-sensitive)", n)
		}
	}
	return ""
}

func parseSegment(s string) (segment, error) {
	seg := segment{name: s, index: indexNone}
	if open := strings.IndexByte(s, '('); open >= 0 {
		if !strings.HasSuffix(s, ")") {
			return seg, fmt.Errorf("segment %s: missing \")\"", quoteValue(s))
		}
		seg.name = s[:open]
		idx := s[open+1 : len(s)-1]
		switch n, err := strconv.Atoi(idx); {
		case idx == "*":
			seg.index = indexAll
		case err != nil || n < 0 || idx[0] == '+' || idx[0] == '-':
			return seg, fmt.Errorf("segment %s: index must be a number or *", quoteValue(s))
		case n >= maxIndex:
			return seg, fmt.Errorf("segment %s: index above %d", quoteValue(s), maxIndex-1)
		default:
			seg.index = n
		}
	}
	if seg.name == "" {
		return seg, fmt.Errorf("empty segment name")
	}
	for i := 0; i < len(seg.name); i++ {
		if c := seg.name[i]; !isAlnum(c) && c != '-' {
			return seg, fmt.Errorf("segment %s: invalid character %s", quoteValue(s), quoteByte(c))
		}
	}
	return seg, nil
}

// String returns the canonical form of the path.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p.segs {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
		switch {
		case s.index == indexAll:
			b.WriteString("(*)")
		case s.index >= 0:
			b.WriteByte('(')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(')')
		}
	}
	return b.String()
}

// walk calls fn with each value selected by p: ci is the class element index
// (-1 outside a class list), vi the value index (-1 for a single value).
// With create, class elements up to the path's index are appended.
func walk(a *Alert, p Path, create bool, fn func(ci, vi int, v any) bool) {
	if len(p.segs) == 0 {
		return
	}
	s0 := p.segs[0]
	meta, _ := lookupAttr("Alert", s0.name)
	if meta.class == "" {
		a.pathGet(s0.name, s0.index, func(vi int, v any) bool { return fn(-1, vi, v) })
		return
	}
	a.pathObjects(s0.name, s0.index, create, func(ci int, o pathObject) bool {
		if len(p.segs) == 1 {
			return fn(ci, -1, o)
		}
		s1 := p.segs[1]
		return o.pathGet(s1.name, s1.index, func(vi int, v any) bool { return fn(ci, vi, v) })
	})
}

// Get returns the values p selects in a, with their Go types (string, an
// enum type, int, int64, float64, json.RawMessage, or a pointer to a class
// for a path that ends at a class). ok is false when nothing matches.
func Get(a *Alert, p Path) (values []any, ok bool) {
	walk(a, p, false, func(_, _ int, v any) bool {
		values = append(values, v)
		return true
	})
	return values, len(values) > 0
}

// Each calls fn for each value p selects, with the concrete path of the
// value (indexes resolved, e.g. "Source(2).Port(0)"), until fn returns false.
func Each(a *Alert, p Path, fn func(at Path, value any) bool) {
	walk(a, p, false, func(ci, vi int, v any) bool {
		at := Path{segs: append([]segment(nil), p.segs...)}
		if ci >= 0 {
			at.segs[0].index = ci
		}
		if vi >= 0 {
			at.segs[len(at.segs)-1].index = vi
		}
		return fn(at, v)
	})
}

// Set stores value at p, converting it to the attribute's type: a string is
// parsed as a number where a number is expected, enum values are checked,
// and a value for a whole list (no index) may be a slice or a single value.
// A nil value clears the attribute. Class list elements are appended as
// needed to reach the path's index; "(*)" sets every existing element.
func Set(a *Alert, p Path, value any) error {
	if len(p.segs) == 0 {
		return errors.New("idmefv2: set: empty path")
	}
	s0 := p.segs[0]
	meta, _ := lookupAttr("Alert", s0.name)
	if meta.class == "" {
		if err := a.pathSet(s0.name, s0.index, value); err != nil {
			return fmt.Errorf("idmefv2: set %s: %w", p, err)
		}
		return nil
	}
	if len(p.segs) == 1 {
		return fmt.Errorf("idmefv2: set %s: %s is a class; set one of its attributes", p, s0.name)
	}
	s1 := p.segs[1]
	var err error
	matched := false
	a.pathObjects(s0.name, s0.index, true, func(_ int, o pathObject) bool {
		matched = true
		err = o.pathSet(s1.name, s1.index, value)
		return err == nil
	})
	if err != nil {
		return fmt.Errorf("idmefv2: set %s: %w", p, err)
	}
	if !matched {
		return fmt.Errorf("idmefv2: set %s: %w", p, ErrNoMatch)
	}
	return nil
}

func eachValue[T any](list []T, idx int, fn func(int, any) bool) bool {
	if idx >= 0 {
		if idx < len(list) {
			return fn(idx, list[idx])
		}
		return true
	}
	for i, v := range list {
		if !fn(i, v) {
			return false
		}
	}
	return true
}

func eachObject[T any, P interface {
	*T
	pathObject
}](list *[]T, idx int, create bool, fn func(int, pathObject) bool) bool {
	if idx >= 0 {
		for create && len(*list) <= idx {
			var zero T
			*list = append(*list, zero)
		}
		if idx < len(*list) {
			return fn(idx, P(&(*list)[idx]))
		}
		return true
	}
	for i := range *list {
		if !fn(i, P(&(*list)[i])) {
			return false
		}
	}
	return true
}

func setScalar[T any](dst *T, val any, parse func(any) (T, error)) error {
	if val == nil {
		var zero T
		*dst = zero
		return nil
	}
	v, err := parse(val)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

func setPointer[T any](dst **T, val any, parse func(any) (T, error)) error {
	if val == nil {
		*dst = nil
		return nil
	}
	v, err := parse(val)
	if err != nil {
		return err
	}
	*dst = &v
	return nil
}

func setList[T any](dst *[]T, idx int, val any, parse func(any) (T, error)) error {
	switch {
	case idx >= 0:
		v, err := parse(val)
		if err != nil {
			return err
		}
		for len(*dst) <= idx {
			var zero T
			*dst = append(*dst, zero)
		}
		(*dst)[idx] = v
	case idx == indexAll:
		v, err := parse(val)
		if err != nil {
			return err
		}
		if len(*dst) == 0 {
			return ErrNoMatch
		}
		for i := range *dst {
			(*dst)[i] = v
		}
	case val == nil:
		*dst = nil
	default:
		list, err := parseList(val, parse)
		if err != nil {
			return err
		}
		*dst = list
	}
	return nil
}

// parseList converts a whole-list value: a []T, []string, []any or a single
// value (a list of one).
func parseList[T any](val any, parse func(any) (T, error)) ([]T, error) {
	var items []any
	switch v := val.(type) {
	case []T:
		return append([]T(nil), v...), nil
	case []string:
		for _, s := range v {
			items = append(items, s)
		}
	case []any:
		items = v
	default:
		items = []any{val}
	}
	out := make([]T, 0, len(items))
	for i, it := range items {
		x, err := parse(it)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out = append(out, x)
	}
	return out, nil
}

func parseString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case fmt.Stringer:
		return v.String(), nil
	}
	return "", fmt.Errorf("want a string, got %T", v)
}

func parseEnum[T interface {
	~string
	Valid() bool
}](v any) (T, error) {
	var x T
	switch v := v.(type) {
	case T:
		x = v
	case string:
		x = T(v)
	default:
		return x, fmt.Errorf("want a %T or string, got %T", x, v)
	}
	if !x.Valid() {
		return x, fmt.Errorf("%s is not a valid %s value", quoteValue(string(x)), strings.TrimPrefix(fmt.Sprintf("%T", x), "idmefv2."))
	}
	return x, nil
}

func parseInt64(v any) (int64, error) {
	switch v := v.(type) {
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
			return 0, fmt.Errorf("%v is not an integer", v)
		}
		return int64(v), nil
	case json.Number:
		return v.Int64()
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not an integer", quoteValue(v))
		}
		return n, nil
	}
	return 0, fmt.Errorf("want an integer, got %T", v)
}

func parseInt(v any) (int, error) {
	n, err := parseInt64(v)
	if err != nil {
		return 0, err
	}
	if int64(int(n)) != n {
		return 0, fmt.Errorf("%d does not fit in an int", n)
	}
	return int(n), nil
}

func parseFloat(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case json.Number:
		return v.Float64()
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s is not a number", quoteValue(v))
		}
		return f, nil
	}
	return 0, fmt.Errorf("want a number, got %T", v)
}

// parseRaw converts a value for Attachment.Content: json.RawMessage (a JSON
// object or string), a string (stored as a JSON string), or any value that
// encoding/json marshals to an object.
func parseRaw(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case json.RawMessage:
		if len(v) == 0 || (v[0] != '{' && v[0] != '"') || !json.Valid(v) {
			return nil, errors.New("content must be a JSON object or string")
		}
		return append(json.RawMessage(nil), v...), nil
	case string:
		return appendQuoted(nil, v), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("content must be a JSON object or string, %T is not", v)
	}
	return b, nil
}
