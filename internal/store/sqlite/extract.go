package sqlite

import (
	"github.com/cespare/xxhash/v2"

	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// alertRow is an alert ready to write: its columns, indexed values and
// free text, computed outside the write lock.
type alertRow struct {
	alert    *idmefv2.Alert
	doc      []byte
	hash     int64
	createNS int64
	startNS  any // int64 or nil
	endNS    any
	priority int64
	values   []value
	valueSet []byte // values as stored in alert_value_sets.vals (nil if none)
	text     string // indexedText: the free text and the priority token
	seq      int64  // assigned under the write lock
	// receivedNS is when Vigie received this content (store.Incoming);
	// putRows sets it to the write time when unknown.
	receivedNS int64
	isUpdate   bool
	unchanged  bool
}

type value struct {
	field int64
	v     any // string, int64 or []byte
}

// newAlertRow builds the row of a; doc is its encoding, or nil to encode it.
func newAlertRow(a *idmefv2.Alert, doc []byte) (alertRow, error) {
	if doc == nil {
		var err error
		if doc, err = idmefv2.Encode(a); err != nil {
			return alertRow{}, err
		}
	}
	ct, err := idmefv2.ParseTime(a.CreateTime)
	if err != nil {
		return alertRow{}, err
	}
	r := alertRow{
		alert:    a,
		doc:      doc,
		hash:     contentHash(doc),
		createNS: ct.UnixNano(),
		startNS:  optTime(a.StartTime),
		endNS:    optTime(a.EndTime),
		priority: priorityRank(a.Priority),
	}
	r.values = extractValues(a)
	r.valueSet = encodeValueSet(r.values)
	r.text = indexedText(extractText(a), r.priority)
	return r, nil
}

// contentHash is the hash of an alert's document that tells an identical
// re-send (a no-op) from an update: xxHash64, ten times as fast as the
// FNV-1a of the rows stored before session 8, which an identical re-send
// therefore rewrites once (same content, a new hash).
func contentHash(doc []byte) int64 { return int64(xxhash.Sum64(doc)) }

func optTime(s string) any {
	if s == "" {
		return nil
	}
	t, err := idmefv2.ParseTime(s)
	if err != nil {
		return nil
	}
	return t.UnixNano()
}

// extractValues lists the values of every indexed path, without
// duplicates (the primary key would refuse them).
func extractValues(a *idmefv2.Alert) []value {
	var out []value
	add := func(p indexedPath, v any) {
		switch x := v.(type) {
		case string:
			if x == "" {
				return
			}
			if p.kind == kindIP {
				if addr, err := netip.ParseAddr(x); err == nil {
					v = ipKey(addr)
				}
			}
		case int:
			v = int64(x)
		}
		for _, o := range out {
			if o.field == p.code && sameValue(o.v, v) {
				return
			}
		}
		out = append(out, value{p.code, v})
	}
	str := func(p indexedPath, s string) { add(p, s) }
	for _, c := range a.Category {
		str(pathCategory, string(c))
	}
	for _, s := range a.Sensor {
		str(pathSensorName, s.Name)
	}
	for _, s := range a.Source {
		str(pathSourceIP, s.IP)
		str(pathSourceHostname, s.Hostname)
		str(pathSourceUser, s.User)
		str(pathSourceEmail, s.Email)
	}
	for _, t := range a.Target {
		str(pathTargetIP, t.IP)
		str(pathTargetHostname, t.Hostname)
		str(pathTargetUser, t.User)
		str(pathTargetService, t.Service)
		for _, p := range t.Port {
			add(pathTargetPort, p)
		}
		str(pathTargetEmail, t.Email)
	}
	for _, c := range a.AltCategory {
		str(pathAltCategory, c)
	}
	for _, c := range a.CorrelID {
		str(pathCorrelID, c)
	}
	for _, at := range a.Attachment {
		str(pathAttachmentFileName, at.FileName)
		for _, h := range at.Hash {
			str(pathAttachmentHash, h)
		}
	}
	return out
}

// encodeValueSet writes values as alert_value_sets.vals (migration
// 00009): a JSONB object (SQLite's binary JSON, which json_each reads
// without parsing text) whose key "f<code>" lists the values of a field,
// as a JSON string (text), an integer (ports) or a one-element array of
// the hex of a 16-byte address key; valueExpr reads them back. Values of
// one field are contiguous in extractValues's output except for paths
// under several list members (two Sources), which are gathered here.
func encodeValueSet(values []value) []byte {
	if len(values) == 0 {
		return nil
	}
	// Two passes: the sizes (a header holds its payload's size), then the
	// bytes, into one allocation.
	firstOf := func(i int) bool {
		return !slices.ContainsFunc(values[:i], func(w value) bool { return w.field == values[i].field })
	}
	var num [20]byte
	arrays := make([]int, len(values)) // payload size of each field's array, at its first value
	obj := 0
	for i, v := range values {
		if !firstOf(i) {
			continue
		}
		for _, w := range values[i:] {
			if w.field == v.field {
				arrays[i] += jsonbValueSize(w.v, num[:0])
			}
		}
		key := 1 + len(strconv.AppendInt(num[:0], v.field, 10))
		obj += jsonbHeaderSize(key) + key + jsonbHeaderSize(arrays[i]) + arrays[i]
	}
	b := make([]byte, 0, jsonbHeaderSize(obj)+obj)
	b = appendJSONBHeader(b, jsonbObject, obj)
	for i, v := range values {
		if !firstOf(i) {
			continue
		}
		key := strconv.AppendInt(append(num[:0], 'f'), v.field, 10)
		b = appendJSONBHeader(b, jsonbText, len(key))
		b = append(b, key...)
		b = appendJSONBHeader(b, jsonbArray, arrays[i])
		for _, w := range values[i:] {
			if w.field == v.field {
				b = appendJSONBValue(b, w.v, num[:0])
			}
		}
	}
	return b
}

// JSONB element types (https://sqlite.org/jsonb.html).
const (
	jsonbInt     = 3
	jsonbText    = 7  // no character that JSON escapes
	jsonbTextRaw = 10 // any text
	jsonbArray   = 11
	jsonbObject  = 12
)

func jsonbHeaderSize(n int) int {
	switch {
	case n <= 11:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	}
	return 5
}

// appendJSONBHeader appends the header of an element: its type and the
// size of its payload, which follows.
func appendJSONBHeader(b []byte, typ byte, n int) []byte {
	switch {
	case n <= 11:
		return append(b, byte(n)<<4|typ)
	case n <= 0xff:
		return append(b, 12<<4|typ, byte(n))
	case n <= 0xffff:
		return append(b, 13<<4|typ, byte(n>>8), byte(n))
	}
	return append(b, 14<<4|typ, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// jsonbValueSize is the size of appendJSONBValue's element; scratch is a
// buffer for digits.
func jsonbValueSize(v any, scratch []byte) int {
	n := 0
	switch x := v.(type) {
	case int64:
		n = len(strconv.AppendInt(scratch, x, 10))
	case []byte:
		n = jsonbHeaderSize(2*len(x)) + 2*len(x)
	case string:
		n = len(x)
	default:
		n = len(fmt.Sprint(v))
	}
	return jsonbHeaderSize(n) + n
}

// appendJSONBValue appends a stored value: an integer, a string, or the
// hex of a BLOB in a one-element array.
func appendJSONBValue(b []byte, v any, scratch []byte) []byte {
	switch x := v.(type) {
	case int64:
		d := strconv.AppendInt(scratch, x, 10)
		return append(appendJSONBHeader(b, jsonbInt, len(d)), d...)
	case []byte:
		b = appendJSONBHeader(b, jsonbArray, jsonbHeaderSize(2*len(x))+2*len(x))
		b = appendJSONBHeader(b, jsonbText, 2*len(x))
		return hex.AppendEncode(b, x)
	case string:
		typ := byte(jsonbText)
		if strings.ContainsFunc(x, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' }) {
			typ = jsonbTextRaw
		}
		return append(appendJSONBHeader(b, typ, len(x)), x...)
	}
	return appendJSONBValue(b, fmt.Sprint(v), scratch)
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	default:
		return a == b
	}
}

// extractText joins the free-text attributes for the FTS index.
func extractText(a *idmefv2.Alert) string {
	var b strings.Builder
	w := func(s string) {
		if s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
		}
	}
	w(a.Description)
	w(a.Note)
	w(a.Analyzer.Name)
	w(a.Analyzer.Hostname)
	w(a.Analyzer.Model)
	w(a.EntityName)
	for _, s := range a.AltNames {
		w(s)
	}
	for _, s := range a.AltCategory {
		w(s)
	}
	for _, s := range a.ExtCategory {
		w(s)
	}
	for _, s := range a.Sensor {
		w(s.Name)
		w(s.Hostname)
	}
	for _, s := range a.Source {
		w(s.Hostname)
		w(s.User)
		w(s.Email)
		w(s.Note)
	}
	for _, t := range a.Target {
		w(t.Hostname)
		w(t.User)
		w(t.Email)
		w(t.Service)
		w(t.Note)
	}
	for _, at := range a.Attachment {
		w(at.FileName)
		w(at.Note)
	}
	return b.String()
}
