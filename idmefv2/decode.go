package idmefv2

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds the nesting of JSON values (inside Attachment.Content).
const maxDepth = 1000

// DecodeError is returned by Decode when a message is not a well-formed
// IDMEFv2 object: malformed JSON, trailing data, a value of the wrong JSON
// type, an unknown or duplicate attribute, or a number that does not fit
// the model. It lists every such problem with its JSON pointer.
type DecodeError struct {
	// Issues are the problems found, each with its pointer and rule.
	Issues []Issue
	at     []string // pointer of each issue as printed by Error
}

// Error describes the first problem, e.g. `/Analyzer/Type: unknown
// attribute "Type"`, and how many more there are.
func (e *DecodeError) Error() string {
	if len(e.Issues) == 0 {
		return "idmefv2: decode failed"
	}
	p := e.at[0]
	if p == "" {
		p = "/"
	}
	s := "idmefv2: " + p + ": " + e.Issues[0].Message
	if n := len(e.Issues) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more problems)", n)
	}
	return s
}

// Decode parses one IDMEFv2 message strictly. It does not check values
// against the schema's patterns or enums: use Validate (or ValidateJSON) for
// that. On failure the error is a *DecodeError. The strings of the Alert
// share one copy of data; data itself is not retained.
func Decode(data []byte) (*Alert, error) {
	d := decoder{data: data}
	a := d.documentNew()
	if err := d.err(); err != nil {
		return nil, err
	}
	return a, nil
}

// DecodeShared is Decode without the copy of data: the strings of the Alert
// point into data itself, which must therefore never be modified afterwards.
// It suits buffers that are not reused, such as a request body or a bus
// delivery, and saves an allocation and a copy of the message.
func DecodeShared(data []byte) (*Alert, error) {
	d := decoder{data: data, shared: true}
	a := d.documentNew()
	if err := d.err(); err != nil {
		return nil, err
	}
	return a, nil
}

// DecodeSharedCanonical is DecodeShared that also reports whether data is
// exactly what Encode writes for the decoded alert (compact, attributes in
// schema order, empty optional attributes left out, strings without escapes
// Encode would write differently), so that a caller needing the encoding can
// use data instead of encoding again. The answer errs on the safe side: some
// inputs that Encode would reproduce are reported as not canonical (any
// escape in a string, for instance), never the reverse.
func DecodeSharedCanonical(data []byte) (a *Alert, canonical bool, err error) {
	d := decoder{data: data, shared: true}
	a = d.documentNew()
	if err := d.err(); err != nil {
		return nil, false, err
	}
	return a, !d.loose, nil
}

// Unmarshal is Decode into an existing Alert, which is reset first.
func Unmarshal(data []byte, a *Alert) error {
	*a = Alert{}
	d := decoder{data: data}
	d.use(a, new(alertRoom))
	d.document(a)
	return d.err()
}

// UnmarshalShared is Unmarshal without the copy of data, as DecodeShared:
// the strings of a point into data, which must never be modified
// afterwards. Decoding message after message into one Alert saves the
// allocation of each (the Alert struct is large); what a keeps of a
// message (strings, lists) stays valid after a is reused.
//
// Source and Target share one allocation with the integer lists, but the
// string lists get an arena of their own: a caller that keeps Source or
// Target beyond data and rewrites their strings (the correlation engine
// copies what it keeps, so as not to pin data) then keeps no string of
// data through that allocation.
func UnmarshalShared(data []byte, a *Alert) error {
	*a = Alert{}
	d := decoder{data: data, shared: true}
	r := new(sharedRoom)
	a.Source = r.source[:0:1]
	a.Target = r.target[:0:1]
	d.ints = r.ints[:0:roomInts]
	d.float = &r.float
	d.document(a)
	return d.err()
}

// sharedRoom is alertRoom without the string arena, for UnmarshalShared.
type sharedRoom struct {
	source [1]Source
	target [1]Target
	ints   [roomInts]int
	float  float64
}

