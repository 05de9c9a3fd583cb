package idmefv2

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestRoundTripExamples(t *testing.T) {
	for name, data := range validExamples(t) {
		t.Run(name, func(t *testing.T) {
			a, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := Encode(a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Decode(enc)
			if err != nil {
				t.Fatalf("decode of encoding: %v\n%s", err, enc)
			}
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("decode→encode→decode changed the alert (-first +second):\n%s", d)
			}
			// The encoding carries the same JSON values as the input.
			var in, out any
			if err := json.Unmarshal(data, &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(enc, &out); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(in, out); d != "" {
				t.Errorf("encoding differs from the input as JSON (-in +out):\n%s", d)
			}
		})
	}
}

func TestContentKeepsItsJSONType(t *testing.T) {
	for _, tc := range []struct {
		name, content, want string
	}{
		{"object", `{ "a" : [1, 2.5e3, true, null], "b": {"c": "\u00e9"} }`, `{"a":[1,2.5e3,true,null],"b":{"c":"\u00e9"}}`},
		{"compact object", `{"a":"x y","b":[],"c":{},"d":[{"e":-0.5}]}`, `{"a":"x y","b":[],"c":{},"d":[{"e":-0.5}]}`},
		{"white space deep inside", `{"a":{"b":[1,{"c":[2, 3]}]}}`, `{"a":{"b":[1,{"c":[2,3]}]}}`},
		{"empty objects with white space", `{"a":{ },"b":[ ]}`, `{"a":{},"b":[]}`},
		{"string", `"aGVsbG8="`, `"aGVsbG8="`},
		{"string with JSON text", `"{\"k\":1}"`, `"{\"k\":1}"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := `{"Version":"2.D.V08","ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f","CreateTime":"2026-05-10T08:00:00Z",` +
				`"Analyzer":{"Name":"a"},"Attachment":[{"Name":"x","Content":` + tc.content + `}]}`
			a, err := Decode([]byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(a.Attachment[0].Content); got != tc.want {
				t.Errorf("Content = %s, want %s", got, tc.want)
			}
			enc, err := Encode(a)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(enc), `"Content":`+tc.want) {
				t.Errorf("encoding %s lacks Content %s", enc, tc.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const base = `"Version":"2.D.V08","ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f","CreateTime":"2026-05-10T08:00:00Z"`
	for _, tc := range []struct {
		name, in, err, pointer, rule string
	}{
		{"unknown attribute", `{` + base + `,"Analyzer":{"Name":"a","Type":"Cyber"}}`, `/Analyzer/Type: unknown attribute "Type"`, "/Analyzer", "additionalProperties"},
		{"unknown with suggestion", `{` + base + `,"analyzer":{}}`, `did you mean "Analyzer"?`, "", "additionalProperties"},
		{"wrong type", `{` + base + `,"Analyzer":{"Name":"a"},"Status":"Incident"}`, "/Status: expected array, got string", "/Status", "type"},
		{"wrong item type", `{` + base + `,"Analyzer":{"Name":"a"},"Target":[{"ID":"x","Port":["22"]}]}`, "/Target/0/Port/0: expected integer, got string", "/Target/0/Port/0", "type"},
		{"enum of wrong type", `{` + base + `,"Analyzer":{"Name":"a","Method":[1]}}`, "/Analyzer/Method/0: expected an enumerated string, got number", "/Analyzer/Method/0", "enum"},
		{"not an integer", `{` + base + `,"Analyzer":{"Name":"a"},"Attachment":[{"Name":"a","Size":1.5}]}`, "expected integer, got number 1.5", "/Attachment/0/Size", "type"},
		{"integer too big", `{` + base + `,"Analyzer":{"Name":"a"},"Attachment":[{"Name":"a","Size":1e30}]}`, "does not fit in 64 bits", "/Attachment/0/Size", "spec.integer-range"},
		{"trailing data", `{` + base + `,"Analyzer":{"Name":"a"}} {}`, "unexpected data after the top-level object", "", "json.syntax"},
		{"top-level array", `[{` + base + `,"Analyzer":{"Name":"a"}}]`, "/: expected object, got array", "", "type"},
		{"empty input", ``, "unexpected end of input", "", "json.syntax"},
		{"truncated", `{` + base + `,"Analyzer":{"Name":"a"`, "unexpected end of input", "/Analyzer", "json.syntax"},
		{"duplicate attribute", `{` + base + `,"ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f","Analyzer":{"Name":"a"}}`, `/ID: duplicate attribute "ID"`, "/ID", "json.duplicate-name"},
		{"duplicate in content", `{` + base + `,"Analyzer":{"Name":"a"},"Attachment":[{"Name":"a","Content":{"k":1,"k":2}}]}`, `duplicate member name "k"`, "/Attachment/0/Content", "json.duplicate-name"},
		{"escaped duplicate in content", `{` + base + `,"Analyzer":{"Name":"a"},"Attachment":[{"Name":"a","Content":{"k":1,"\u006b":2}}]}`, `duplicate member name "k"`, "/Attachment/0/Content", "json.duplicate-name"},
		{"late duplicate in big content", `{` + base + `,"Analyzer":{"Name":"a"},"Attachment":[{"Name":"a","Content":{` + manyMembers(40) + `,"m3":0}}]}`, `duplicate member name "m3"`, "/Attachment/0/Content", "json.duplicate-name"},
		{"invalid UTF-8", "{" + base + ",\"Analyzer\":{\"Name\":\"\xff\"}}", "invalid UTF-8", "/Analyzer", "json.invalid-utf8"},
		{"lone surrogate", `{` + base + `,"Analyzer":{"Name":"\ud800"}}`, "unpaired surrogate", "/Analyzer", "json.invalid-utf8"},
		{"control character", "{" + base + ",\"Analyzer\":{\"Name\":\"a\tb\"}}", "control character", "/Analyzer", "json.syntax"},
		{"bad literal", `{` + base + `,"Analyzer":{"Name":"a"},"Note":nul}`, "invalid character", "", "json.syntax"},
		{"leading zero", `{` + base + `,"Analyzer":{"Name":"a"},"Confidence":01}`, "invalid character '1'", "", "json.syntax"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Decode error = %v, want a *DecodeError", err)
			}
			if !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %q does not contain %q", err, tc.err)
			}
			if de.Issues[0].Pointer != tc.pointer || de.Issues[0].Rule != tc.rule {
				t.Errorf("first issue = %+v, want pointer %q rule %q", de.Issues[0], tc.pointer, tc.rule)
			}
			r := ValidateJSON([]byte(tc.in))
			if r.Valid() || !hasErrorAt(r.Errors(), tc.pointer) {
				t.Errorf("ValidateJSON = %v, want an error at %q", r.Issues, tc.pointer)
			}
			if _, serr := DecodeShared([]byte(tc.in)); serr == nil || serr.Error() != err.Error() {
				t.Errorf("DecodeShared error = %v, want %v", serr, err)
			}
			if a, sr := DecodeValidateShared([]byte(tc.in)); a != nil || !cmp.Equal(sr, r) {
				t.Errorf("DecodeValidateShared = %v, %v; want nil, %v", a, sr, r)
			}
		})
	}
}

// TestDecodeSharedIsDecode checks that decoding without a copy of the input
// gives the same alert and report, and that the alert does share the input.
func TestDecodeSharedIsDecode(t *testing.T) {
	for name, data := range validExamples(t) {
		t.Run(name, func(t *testing.T) {
			want, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			in := bytes.Clone(data)
			got, err := DecodeShared(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("DecodeShared differs from Decode (-want +got):\n%s", d)
			}
			wantA, wantR := DecodeValidate(data)
			gotA, gotR := DecodeValidateShared(in)
			if d := cmp.Diff(wantR, gotR); d != "" {
				t.Errorf("DecodeValidateShared report differs (-want +got):\n%s", d)
			}
			if d := cmp.Diff(wantA, gotA); d != "" {
				t.Errorf("DecodeValidateShared alert differs (-want +got):\n%s", d)
			}
			// The ID is a plain string: it lies inside the input.
			id := unsafe.StringData(got.ID)
			start := unsafe.SliceData(in)
			if uintptr(unsafe.Pointer(id)) < uintptr(unsafe.Pointer(start)) || uintptr(unsafe.Pointer(id)) >= uintptr(unsafe.Pointer(start))+uintptr(len(in)) {
				t.Errorf("DecodeShared copied the input: ID is not inside it")
			}
		})
	}
}

// TestUnmarshalSharedReused decodes every example, then all of them again
// in another order, into one Alert: each result is what Decode gives, and
// what an earlier result kept (its lists) is left as it was.
func TestUnmarshalSharedReused(t *testing.T) {
	ex := validExamples(t)
	names := make([]string, 0, len(ex))
	for name := range ex {
		names = append(names, name)
	}
	slices.Sort(names)
	order := append(slices.Clone(names), names...)
	slices.Reverse(order[len(names):])
	var a Alert
	var kept []*Alert // shallow copies of earlier results
	var wants []*Alert
	for _, name := range order {
		want, err := Decode(ex[name])
		if err != nil {
			t.Fatal(err)
		}
		if err := UnmarshalShared(bytes.Clone(ex[name]), &a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := cmp.Diff(want, &a); d != "" {
			t.Errorf("%s: UnmarshalShared differs from Decode (-want +got):\n%s", name, d)
		}
		k := a
		kept, wants = append(kept, &k), append(wants, want)
	}
	for i := range kept {
		if d := cmp.Diff(wants[i], kept[i]); d != "" {
			t.Errorf("%s: an earlier result changed when the Alert was reused (-want +got):\n%s", order[i], d)
		}
	}
	if err := UnmarshalShared([]byte(`{"Version":1}`), &a); err == nil {
		t.Error("UnmarshalShared accepted a malformed alert")
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	in := `{"Version":"2.D.V08","ID":"x","Severity":"High","Status":"Open","Analyzer":{"Type":"Cyber"},"Source":[{"Port":[0, "1"]}]}`
	r := ValidateJSON([]byte(in))
	var got []string
	for _, i := range r.Issues {
		got = append(got, i.Pointer+" "+i.Rule)
	}
	want := []string{
		" additionalProperties",            // Severity
		"/Status type",                     // a string, not a list
		"/Analyzer additionalProperties",   // Type
		"/Analyzer required",               // Name
		"/Source/0/Port/1 type",            // "1"
		"/Source/0 required",               // ID
		" required",                        // CreateTime
		"/ID pattern",                      // "x"
		"/Source/0/Port/0 spec.port-range", // 0
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("issues (-want +got):\n%s", d)
	}
}

func TestUnmarshalJSONIsStrict(t *testing.T) {
	var a Alert
	err := json.Unmarshal([]byte(`{"Version":"2.D.V08","Bogus":1}`), &a)
	if err == nil || !strings.Contains(err.Error(), `unknown attribute "Bogus"`) {
		t.Fatalf("json.Unmarshal error = %v, want the unknown attribute", err)
	}
	a = Alert{Version: VersionV08, ID: "id", Analyzer: Analyzer{Name: "n"}}
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Version":"2.D.V08","ID":"id","CreateTime":"","Analyzer":{"Name":"n"}}`; string(out) != want {
		t.Errorf("json.Marshal = %s, want %s", out, want)
	}
}

func TestEncodeRejectsWhatJSONCannotCarry(t *testing.T) {
	nan := 0.0
	nan = nan / nan
	for name, a := range map[string]*Alert{
		"NaN Confidence":  {Confidence: &nan},
		"array Content":   {Attachment: []Attachment{{Name: "a", Content: json.RawMessage(`[1]`)}}},
		"invalid Content": {Attachment: []Attachment{{Name: "a", Content: json.RawMessage(`{"a":}`)}}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Encode(a); err == nil {
				t.Error("Encode succeeded")
			}
		})
	}
}

func TestEncodeEscapes(t *testing.T) {
	a := &Alert{Description: "quote \" backslash \\ newline \n tab \t nul \x00 bad \xff é"}
	enc, err := Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Decode(enc)
	if err != nil {
		t.Fatalf("%v\n%s", err, enc)
	}
	if want := "quote \" backslash \\ newline \n tab \t nul \x00 bad \ufffd é"; b.Description != want {
		t.Errorf("Description = %q, want %q", b.Description, want)
	}
}

// FuzzDecode checks that decoding never panics, that whatever decodes
// round-trips through Encode, that an input reported canonical is its
// encoding, and that Validate on the model agrees with
// ValidateJSON on its encoding.
func FuzzDecode(f *testing.F) {
	dir, entries := fastPathEntries(f)
	for _, e := range entries {
		f.Add(readFile(f, dir, e.File))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ValidateJSON(data)
		a, err := Decode(data)
		if err != nil {
			if r.Valid() {
				t.Fatalf("Decode failed (%v) but ValidateJSON found no error", err)
			}
			return
		}
		enc, err := Encode(a)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		checkCanonical(t, "input", data)
		checkCanonical(t, "encoding", enc)
		b, err := Decode(enc)
		if err != nil {
			t.Fatalf("decode of encoding: %v\n%s", err, enc)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Fatalf("round trip changed the alert:\n%s", d)
		}
		model, bytes := a.Validate(), ValidateJSON(enc)
		if d := cmp.Diff(model.Issues, bytes.Issues); d != "" {
			t.Fatalf("Validate and ValidateJSON(Encode) differ (-model +bytes):\n%s", d)
		}
	})
}

// TestPlainASCII8 checks the word-at-a-time string scan against the byte
// rule it stands for, for every byte value at every position.
func TestPlainASCII8(t *testing.T) {
	for p := range 8 {
		for b := range 256 {
			w := []byte("abcdefgh")
			w[p] = byte(b)
			want := b >= 0x20 && b < 0x80 && b != '"' && b != '\\'
			if got := plainASCII8(binary.LittleEndian.Uint64(w)); got != want {
				t.Errorf("byte %#x at %d: plainASCII8 = %v, want %v", b, p, got, want)
			}
		}
	}
}

// TestSpecialBytes8 checks that the lowest byte specialBytes8 flags is the
// first special byte, for every byte value at every position, with plain
// bytes before it and plain or special bytes after it (a borrow from a
// special byte must not hide it or flag an earlier one).
func TestSpecialBytes8(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	for p := range 8 {
		for b := range 256 {
			for _, after := range []byte{'h', 0, 0x1f, '"', '\\', 0x80, 0xff, 0x20, '!'} {
				w := []byte("abcdefgh")
				w[p] = byte(b)
				for i := p + 1; i < 8; i++ {
					w[i] = after
				}
				want := 8 // no special byte
				for i, c := range w {
					if special(c) {
						want = i
						break
					}
				}
				got := 8
				if m := specialBytes8(binary.LittleEndian.Uint64(w)); m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != want {
					t.Errorf("%q: first special byte at %d, want %d", w, got, want)
				}
			}
		}
	}
}

// manyMembers returns n distinct JSON members "m0":0,"m1":0…
func manyMembers(n int) string {
	ms := make([]string, n)
	for i := range ms {
		ms[i] = fmt.Sprintf(`"m%d":0`, i)
	}
	return strings.Join(ms, ",")
}

// TestAppendQuotedEveryPosition round-trips strings with a character to
// escape (or a multi-byte one) at every position, across the 8-byte steps.
func TestAppendQuotedEveryPosition(t *testing.T) {
	for _, special := range []string{`"`, `\`, "\n", "\x01", "é", "\u2028", "\x7f"} {
		for p := range 20 {
			s := strings.Repeat("a", p) + special + strings.Repeat("b", 19-p)
			var got string
			if err := json.Unmarshal(appendQuoted(nil, s), &got); err != nil || got != s {
				t.Errorf("appendQuoted(%q) = %s: decodes to %q, %v", s, appendQuoted(nil, s), got, err)
			}
		}
	}
}

// TestLongStringLists decodes lists longer than one arena, whole and with a
// wrong element late in the list.
func TestLongStringLists(t *testing.T) {
	const base = `"Version":"2.D.V08","ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f","CreateTime":"2026-05-10T08:00:00Z","Analyzer":{"Name":"a"}`
	refs := make([]string, 40)
	for i := range refs {
		refs[i] = fmt.Sprintf("ref-%d", i)
	}
	quoted, _ := json.Marshal(refs)
	a, err := Decode([]byte(`{` + base + `,"AltNames":["x","y"],"Ref":` + string(quoted) + `,"RelID":["z"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(refs, a.Ref); d != "" || !slices.Equal(a.AltNames, []string{"x", "y"}) || !slices.Equal(a.RelID, []string{"z"}) {
		t.Errorf("lists decoded as %q, %q, %q", a.AltNames, a.Ref, a.RelID)
	}
	bad := strings.Replace(string(quoted), `"ref-20"`, `20`, 1)
	_, err = Decode([]byte(`{` + base + `,"Ref":` + bad + `}`))
	if err == nil || !strings.Contains(err.Error(), "/Ref/20: expected string, got number") {
		t.Errorf("wrong element 20: error %v", err)
	}
}

// TestDecodeStringEveryPosition decodes a string value and a member name
// holding a byte the scanner must stop at (an escape, a multi-byte or
// invalid UTF-8 sequence, a control character, a quote) at every position
// across the eight-byte steps, and checks the value, the error and the
// canonical verdict against encoding/json and Encode.
func TestDecodeStringEveryPosition(t *testing.T) {
	const base = `"Version":"2.D.V08","ID":"3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f","CreateTime":"2026-05-10T08:00:00Z","Analyzer":{"Name":"a"}`
	specials := []string{`\n`, `\"`, `\\`, `\/`, `\u00e9`, `\u0001`, `\ud83d\ude00`, "é", "\u2028", "\x7f", "\xff", "\x01", `\x`, `\ud800`}
	for _, sp := range specials {
		for p := range 20 {
			raw := strings.Repeat("a", p) + sp + strings.Repeat("b", 19-p)
			msg := []byte(`{` + base + `,"Description":"` + raw + `"}`)
			var want string
			jerr := json.Unmarshal([]byte(`"`+raw+`"`), &want)
			if jerr == nil && !utf8.ValidString(want) || strings.Contains(raw, "\xff") || strings.Contains(raw, `\ud800`) {
				jerr = errors.New("invalid UTF-8") // encoding/json replaces it; the decoder refuses it
			}
			for _, shared := range []bool{false, true} {
				var (
					a   *Alert
					err error
				)
				if shared {
					a, err = DecodeShared(bytes.Clone(msg))
				} else {
					a, err = Decode(msg)
				}
				if (err != nil) != (jerr != nil) {
					t.Fatalf("%q (shared %v): error %v, encoding/json %v", raw, shared, err, jerr)
				}
				if err == nil && a.Description != want {
					t.Fatalf("%q (shared %v): Description %q, want %q", raw, shared, a.Description, want)
				}
			}
			if jerr == nil {
				checkCanonical(t, raw, msg)
			}
			// The same bytes in a member name: an unknown attribute, named
			// unescaped in the error.
			_, err := Decode([]byte(`{` + base + `,"` + raw + `":1}`))
			if jerr == nil {
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("unknown attribute %q", want)) {
					t.Fatalf("name %q: error %v, want unknown attribute %q", raw, err, want)
				}
			} else if err == nil || strings.Contains(err.Error(), "unknown attribute") {
				t.Fatalf("name %q: error %v, want a syntax or UTF-8 error", raw, err)
			}
		}
	}
}
