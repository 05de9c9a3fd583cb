package relay

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseObservables(t *testing.T) {
	tests := []struct {
		body   string
		want   []Observable
		report string // the JSON after the prefix, compared as written
	}{
		{`[{"type":"ip","value":"1.1.1.1"},{"type":"sha256","value":"x"}]`, []Observable{{"ip", "1.1.1.1"}, {"sha256", "x"}}, ""},
		{`[]`, []Observable{}, ""},
		{"\xef\xbb\xbf[]", []Observable{}, ""},
		{``, nil, `{"_schema": ["Invalid input type."]}`},
		{`not json`, nil, `{"_schema": ["Invalid input type."]}`},
		{`[] x`, nil, `{"_schema": ["Invalid input type."]}`},
		{`null`, nil, `{"_schema": ["Invalid input type."]}`},
		{`{"type":"ip","value":"1"}`, nil, `{"_schema": ["Invalid input type."]}`},
		{`"s"`, nil, `{"_schema": ["Invalid input type."]}`},
		{"[\"\xff\"]", nil, `{"_schema": ["Invalid input type."]}`},
		{`[1]`, nil, `{"0": {"_schema": ["Invalid input type."]}}`},
		{`[{"type":"domain"}]`, nil, `{"0": {"value": ["Missing data for required field."]}}`},
		{`[{"type":"ip","value":""}]`, nil, `{"0": {"value": ["Field may not be blank."]}}`},
		{`[{"type":"","value":"x"}]`, nil, `{"0": {"type": ["Field may not be blank."]}}`},
		{`[{"type":"ip","value":null}]`, nil, `{"0": {"value": ["Field may not be null."]}}`},
		{`[{"type":"ip","value":1}]`, nil, `{"0": {"value": ["Not a valid string."]}}`},
		{`[{"type":"ip","value":"1.1.1.1","id":"x"}]`, nil, `{"0": {"id": ["Unknown field."]}}`},
		{`[{"type":"ip"},{"type":"ip","value":"1"},{"value":"","foo":1,"bar":2}]`, nil,
			`{"0": {"value": ["Missing data for required field."]}, "2": {"type": ["Missing data for required field."], "value": ["Field may not be blank."], "bar": ["Unknown field."], "foo": ["Unknown field."]}}`},
		{`[{"type":"ip","value":"1","\u00e9\n":0}]`, nil, `{"0": {"\u00e9\n": ["Unknown field."]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			got, e := ParseObservables([]byte(tt.body))
			if tt.report == "" {
				if e != nil {
					t.Fatalf("error %v", e)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			if e == nil || e.Code != CodeInvalidArgument || e.Type != TypeFatal {
				t.Fatalf("got %v, %v; want invalid argument", got, e)
			}
			if want := InvalidPayloadPrefix + tt.report; e.Message != want {
				t.Errorf("message\n got %s\nwant %s", e.Message, want)
			}
			var v any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(e.Message, InvalidPayloadPrefix)), &v); err != nil {
				t.Errorf("embedded report is not JSON: %v", err)
			}
		})
	}
}

func TestWritePyString(t *testing.T) {
	tests := map[string]string{
		"plain":      `"plain"`,
		`q"b\`:       `"q\"b\\"`,
		"\x01\x7f":   `"\u0001\u007f"`,
		"caf\u00e9":  `"caf\u00e9"`,
		"\U0001F600": `"\ud83d\ude00"`,
		"\t\r\n\b\f": `"\t\r\n\b\f"`,
	}
	for in, want := range tests {
		var b strings.Builder
		writePyString(&b, in)
		if b.String() != want {
			t.Errorf("writePyString(%q) = %s, want %s", in, b.String(), want)
		}
	}
}