// alertRoom is room for what decoding a typical alert needs besides the
// Alert struct: its first source and target, the strings of its string
// lists, the integers of its integer lists and its Confidence. Decoding a
// typical alert allocates all of them at once, as one object, instead of
// one allocation each.
type alertRoom struct {
	source  [1]Source
	target  [1]Target
	strings [roomStrings]string
	ints    [roomInts]int
	float   float64
}

// The list elements an alertRoom has room for: a typical alert has about
// ten strings in its lists (Category, Data, Method, Protocol…) and a few
// ports. Beyond, the lists get an arena of their own (see addString).
const (
	roomStrings = 16
	roomInts    = 8
)

// alertBlock is a new alert with its room: one allocation.
type alertBlock struct {
	alert Alert
	room  alertRoom
}

// use makes the decoder fill r's room when it decodes into a, which must
// be empty: a's Source and Target get room for one element each (document
// sets them back to nil if they stay empty), the string and integer lists
// the room's arenas, a number the room's float.
func (d *decoder) use(a *Alert, r *alertRoom) {
	a.Source = r.source[:0:1]
	a.Target = r.target[:0:1]
	d.arena = r.strings[:0:roomStrings]
	d.ints = r.ints[:0:roomInts]
	d.float = &r.float
}

// documentNew decodes a message into a new alert.
func (d *decoder) documentNew() *Alert {
	b := new(alertBlock)
	d.use(&b.alert, &b.room)
	d.document(&b.alert)
	return &b.alert
}

// grow extends s by one element and returns it. The element is zero
// without being written: the spare capacity of every list the decoder
// builds is zero memory, never used since it was zeroed (a room, new or
// reset by Scratch, or what append or slices.Grow allocated), and writing
// a zero struct full of pointers would cost a write barrier per word while
// the GC runs.
//
// The array s leaves is cleared: it may be a room's (alertRoom,
// sharedRoom), which outlives the list when the caller keeps the room's
// other list, and must then keep no string of the message.
func grow[T any](s []T) []T {
	if len(s) == cap(s) {
		old := s
		s = slices.Grow(s, 1)
		clear(old)
	}
	return s[:len(s)+1]
}

// UnmarshalJSON decodes strictly, so that encoding/json and other libraries
// that honour json.Unmarshaler reject unknown attributes too.
func (a *Alert) UnmarshalJSON(data []byte) error { return Unmarshal(data, a) }

// decIssue is an issue found while decoding.
type decIssue struct {
	Issue
	at         string // pointer shown by DecodeError (the member for unknown attributes)
	structural bool   // the message cannot be represented: Decode fails
}

// decoder is a strict, allocation-light JSON decoder for the generated model.
// It keeps going after most problems so that one pass reports them all; only
// malformed JSON stops it (fatal).
type decoder struct {
	data     []byte
	text     string // data as a string: string values without escapes are substrings of it
	pos      int
	ptr      ptrStack
	nameBuf  []byte // current member name when it has escapes (nameAt < 0), unescaped
	issues   []decIssue
	suppress []string // pointers whose model checks would repeat a decode issue
	arena    []string // backing store of the string lists (see addString)
	ints     []int    // backing store of the integer lists
	float    *float64 // room for the next decoded number, nil when none
	nameAt   int      // offset of the current member name in data, -1 when it was unescaped into nameBuf
	nameLen  int      // length of the current member name in data (nameAt >= 0)
	fatal    bool
	depth    int
	shared   bool // text aliases data (DecodeShared)
	// loose: data may differ from Encode's output for the decoded alert
	// (white space, another attribute order, an empty or missing
	// attribute, an escape Encode writes otherwise, a number written
	// otherwise…).
	loose bool
	// oddEscape: a string since the last stringValue has an escape that
	// Encode would write otherwise (or not at all).
	oddEscape bool
}

func (d *decoder) err() error {
	var e *DecodeError
	for _, i := range d.issues {
		if i.structural {
			if e == nil {
				e = &DecodeError{}
			}
			e.Issues = append(e.Issues, i.Issue)
			e.at = append(e.at, i.at)
		}
	}
	if e == nil {
		return nil
	}
	return e
}

