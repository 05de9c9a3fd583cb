package idmefv2

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// checkCanonical fails when DecodeSharedCanonical calls data canonical
// although Encode writes the decoded alert otherwise, and returns whether
// data decoded and was called canonical.
func checkCanonical(t *testing.T, what string, data []byte) bool {
	t.Helper()
	a, canonical, err := DecodeSharedCanonical(data)
	if err != nil || !canonical {
		return false
	}
	enc, err := Encode(a)
	if err != nil {
		t.Fatalf("%s: Encode: %v", what, err)
	}
	if !bytes.Equal(enc, data) {
		t.Errorf("%s: reported canonical, but Encode writes otherwise:\n got %s\nwant %s", what, data, enc)
	}
	return true
}

// TestDecodeSharedCanonical checks that the encoding of every valid example is
// reported canonical, and that no variant of it (a member dropped, two
// members swapped, an empty value, white space, an escape, a number
// written otherwise) is reported canonical unless Encode writes it so.
func TestDecodeSharedCanonical(t *testing.T) {
	dir, entries := fastPathEntries(t)
	for _, e := range entries {
		a, err := Decode(readFile(t, dir, e.File))
		if err != nil {
			continue
		}
		enc, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		// An invalid alert may miss a required attribute, which Encode
		// writes empty: not canonical.
		if !checkCanonical(t, e.File, enc) && strings.HasPrefix(e.File, "valid/") {
			t.Errorf("%s: its own encoding is not reported canonical", e.File)
		}
		root := parseTree(t, enc)
		if got := root.append(nil); !bytes.Equal(got, enc) {
			t.Fatalf("%s: test tree re-encodes as\n%s\nnot\n%s", e.File, got, enc)
		}
		variants := 0
		for _, v := range root.variants() {
			variants++
			checkCanonical(t, e.File+" variant", v)
		}
		for _, v := range textVariants(enc) {
			variants++
			if checkCanonical(t, e.File+" text variant", v) {
				t.Errorf("%s: text variant reported canonical: %s", e.File, v)
			}
		}
		if variants == 0 {
			t.Fatalf("%s: no variant", e.File)
		}
	}
	// Details one by one, in a document whose attributes are in schema
	// order: Version, ID, pre, CreateTime, mid, Analyzer, post.
	doc := func(pre, mid, post string) string {
		return `{"Version":"2.D.V08","ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f"` + pre +
			`,"CreateTime":"2026-05-10T08:00:00Z"` + mid + `,"Analyzer":{"IP":"192.0.2.1","Name":"a"}` + post + `}`
	}
	attachment := func(s string) string { return doc("", "", `,"Attachment":[{"Name":"x"`+s+`}]`) }
	for _, tc := range []struct {
		doc  string
		want bool
	}{
		{doc("", "", ""), true},
		{doc(`,"Confidence":0.5`, "", ""), true},
		{doc(`,"Confidence":0.50`, "", ""), false},
		{doc(`,"Confidence":5e-1`, "", ""), false},
		{attachment(`,"Size":-0`), false},
		{attachment(`,"Size":10`), true},
		{attachment(`,"Size":1e1`), false},
		{attachment(`,"Content":{"a":1}`), true},
		{attachment(`,"Content":{"a": 1}`), false},
		{attachment(`,"Content":"\u0041"`), true},
		{doc(`,"Description":"a\"b\n\u001f"`, "", ""), true},
		{doc(`,"Description":"a\/b"`, "", ""), false},
		{doc(`,"Description":"\u001F"`, "", ""), false},
		{doc(`,"Description":"\u0041"`, "", ""), false},
		{doc(`,"Description":"\u000a"`, "", ""), false},
		{doc(`,"Description":""`, "", ""), false},
		{doc("", `,"Ref":[]`, ""), false},
		{doc("", `,"Ref":[""]`, ""), true},
		{doc("", "", `,"Source":[{}]`), false},
		{doc(`,"Confidence":0.5,"Description":"d"`, "", ""), false}, // order
		{doc("", "", "") + "\n", false},
		{strings.Replace(doc("", "", ""), `"ID"`, `"\u0049D"`, 1), false},
		{strings.Replace(doc("", "", ""), `"ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f",`, "", 1), false}, // no ID
		{strings.Replace(doc("", "", ""), `,"Analyzer":{"IP":"192.0.2.1","Name":"a"}`, "", 1), false},    // no Analyzer
	} {
		a, got, err := DecodeSharedCanonical([]byte(tc.doc))
		if err != nil {
			t.Errorf("%s: %v", tc.doc, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: canonical = %v, want %v", tc.doc, got, tc.want)
		}
		if enc, _ := Encode(a); got && !bytes.Equal(enc, []byte(tc.doc)) {
			t.Errorf("%s: reported canonical, Encode writes %s", tc.doc, enc)
		}
	}
}

// textVariants are edits of a compact encoding that Encode never writes:
// white space after the first ':' or ',', and the first letter of a value
// as an escape.
func textVariants(enc []byte) [][]byte {
	var out [][]byte
	for _, edit := range []struct{ old, new string }{
		{":", ": "}, {",", ", "}, {`":"`, `":"\u0020`}, {"{", "{\n"}, {"}", "}\t"},
	} {
		if i := bytes.Index(enc, []byte(edit.old)); i >= 0 {
			v := append(append(append([]byte(nil), enc[:i]...), edit.new...), enc[i+len(edit.old):]...)
			out = append(out, v)
		}
	}
	return out
}

// tree is a JSON value whose objects keep their member order.
type tree struct {
	keys []string // object member names (nil for other values)
	vals []*tree  // object member values or array elements
	arr  bool
	raw  string // scalars, as written
}

func parseTree(t *testing.T, data []byte) *tree {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func parseValue(dec *json.Decoder) (*tree, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &tree{arr: v == '['}
		if !n.arr {
			n.keys = []string{}
		}
		for dec.More() {
			if !n.arr {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			c, err := parseValue(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, c)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	case string:
		return &tree{raw: string(appendQuoted(nil, v))}, nil
	case json.Number:
		return &tree{raw: v.String()}, nil
	case bool, nil:
		b, _ := json.Marshal(v)
		return &tree{raw: string(b)}, nil
	}
	return nil, errors.New("unexpected token")
}

func (n *tree) append(b []byte) []byte {
	switch {
	case n.keys != nil:
		b = append(b, '{')
		for i, k := range n.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendQuoted(b, k)
			b = append(b, ':')
			b = n.vals[i].append(b)
		}
		return append(b, '}')
	case n.arr:
		b = append(b, '[')
		for i, v := range n.vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = v.append(b)
		}
		return append(b, ']')
	}
	return append(b, n.raw...)
}

// variants returns the whole document once per edit of one of its nodes:
// each member dropped, swapped with the next one, or its value replaced by
// an empty string, array or object, or 0.
func (n *tree) variants() [][]byte {
	var out [][]byte
	root := n
	emit := func() { out = append(out, root.append(nil)) }
	var walk func(m *tree)
	walk = func(m *tree) {
		if m.keys != nil {
			for i := range m.keys {
				keys, vals := m.keys, m.vals
				m.keys = append(append([]string{}, keys[:i]...), keys[i+1:]...)
				m.vals = append(append([]*tree{}, vals[:i]...), vals[i+1:]...)
				emit()
				m.keys, m.vals = keys, vals
				if i+1 < len(keys) {
					m.keys = append([]string{}, keys...)
					m.vals = append([]*tree{}, vals...)
					m.keys[i], m.keys[i+1] = m.keys[i+1], m.keys[i]
					m.vals[i], m.vals[i+1] = m.vals[i+1], m.vals[i]
					emit()
					m.keys, m.vals = keys, vals
				}
				for _, empty := range []*tree{{raw: `""`}, {arr: true}, {keys: []string{}}, {raw: "0"}, {raw: "-0"}} {
					old := vals[i]
					vals[i] = empty
					emit()
					vals[i] = old
				}
			}
		}
		for _, c := range m.vals {
			walk(c)
		}
	}
	walk(n)
	return out
}
