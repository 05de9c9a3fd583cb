package sqlite

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-siem/vigie/idmefv2"
)

// alertRow is an alert ready to write: its columns, indexed values and
// free text, computed outside the write lock.
type alertRow struct {
	alert     *idmefv2.Alert
	doc       []byte
	hash      int64
	createNS  int64
	startNS   any // int64 or nil
	endNS     any
	priority  int64
	values    []value
	valueSet  string // values as stored in alert_value_sets.vals ("" if none)
	text      string // indexedText: the free text and the priority token
	seq       int64  // assigned under the write lock
	isUpdate  bool
	unchanged bool
}

type value struct {
	field int64
	v     any // string, int64 or []byte
}

func newAlertRow(a *idmefv2.Alert) (alertRow, error) {
	doc, err := idmefv2.Encode(a)
	if err != nil {
		return alertRow{}, err
	}
	ct, err := idmefv2.ParseTime(a.CreateTime)
	if err != nil {
		return alertRow{}, err
	}
	h := fnv.New64a()
	h.Write(doc)
	r := alertRow{
		alert:    a,
		doc:      doc,
		hash:     int64(h.Sum64()),
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
// 00009): a JSON object whose key "f<code>" lists the values of a field,
// as a JSON string (text), an integer (ports) or a one-element array of
// the hex of a 16-byte address key; valueExpr reads them back. Values of
// one field are contiguous in extractValues's output except for paths
// under several list members (two Sources), which are gathered here.
func encodeValueSet(values []value) string {
	if len(values) == 0 {
		return ""
	}
	b := make([]byte, 0, 24*len(values))
	b = append(b, '{')
	for i, v := range values {
		if slices.ContainsFunc(values[:i], func(w value) bool { return w.field == v.field }) {
			continue // written with the field's first value
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, `"f`...)
		b = strconv.AppendInt(b, v.field, 10)
		b = append(b, `":[`...)
		first := true
		for _, w := range values[i:] {
			if w.field != v.field {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSONValue(b, w.v)
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	return string(b)
}

func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10)
	case []byte:
		b = append(b, `["`...)
		b = hex.AppendEncode(b, x)
		return append(b, `"]`...)
	case string:
		return appendJSONString(b, x)
	}
	return appendJSONString(b, fmt.Sprint(v))
}

// appendJSONString quotes s as a JSON string; bytes ≥ 0x80 are kept as
// they are, so the string SQLite reads back is s.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
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