// document decodes a whole message: one object and nothing after it.
func (d *decoder) document(a *Alert) {
	// One copy of the input gives every string value of the alert without an
	// allocation each; the alert keeps the copy alive, about its own size.
	// A shared input is its own copy.
	if d.shared {
		d.text = unsafe.String(unsafe.SliceData(d.data), len(d.data))
	} else {
		d.text = string(d.data)
	}
	d.decodeAlert(a)
	if len(a.Source) == 0 {
		a.Source = nil // as without newAlert's room
	}
	if len(a.Target) == 0 {
		a.Target = nil
	}
	if d.fatal {
		return
	}
	d.skipWS()
	if d.pos < len(d.data) {
		d.syntax(fmt.Sprintf("unexpected data after the top-level object at offset %d", d.pos))
	}
}

func (d *decoder) add(pointer, rule, msg string, structural bool) {
	d.issues = append(d.issues, decIssue{Issue: Issue{Pointer: pointer, Rule: rule, Message: msg}, at: pointer, structural: structural})
}

// syntax records malformed JSON and stops decoding.
func (d *decoder) syntax(msg string) {
	d.addFatal("json.syntax", msg)
}

func (d *decoder) addFatal(rule, msg string) {
	if d.fatal {
		return
	}
	d.add(d.ptr.pointer("", -1), rule, msg, true)
	d.fatal = true
}

func (d *decoder) unexpected(what string) {
	if d.pos >= len(d.data) {
		d.syntax("unexpected end of input, expected " + what)
		return
	}
	d.syntax(fmt.Sprintf("invalid character %s at offset %d, expected %s", quoteByte(d.data[d.pos]), d.pos, what))
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (d *decoder) skipWS() {
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return // compact JSON: nothing to skip
	}
	d.skipSpace()
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
			d.loose = true
		default:
			return
		}
	}
}

// kind names the JSON type of the value at the current position.
func (d *decoder) kind() string {
	if d.pos >= len(d.data) {
		return "end of input"
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "invalid JSON"
}

// mismatch reports a value of the wrong JSON type at member name (element
// index of it when index >= 0) and skips it.
func (d *decoder) mismatch(name string, index int, want string) {
	d.mismatchRule(name, index, want, "type")
}

// mismatchRule is mismatch with the rule to report: "type", or "enum" where
// the schema only lists the allowed values.
func (d *decoder) mismatchRule(name string, index int, want, rule string) {
	got := d.kind()
	if got == "invalid JSON" || got == "end of input" {
		d.unexpected(want)
		return
	}
	if !d.skipValue() {
		return // malformed JSON, already reported
	}
	p := d.ptr.pointer(name, index)
	if rule == "enum" {
		want = "an enumerated string"
	}
	d.add(p, rule, fmt.Sprintf("expected %s, got %s", want, got), true)
	d.suppress = append(d.suppress, p)
}

// objectStart enters an object, or reports a type mismatch and skips.
func (d *decoder) objectStart() bool {
	if d.fatal {
		return false
	}
	d.skipWS()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		d.mismatch("", -1, "object")
		return false
	}
	d.pos++
	return true
}

// firstMember reads the first member name of an object just entered, or
// consumes "}" and returns false.
func (d *decoder) firstMember() bool {
	if d.fatal {
		return false
	}
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.loose = true // Encode may leave an empty object out
		return false
	}
	return d.member()
}

// nextMember moves to the next member, or consumes "}" and returns false.
func (d *decoder) nextMember() bool {
	if d.fatal {
		return false
	}
	d.skipWS()
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipWS()
			return d.member()
		case '}':
			d.pos++
			return false
		}
	}
	d.unexpected(`"," or "}"`)
	return false
}

// member reads `"name":` and leaves the position at the value.
func (d *decoder) member() bool {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		d.unexpected("a member name")
		return false
	}
	start := d.pos + 1
	// Member names are short printable ASCII: find the closing quote
	// without scanString's general case.
	if i := nextSpecial(d.data, start); i < len(d.data) && d.data[i] == '"' {
		d.nameAt, d.nameLen = start, i-start
		if i+2 < len(d.data) && d.data[i+1] == ':' && d.data[i+2] > ' ' {
			d.pos = i + 2 // compact JSON: the value follows the colon
			return true
		}
		d.pos = i + 1
	} else {
		name, ok := d.scanString(true)
		if !ok {
			return false
		}
		if d.pos-1-start == len(name) {
			d.nameAt, d.nameLen = start, len(name)
		} else {
			d.nameAt = -1
			d.nameBuf = name
			d.loose = true // an escaped name
		}
	}
	d.skipWS()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		d.unexpected(`":"`)
		return false
	}
	d.pos++
	d.skipWS()
	return true
}

