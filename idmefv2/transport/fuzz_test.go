package transport

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"testing"
)

// FuzzHandler sends arbitrary bodies, content types and Accept headers:
// the handler must never panic, never answer 5xx (its sink always
// succeeds here), answer only codes of the package documentation, and
// give every refusal a JSON body.
func FuzzHandler(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(jsonType, "", b)
		f.Add(jsonType, "*/*", append(append([]byte("["), b...), ']'))
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {jsonType}})
	pw.Write([]byte(okMsg))
	mw.Close()
	f.Add("multipart/mixed; boundary="+mw.Boundary(), "", mp.Bytes())
	f.Add(jsonType, "application/json;q=0.1", []byte(`[`+okMsg+`,`+noID+`, 1, "s", null, [], {}]`))
	f.Add("application/json; charset=utf-8", "text/html", []byte(`{"a":"\u00e9\"]}"}`))
	f.Add("text/plain", "", []byte("hello"))
	f.Add(jsonType, "", []byte(`{"Version": "2.D.V08",}`))
	f.Add(jsonType, "", []byte("\xef\xbb\xbf{}"))
	f.Add(jsonType, "", []byte("[[[[[[[[[[]]]]]]]]]]"))

	allowed := map[int]bool{204: true, 400: true, 406: true, 411: true, 413: true, 415: true}
	f.Fuzz(func(t *testing.T, contentType, accept string, body []byte) {
		sink := &memSink{}
		h := newTestHandler(t, Options{Sink: sink, Validator: testValidator, Rejecter: &memRejecter{},
			MaxMessageBytes: 4 << 10, MaxBatchBytes: 16 << 10, MaxBatchItems: 50})
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		if !allowed[rec.Code] {
			t.Fatalf("status %d for Content-Type %q, body %q", rec.Code, contentType, body)
		}
		if rec.Code == 204 {
			if rec.Body.Len() != 0 || len(sink.messages()) == 0 {
				t.Fatalf("204 with a body %q or without a stored message", rec.Body)
			}
			return
		}
		var resp Response
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Error == "" {
			t.Fatalf("%d answer is not a JSON error: %q", rec.Code, rec.Body)
		}
		for i, it := range resp.Items {
			if it.Index != i {
				t.Fatalf("item %d has index %d", i, it.Index)
			}
		}
	})
}

// FuzzSplitArray checks the batch splitter against encoding/json on every
// valid JSON array: same elements, byte for byte.
func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{
		`[]`, ` [ 1 , "a" ] `, `[{"a":"]}\\"},"b":[1,{}]}, null,true,-1.5e3]`,
		`["\\\\", "\\\"", "x\\\\\"y"]`, "[\n{\"k\":\"\\u005d\"}\t]", `[[[]],[[{}]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var want []json.RawMessage
		start := skipSpace(body, 0)
		if !json.Valid(body) || start == len(body) || body[start] != '[' || json.Unmarshal(body, &want) != nil {
			return
		}
		got := splitArray(body, start)
		if len(got) != len(want) {
			t.Fatalf("split %q into %d elements, want %d", body, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("element %d of %q = %q, want %q", i, body, got[i], want[i])
			}
		}
	})
}

// FuzzScanJSON checks the one-pass body scanner against json.Valid: it
// must accept exactly the same bodies.
func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{
		`[]`, ` [ 1 , "a" ] `, `{"a":[1,2,{"b":null}],"c":"\u00e9\n"}`, `[1,]`, `{"a" 1}`, `01`, `-`, `1.`,
		`1e+`, `-0.5E-3`, `"\x01"`, "\"\xff\xfe\"", `"\u12G4"`, `"\q"`, `tru`, `nullx`, `[[[]]`, `{}}`,
		"\xef\xbb\xbf{}", `{"a":"]}\\"}`, `"abcdefghijklmnop\"qrstuvwxyz"`, "\"abcdefgh\\\\\"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, ok := scanJSON(body, skipSpace(body, 0))
		if want := json.Valid(body); ok != want {
			t.Fatalf("scanJSON(%q) = %v, json.Valid = %v", body, ok, want)
		}
	})
}
