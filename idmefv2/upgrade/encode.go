package upgrade

import (
	"bytes"
	"encoding/json"
	"slices"
)

// marshal encodes an alert as compact JSON with the attributes of each class in schema
// order (unknown members after, sorted), without HTML escaping.
func (m *model) marshal(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	if err := m.encodeClass(&buf, doc, "Alert"); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (m *model) encodeClass(buf *bytes.Buffer, obj map[string]any, cls string) error {
	c := m.classes[cls]
	keys := make([]string, 0, len(obj))
	for _, k := range c.order {
		if _, found := obj[k]; found {
			keys = append(keys, k)
		}
	}
	var extra []string
	for k := range obj {
		if _, known := c.attrs[k]; !known {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	keys = append(keys, extra...)
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encodePlain(buf, k); err != nil {
			return err
		}
		buf.WriteByte(':')
		a, known := c.attrs[k]
		if err := m.encodeValue(buf, obj[k], a, known); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func (m *model) encodeValue(buf *bytes.Buffer, v any, a attr, known bool) error {
	if !known || a.kind != kindObject {
		return encodePlain(buf, v)
	}
	switch x := v.(type) {
	case map[string]any:
		return m.encodeClass(buf, x, a.class)
	case []any:
		buf.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := m.encodeValue(buf, item, a, known); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	}
	return encodePlain(buf, v)
}

// encodePlain writes any JSON value compactly (maps with sorted keys), keeping <, > and &.
func encodePlain(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}