// arrayStart enters an array, or reports a type mismatch and skips. It
// returns whether the array has a first element.
func (d *decoder) arrayStart() bool {
	if d.fatal {
		return false
	}
	d.skipWS()
	if d.pos >= len(d.data) || d.data[d.pos] != '[' {
		d.mismatch("", -1, "array")
		return false
	}
	d.pos++
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.loose = true // Encode leaves empty lists out
		return false
	}
	return true
}

// nextElement moves to the next array element, or consumes "]".
func (d *decoder) nextElement() bool {
	if d.fatal {
		return false
	}
	d.skipWS()
	if d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipWS()
			return true
		case ']':
			d.pos++
			return false
		}
	}
	d.unexpected(`"," or "]"`)
	return false
}

func (d *decoder) push(name string, index int) { d.ptr.push(name, index) }
func (d *decoder) pop()                        { d.ptr.pop() }

// once records that attribute bit was seen; a second occurrence of the same
// attribute is reported and skipped.
func (d *decoder) once(seen *uint64, bit uint, name string) bool {
	if *seen>>bit == 0 { // in schema order: the common case, inlined
		*seen |= 1 << bit
		return true
	}
	return d.outOfOrder(seen, bit, name)
}

// outOfOrder is once for an attribute that follows a later one in schema
// order, or repeats.
func (d *decoder) outOfOrder(seen *uint64, bit uint, name string) bool {
	d.loose = true // not in schema order (or a duplicate)
	if *seen&(1<<bit) != 0 {
		p := d.ptr.pointer(name, -1)
		d.add(p, "json.duplicate-name", fmt.Sprintf("duplicate attribute %q", name), true)
		d.skipValue()
		return false
	}
	*seen |= 1 << bit
	return true
}

// unknown reports a member that the class does not define and skips it.
func (d *decoder) unknown(names func() []string) {
	name := d.memberName()
	msg := fmt.Sprintf("unknown attribute %q", name)
	for _, n := range names() {
		if strings.EqualFold(n, name) {
			msg += fmt.Sprintf(" (did you mean %q? names are case-sensitive)", n)
			break
		}
	}
	d.issues = append(d.issues, decIssue{
		Issue:      Issue{Pointer: d.ptr.pointer("", -1), Rule: "additionalProperties", Message: msg},
		at:         d.ptr.pointer(name, -1),
		structural: true,
	})
	d.skipValue()
}

// missing reports an absent required attribute.
func (d *decoder) missing(name string) {
	d.loose = true // Encode writes required attributes even when empty
	if d.fatal {
		return
	}
	d.add(d.ptr.pointer("", -1), "required", fmt.Sprintf("missing required attribute %q", name), false)
	d.suppress = append(d.suppress, d.ptr.pointer(name, -1))
}

// emptyValue reports an empty string where the schema requires a non-empty
// one. The model stores "" as "absent", so only the decoder can see it.
func (d *decoder) emptyValue(name, rule, msg string) {
	d.add(d.ptr.pointer(name, -1), rule, msg, false)
}

// str decodes a string member; rule is reported for a value of another type.
func (d *decoder) str(name string, dst *string, rule string) bool {
	if d.fatal {
		return false
	}
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		d.mismatchRule(name, -1, "string", rule)
		return false
	}
	v, ok := d.stringValue()
	if !ok {
		return false
	}
	if v == "" {
		d.loose = true // Encode leaves empty optional strings out
	}
	*dst = v
	return true
}

// stringValue scans a string value.
func (d *decoder) stringValue() (string, bool) {
	start := d.pos + 1
	if i := nextSpecial(d.data, start); i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1 // printable ASCII only: a substring of the input
		return d.text[start:i], true
	}
	d.oddEscape = false
	b, ok := d.scanString(false)
	if !ok {
		return "", false
	}
	if d.pos-1-start == len(b) && d.text != "" { // no escapes: b aliases the input
		return d.text[start : d.pos-1], true
	}
	if d.oddEscape {
		d.loose = true
	}
	return string(b), true
}

// stringList decodes an array of strings; rule is reported for an element
// of another type. The lists of one message share an arena (see addString)
// instead of an allocation each.
func stringList[T ~string](d *decoder, name, rule string) []T {
	d.push(name, -1)
	defer d.pop()
	at := len(d.arena) // the list is d.arena[at:]
	for more := d.arrayStart(); more; more = d.nextElement() {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			d.mismatchRule("", len(d.arena)-at, "string", rule)
			at = d.addString(at, "")
			continue
		}
		v, ok := d.stringValue()
		if !ok {
			break
		}
		at = d.addString(at, v)
	}
	n := len(d.arena) - at
	if n == 0 {
		return nil
	}
	// No spare capacity: appending to one list never overwrites the next.
	return asStrings[T](d.arena[at : at+n : at+n])
}

// addString appends v to the list that starts at d.arena[at] and returns
// where the list starts now: when the arena is full, the list so far moves
// to a new one.
func (d *decoder) addString(at int, v string) int {
	if len(d.arena) == cap(d.arena) {
		n := len(d.arena) - at
		arena := make([]string, n, max(2*n, 16))
		copy(arena, d.arena[at:])
		d.arena, at = arena, 0
	}
	d.arena = append(d.arena, v)
	return at
}

// asStrings views a []string as a []T for a string type T: both have the
// same memory layout.
func asStrings[T ~string](s []string) []T {
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// intList decodes an array of JSON integers.
func (d *decoder) intList(name string) []int {
	d.push(name, -1)
	defer d.pop()
	var (
		buf [8]int
		out = buf[:0]
	)
	for more := d.arrayStart(); more; more = d.nextElement() {
		n, _ := d.integer("", len(out), strconv.IntSize)
		out = append(out, int(n))
	}
	if len(out) == 0 {
		return nil
	}
	// As for strings: the lists of one message share an arena.
	if cap(d.ints)-len(d.ints) < len(out) {
		d.ints = make([]int, 0, max(len(out), 8))
	}
	at := len(d.ints)
	d.ints = append(d.ints, out...)
	return d.ints[at : at+len(out) : at+len(out)]
}

// int64 decodes an integer member.
func (d *decoder) int64(name string, dst **int64) {
	if d.fatal {
		return
	}
	if n, ok := d.integer(name, -1, 64); ok {
		*dst = &n
	}
}

// integer decodes a JSON number that must be an integer in the JSON-schema
// sense (its exact value is whole: 80, 80.0 and 8e1 are all integers).
func (d *decoder) integer(name string, index int, bits int) (int64, bool) {
	raw, ok := d.numberAt(name, index, "integer")
	if !ok {
		return 0, false
	}
	if n, ok := smallNatural(raw); ok {
		return n, true
	}
	if n, err := strconv.ParseInt(string(raw), 10, bits); err == nil {
		if n == 0 && raw[0] == '-' {
			d.loose = true // "-0": Encode writes 0
		}
		return n, true
	}
	d.loose = true // 80.0 or 8e1: Encode writes 80
	r, ok := new(big.Rat).SetString(string(raw))
	p := d.ptr.pointer(name, index)
	if !ok || !r.IsInt() {
		d.add(p, "type", fmt.Sprintf("expected integer, got number %s", raw), true)
		d.suppress = append(d.suppress, p)
		return 0, false
	}
	if n := r.Num(); n.IsInt64() && (bits == 64 || (n.Int64() >= math.MinInt32 && n.Int64() <= math.MaxInt32)) {
		return n.Int64(), true
	}
	d.add(p, "spec.integer-range", fmt.Sprintf("integer %s does not fit in %d bits", raw, bits), true)
	d.suppress = append(d.suppress, p)
	return 0, false
}

// smallNatural is the value of raw, a JSON number, when it is written as
// Encode writes a natural number below 2^31: up to nine digits, without a
// sign, fraction or exponent (scanNumber already refused leading zeros).
func smallNatural(raw []byte) (int64, bool) {
	if len(raw) == 0 || len(raw) > 9 {
		return 0, false
	}
	var n int64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// number decodes a JSON number member with optional bounds. Bounds are
// checked on the exact decimal value where rounding to float64 could hide a
// violation (1.0000000000000000001 rounds to 1).
func (d *decoder) number(name string, dst **float64, min float64, hasMin bool, max float64, hasMax bool) {
	if d.fatal {
		return
	}
	raw, ok := d.numberAt(name, -1, "number")
	if !ok {
		return
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	p := func(name string, index int) string { return d.ptr.pointer(name, index) }
	if err != nil && math.IsInf(f, 0) {
		rule, word := "maximum", "greater than the maximum"
		if f < 0 {
			rule, word = "minimum", "less than the minimum"
		}
		d.add(p(name, -1), rule, fmt.Sprintf("%s is %s and does not fit in a float64", raw, word), true)
		d.suppress = append(d.suppress, p(name, -1))
		return
	}
	if (hasMin && f == min) || (hasMax && f == max) || f == 0 {
		exact, _ := new(big.Rat).SetString(string(raw))
		if hasMin && exact.Cmp(new(big.Rat).SetFloat64(min)) < 0 {
			d.add(p(name, -1), "minimum", fmt.Sprintf("%s is less than the minimum %g", raw, min), false)
		}
		if hasMax && exact.Cmp(new(big.Rat).SetFloat64(max)) > 0 {
			d.add(p(name, -1), "maximum", fmt.Sprintf("%s is greater than the maximum %g", raw, max), false)
		}
	}
	if !d.loose {
		// Encode writes a finite f as appendFloat does (f is finite here).
		var buf [32]byte
		d.loose = !bytes.Equal(appendFloat(buf[:0], f), raw)
	}
	q := d.float
	if q != nil {
		d.float = nil
	} else {
		q = new(float64)
	}
	*q = f
	*dst = q
}

// numberAt checks that the value is a number and scans it.
func (d *decoder) numberAt(name string, index int, want string) ([]byte, bool) {
	if d.pos < len(d.data) {
		if c := d.data[d.pos]; c == '-' || (c >= '0' && c <= '9') {
			return d.scanNumber()
		}
	}
	d.mismatch(name, index, want)
	return nil, false
}

// raw decodes Attachment.Content: a JSON object (kept as compact raw JSON)
// or a string (kept as its raw JSON text, quotes included).
func (d *decoder) raw(name string, dst *json.RawMessage) {
	if d.fatal {
		return
	}
	start := d.pos
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '"':
		if _, ok := d.scanString(false); !ok {
			return
		}
		*dst = append(json.RawMessage(nil), d.data[start:d.pos]...)
	case d.pos < len(d.data) && d.data[d.pos] == '{':
		// skipObject sets loose for any white space it skips (and a few
		// other things): without it, the object is already compact.
		loose := d.loose
		d.loose = false
		d.push(name, -1)
		ok := d.skipObject(true)
		d.pop()
		compact := !d.loose
		d.loose = d.loose || loose
		if !ok {
			return
		}
		if compact {
			*dst = append(json.RawMessage(nil), d.data[start:d.pos]...)
			return
		}
		var b bytes.Buffer
		b.Grow(d.pos - start)
		if err := json.Compact(&b, d.data[start:d.pos]); err != nil {
			// Unreachable: the object was just validated.
			d.push(name, -1)
			d.syntax("content: " + err.Error())
			d.pop()
			return
		}
		*dst = b.Bytes()
		if !bytes.Equal(*dst, d.data[start:d.pos]) {
			d.loose = true // Encode writes the compacted object
		}
	default:
		d.mismatch(name, -1, "object or string")
	}
}

// skipValue validates and skips one JSON value of any type.
func (d *decoder) skipValue() bool {
	if d.fatal {
		return false
	}
	if d.pos >= len(d.data) {
		d.unexpected("a value")
		return false
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		_, ok := d.scanString(false)
		return ok
	case c == '{':
		return d.skipObject(false)
	case c == '[':
		return d.skipArray()
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, ok := d.scanNumber()
		return ok
	}
	d.unexpected("a value")
	return false
}

func (d *decoder) enter() bool {
	d.depth++
	if d.depth > maxDepth {
		d.addFatal("json.depth", fmt.Sprintf("JSON nested deeper than %d levels", maxDepth))
		return false
	}
	return true
}

// skipObject skips an object; with dupCheck it rejects duplicate names.
func (d *decoder) skipObject(dupCheck bool) bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	d.pos++ // '{'
	// Names seen: a list while short, a set beyond.
	var (
		buf   [16]string
		list  = buf[:0]
		names map[string]struct{}
	)
	for ok := d.firstMember(); ok; ok = d.nextMember() {
		if dupCheck {
			name := d.memberName()
			dup := false
			if names != nil {
				_, dup = names[name]
			} else {
				dup = slices.Contains(list, name)
			}
			if dup {
				d.addFatal("json.duplicate-name", fmt.Sprintf("duplicate member name %q", name))
				return false
			}
			if names == nil && len(list) < 32 {
				list = append(list, name)
			} else {
				if names == nil {
					names = make(map[string]struct{}, 2*len(list))
					for _, n := range list {
						names[n] = struct{}{}
					}
				}
				names[name] = struct{}{}
			}
		}
		if !d.skipValue() {
			return false
		}
	}
	return !d.fatal
}

// memberName is the current member name as a string that stays valid,
// without a copy when it had no escapes.
func (d *decoder) memberName() string {
	if d.nameAt >= 0 {
		return d.text[d.nameAt : d.nameAt+d.nameLen]
	}
	return string(d.nameBuf)
}

// key is the current member name, unescaped, for a switch: when the name
// had escapes, it is valid only until the next member is read.
func (d *decoder) key() string {
	if d.nameAt >= 0 {
		return d.text[d.nameAt : d.nameAt+d.nameLen]
	}
	return unsafe.String(unsafe.SliceData(d.nameBuf), len(d.nameBuf))
}

func (d *decoder) skipArray() bool {
	if !d.enter() {
		return false
	}
	defer func() { d.depth-- }()
	d.pos++ // '['
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return true
	}
	for {
		if !d.skipValue() {
			return false
		}
		if !d.nextElement() {
			return !d.fatal
		}
	}
}

func (d *decoder) literal(lit string) bool {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(lit)) {
		d.unexpected("a value")
		return false
	}
	d.pos += len(lit)
	return true
}

// scanNumber scans a number per RFC 8259 §6 and returns its text.
func (d *decoder) scanNumber() ([]byte, bool) {
	data, start := d.data, d.pos
	i := start
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		d.unexpected("a digit")
		return nil, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			d.unexpected("a digit after the decimal point")
			return nil, false
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			d.pos = i
			d.unexpected("a digit in the exponent")
			return nil, false
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return data[start:i], true
}

// scanString scans the string at the current position (which is '"') and
// returns its unescaped bytes. Without escapes the result aliases the input;
// with escapes it is built in nameBuf (isName) or a fresh buffer. The input
// must be valid UTF-8 (RFC 8259 §8.1): invalid bytes and unpaired surrogate
// escapes are errors.
func (d *decoder) scanString(isName bool) ([]byte, bool) {
	data := d.data
	start := d.pos + 1
	for i := start; ; {
		i = nextSpecial(data, i)
		if i >= len(data) {
			break
		}
		switch c := data[i]; {
		case c == '"':
			d.pos = i + 1
			return data[start:i], true
		case c == '\\':
			return d.unescape(start, i, isName)
		case c < 0x20:
			d.pos = i
			d.syntax(fmt.Sprintf("control character %s in string at offset %d", quoteByte(c), i))
			return nil, false
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				d.addFatal("json.invalid-utf8", fmt.Sprintf("invalid UTF-8 in string at offset %d", i))
				return nil, false
			}
			i += size
		}
	}
	d.pos = len(data)
	d.syntax("unterminated string")
	return nil, false
}

// nextSpecial returns the index of the first byte of data at or after i
// that a string does not hold as it is: '"', '\\', a control character or
// a byte of a multi-byte UTF-8 sequence; len(data) if there is none. It
// tests eight bytes at a time (see specialBytes8).
func nextSpecial(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		if m := specialBytes8(binary.LittleEndian.Uint64(data[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(data); i++ {
		if c := data[i]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// specialBytes8 flags (with its high bit) each of the eight bytes of w
// (little-endian) that is not printable ASCII other than '"' and '\\'. Each
// test is the classic "has a byte less than n" bit trick: its flags are
// exact up to the first flagged byte (a borrow only moves upwards, from a
// flagged byte), so the lowest flag is always right, and a zero result
// means that no byte is special.
func specialBytes8(w uint64) uint64 {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return (w | (w-ones*0x20)&^w | (q-ones)&^q | (b-ones)&^b) & highs
}

// plainASCII8 reports whether the eight bytes of w are all printable
// ASCII other than '"' and '\\': bytes a string holds as they are.
func plainASCII8(w uint64) bool { return specialBytes8(w) == 0 }

// unescape continues scanString from the first backslash at i.
func (d *decoder) unescape(start, i int, isName bool) ([]byte, bool) {
	data := d.data
	var out []byte
	if isName {
		out = d.nameBuf[:0]
	} else {
		out = make([]byte, 0, i-start+16)
	}
	out = append(out, data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			if isName {
				d.nameBuf = out
			}
			return out, true
		case c == '\\':
			if i+1 >= len(data) {
				d.pos = len(data)
				d.syntax("unterminated string")
				return nil, false
			}
			e := data[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
				d.oddEscape = d.oddEscape || e == '/'
			case 'b':
				out = append(out, '\b')
				d.oddEscape = true
			case 'f':
				out = append(out, '\f')
				d.oddEscape = true
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, n, ok := d.unicodeEscape(i - 2)
				if !ok {
					return nil, false
				}
				// Encode writes \u00xx (lower-case hex) for the control
				// characters that have no short escape, and nothing else.
				if n != 4 || r >= 0x20 || r == '\n' || r == '\r' || r == '\t' || bytes.ContainsAny(data[i:i+4], "ABCDEF") {
					d.oddEscape = true
				}
				out = utf8.AppendRune(out, r)
				i += n
			default:
				d.pos = i - 1
				d.syntax(fmt.Sprintf("invalid escape %s at offset %d", quoteByte(e), i-2))
				return nil, false
			}
		case c < 0x20:
			d.pos = i
			d.syntax(fmt.Sprintf("control character %s in string at offset %d", quoteByte(c), i))
			return nil, false
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				d.pos = i
				d.addFatal("json.invalid-utf8", fmt.Sprintf("invalid UTF-8 in string at offset %d", i))
				return nil, false
			}
			out = append(out, data[i:i+size]...)
			i += size
		}
	}
	d.pos = len(data)
	d.syntax("unterminated string")
	return nil, false
}

// unicodeEscape decodes \uXXXX at offset at (the backslash), with a
// following low surrogate when needed. n is how many bytes after "\u" it
// consumed.
func (d *decoder) unicodeEscape(at int) (r rune, n int, ok bool) {
	hex4 := func(p int) (rune, bool) {
		if p+4 > len(d.data) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(d.data[p:p+4]), 16, 16)
		return rune(v), err == nil
	}
	r, ok = hex4(at + 2)
	if !ok {
		d.pos = at
		d.syntax(fmt.Sprintf(`invalid \u escape at offset %d`, at))
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 4, true
	}
	if r < 0xDC00 && at+12 <= len(d.data) && d.data[at+6] == '\\' && d.data[at+7] == 'u' {
		if lo, ok := hex4(at + 8); ok {
			if full := utf16.DecodeRune(r, lo); full != utf8.RuneError {
				return full, 10, true
			}
		}
	}
	d.pos = at
	d.addFatal("json.invalid-utf8", fmt.Sprintf(`unpaired surrogate \u escape at offset %d`, at))
	return 0, 0, false
}

// errNotSettable is returned by generated setters for attributes that hold
// classes rather than values.
func errNotSettable(class, name string) error {
	return fmt.Errorf("attribute %s.%s cannot be set from a value", class, name)
}
