package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	okMsg  = `{"Version":"2.D.V08","ID":"0b5a2a4e-0a0b-4c8e-9b7e-1f2d3c4b5a69"}`
	okMsg2 = `{"Version":"2.D.V08","ID":"1c6b3b5f-1b1c-4d9f-8c8f-2e3d4c5b6a70"}`
	noID   = `{"Version":"2.D.V08"}`
)

// handlerCase is one request against a Handler built from Options with a
// memSink, memRejecter and testValidator, then adjusted by opts.
type handlerCase struct {
	name    string
	opts    func(*Options)
	method  string // default POST
	path    string // default /
	header  map[string]string
	body    string
	chunked bool

	wantStatus int
	wantHeader map[string]string
	// wantError is a substring of the JSON "error" (non-2xx only).
	wantError string
	// wantAccepted are the message bodies the sink must have received.
	wantAccepted []string
	check        func(t *testing.T, res Response, sink *memSink, rej *memRejecter)
}

func runHandlerCases(t *testing.T, cases []handlerCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink, rej := &memSink{}, &memRejecter{}
			opts := Options{Sink: sink, Rejecter: rej, Validator: testValidator}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			srv := httptest.NewServer(newTestHandler(t, opts))
			defer srv.Close()

			method := orDefault(tc.method, http.MethodPost)
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = struct{ io.Reader }{body} // unknown length → chunked
			}
			req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+orDefault(tc.path, "/"), body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", jsonType)
			for k, v := range tc.header {
				if v == "" {
					req.Header.Del(k)
				} else {
					req.Header.Set(k, v)
				}
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()

			if res.StatusCode != tc.wantStatus {
				b, _ := io.ReadAll(res.Body)
				t.Fatalf("status = %d, want %d; body %s", res.StatusCode, tc.wantStatus, b)
			}
			for k, v := range tc.wantHeader {
				if got := res.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			var resp Response
			if res.StatusCode >= 300 {
				resp = decodeBody(t, res)
				if !strings.Contains(resp.Error, tc.wantError) {
					t.Errorf("error = %q, want it to contain %q", resp.Error, tc.wantError)
				}
			} else if b, _ := io.ReadAll(res.Body); len(b) != 0 {
				t.Errorf("2xx answer has a body: %q", b)
			}
			var got []string
			for _, m := range sink.messages() {
				got = append(got, string(m.Data))
			}
			if diff := cmp.Diff(tc.wantAccepted, got); diff != "" {
				t.Errorf("sink received (-want +got):\n%s", diff)
			}
			if tc.check != nil {
				tc.check(t, resp, sink, rej)
			}
		})
	}
}

func TestHandlerStatusCodes(t *testing.T) {
	runHandlerCases(t, []handlerCase{
		{name: "204 valid message", body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "204 any path by default", path: "/api_idmefv2/", body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "204 trailing whitespace trimmed", body: okMsg + "\n\n", wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "204 charset utf-8", header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "204 chunked body", chunked: true, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{
			name: "400 invalid message lists problems", body: noID, wantStatus: 400, wantError: "invalid IDMEFv2 message",
			check: func(t *testing.T, res Response, _ *memSink, rej *memRejecter) {
				want := []Problem{{Pointer: "/ID", Rule: "required", Message: "ID is required", Severity: SeverityError}}
				if diff := cmp.Diff(want, res.Problems); diff != "" {
					t.Errorf("problems (-want +got):\n%s", diff)
				}
				got := rej.all()
				if len(got) != 1 || string(got[0].Data) != noID || got[0].Status != 400 || len(got[0].Problems) != 1 {
					t.Errorf("dead letters = %+v, want the message with its problem", got)
				}
			},
		},
		{
			name: "400 malformed JSON gives the offset", body: `{"Version": "2.D.V08",}`, wantStatus: 400, wantError: "malformed JSON at byte offset 22",
			check: func(t *testing.T, res Response, _ *memSink, rej *memRejecter) {
				if res.Offset == nil || *res.Offset != 22 {
					t.Errorf("offset = %v, want 22", res.Offset)
				}
				got := rej.all()
				if len(got) != 1 || got[0].Index != -1 || string(got[0].Data) != `{"Version": "2.D.V08",}` {
					t.Errorf("dead letters = %+v, want the whole body", got)
				}
			},
		},
		{name: "400 empty body", body: "", header: map[string]string{"Content-Length": "0"}, wantStatus: 400, wantError: "empty body"},
		{name: "400 not an object", body: `"alert"`, wantStatus: 400, wantError: "JSON object"},
		{name: "400 trailing garbage", body: okMsg + `x`, wantStatus: 400, wantError: "malformed JSON"},
		{name: "404 path not served", opts: func(o *Options) { o.Paths = []string{"/idmef", "/v2/"} }, path: "/other", body: okMsg, wantStatus: 404, wantError: "no IDMEFv2 endpoint"},
		{name: "204 exact path", opts: func(o *Options) { o.Paths = []string{"/idmef", "/v2/"} }, path: "/idmef", body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "204 path prefix", opts: func(o *Options) { o.Paths = []string{"/idmef", "/v2/"} }, path: "/v2/alerts", body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "404 exact path is not a prefix", opts: func(o *Options) { o.Paths = []string{"/idmef"} }, path: "/idmef/x", body: okMsg, wantStatus: 404},
		{name: "405 GET", method: http.MethodGet, wantStatus: 405, wantError: "with POST", wantHeader: map[string]string{"Allow": "POST"}},
		{name: "405 PUT", method: http.MethodPut, body: okMsg, wantStatus: 405, wantHeader: map[string]string{"Allow": "POST"}},
		{name: "406 Accept text/html", header: map[string]string{"Accept": "text/html"}, body: okMsg, wantStatus: 406, wantError: "application/json"},
		{name: "406 JSON refused with q=0", header: map[string]string{"Accept": "application/json;q=0, */*"}, body: okMsg, wantStatus: 406},
		{name: "204 Accept */*", header: map[string]string{"Accept": "*/*"}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "204 Accept application/* with q", header: map[string]string{"Accept": "text/html, application/*;q=0.5"}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "415 text/plain", header: map[string]string{"Content-Type": "text/plain"}, body: okMsg, wantStatus: 415, wantError: "unsupported Content-Type"},
		{name: "415 missing Content-Type", header: map[string]string{"Content-Type": ""}, body: okMsg, wantStatus: 415, wantError: "Content-Type is required"},
		{name: "415 latin-1 charset", header: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}, body: okMsg, wantStatus: 415, wantError: "charset"},
		{name: "415 unregistered idmef type", header: map[string]string{"Content-Type": "application/idmef+json"}, body: okMsg, wantStatus: 415},
		{name: "204 extra content type", opts: func(o *Options) { o.ContentTypes = []string{"application/idmef+json"} }, header: map[string]string{"Content-Type": "application/idmef+json"}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}},
		{name: "413 single message over limit", opts: func(o *Options) { o.MaxMessageBytes = 40 }, body: okMsg, wantStatus: 413, wantError: "exceeds the limit of 40 bytes"},
		{name: "413 declared length over batch limit", opts: func(o *Options) { o.MaxMessageBytes, o.MaxBatchBytes = 40, 50 }, body: "[" + okMsg + "]", wantStatus: 413, wantError: "limit of 50 bytes"},
		{name: "413 chunked body over limit", opts: func(o *Options) { o.MaxMessageBytes, o.MaxBatchBytes = 40, 50 }, chunked: true, body: "[" + okMsg + "]", wantStatus: 413, wantError: "limit of 50 bytes"},
		{name: "503 sink full", opts: func(o *Options) { o.Sink = &memSink{err: fmt.Errorf("publish: %w", ErrBackpressure)} }, body: okMsg, wantStatus: 503, wantHeader: map[string]string{"Retry-After": "5"}, wantError: "retry later"},
		{name: "503 sink gives its delay", opts: func(o *Options) { o.Sink = &memSink{err: &UnavailableError{RetryAfter: 1500 * time.Millisecond}} }, body: okMsg, wantStatus: 503, wantHeader: map[string]string{"Retry-After": "2"}},
		{
			name: "500 sink failure leaks nothing", opts: func(o *Options) { o.Sink = &memSink{err: errors.New("disk /var/lib/secret-path is on fire")} }, body: okMsg, wantStatus: 500,
			check: func(t *testing.T, res Response, _ *memSink, rej *memRejecter) {
				if strings.Contains(res.Error, "secret-path") {
					t.Errorf("500 body leaks the internal error: %q", res.Error)
				}
			},
		},
		{name: "500 sink failure drops no dead letter", opts: func(o *Options) { o.Sink = &memSink{err: ErrUnavailable} }, body: "[" + okMsg + "," + noID + "]", wantStatus: 503,
			check: func(t *testing.T, _ Response, _ *memSink, rej *memRejecter) {
				if n := len(rej.all()); n != 0 {
					t.Errorf("%d dead letters written although the sender will retry", n)
				}
			}},
		{name: "429 peer over its rate", opts: func(o *Options) { o.Limiter = denyLimiter(3 * time.Second) }, body: okMsg, wantStatus: 429, wantHeader: map[string]string{"Retry-After": "3"}, wantError: "rate limit"},
		{name: "503 for rate limits when configured", opts: func(o *Options) { o.Limiter = denyLimiter(time.Second); o.RateLimitStatus = 503 }, body: okMsg, wantStatus: 503, wantHeader: map[string]string{"Retry-After": "1"}},
		{
			name: "rewritten message reaches the sink", body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg2},
			opts: func(o *Options) {
				o.Validator = ValidatorFunc(func(_ context.Context, _ []byte) Verdict {
					return Verdict{OK: true, Rewritten: []byte(okMsg2), Value: 42}
				})
			},
			check: func(t *testing.T, _ Response, sink *memSink, _ *memRejecter) {
				if v := sink.messages()[0].Value; v != 42 {
					t.Errorf("Message.Value = %v, want the validator's 42", v)
				}
			},
		},
		{name: "no validator accepts any object", opts: func(o *Options) { o.Validator = nil }, body: `{"a":1}`, wantStatus: 204, wantAccepted: []string{`{"a":1}`}},
	})
}

type denyLimiter time.Duration

func (d denyLimiter) Allow(Peer, int) (time.Duration, bool) { return time.Duration(d), false }

func TestHandlerBatches(t *testing.T) {
	runHandlerCases(t, []handlerCase{
		{name: "204 all valid, one sink call in order", body: "[" + okMsg + ", " + okMsg2 + "]", wantStatus: 204, wantAccepted: []string{okMsg, okMsg2},
			check: func(t *testing.T, _ Response, sink *memSink, _ *memRejecter) {
				if len(sink.batches) != 1 {
					t.Errorf("sink called %d times, want once", len(sink.batches))
				}
				for i, m := range sink.messages() {
					if m.Index != i {
						t.Errorf("message %d has Index %d", i, m.Index)
					}
				}
			}},
		{
			name: "400 mixed lists every item", body: "[" + okMsg + "," + noID + ",\n" + okMsg2 + `, 7, "x"]`,
			wantStatus: 400, wantError: "3 of 5 messages rejected", wantAccepted: []string{okMsg, okMsg2},
			check: func(t *testing.T, res Response, _ *memSink, rej *memRejecter) {
				want := []ItemResult{
					{Index: 0, Status: 204},
					{Index: 1, Status: 400, Error: "invalid IDMEFv2 message", Problems: []Problem{{Pointer: "/ID", Rule: "required", Message: "ID is required", Severity: SeverityError}}},
					{Index: 2, Status: 204},
					{Index: 3, Status: 400, Error: "not a JSON object"},
					{Index: 4, Status: 400, Error: "not a JSON object"},
				}
				if diff := cmp.Diff(want, res.Items); diff != "" {
					t.Errorf("items (-want +got):\n%s", diff)
				}
				var idx []int
				for _, r := range rej.all() {
					idx = append(idx, r.Index)
				}
				if diff := cmp.Diff([]int{1, 3, 4}, idx); diff != "" {
					t.Errorf("dead-letter indexes (-want +got):\n%s", diff)
				}
			},
		},
		{name: "400 malformed batch refused whole", body: "[" + okMsg + ", {]", wantStatus: 400, wantError: "malformed JSON"},
		{name: "400 empty batch", body: " [ ] ", wantStatus: 400, wantError: "empty batch"},
		{name: "413 too many items", opts: func(o *Options) { o.MaxBatchItems = 1 }, body: "[" + okMsg + "," + okMsg2 + "]", wantStatus: 413, wantError: "batch of 2 messages exceeds the limit of 1"},
		{
			name: "413 per oversized item", opts: func(o *Options) { o.MaxMessageBytes = int64(len(okMsg)) },
			body: "[" + okMsg + `,{"Version":"2.D.V08","ID":"0b5a2a4e-0a0b-4c8e-9b7e-1f2d3c4b5a69","x":1}]`, wantStatus: 400, wantAccepted: []string{okMsg},
			check: func(t *testing.T, res Response, _ *memSink, _ *memRejecter) {
				if len(res.Items) != 2 || res.Items[1].Status != 413 {
					t.Errorf("items = %+v, want item 1 refused with 413", res.Items)
				}
			},
		},
		{name: "strings with brackets split correctly", body: `[{"Version":"]}","ID":"a\"}]"},` + okMsg + "]", wantStatus: 204, wantAccepted: []string{`{"Version":"]}","ID":"a\"}]"}`, okMsg}},
		{name: "400 batches disabled", opts: func(o *Options) { o.DisableBatches = true }, body: "[" + okMsg + "]", wantStatus: 400, wantError: "one message per request"},
		{name: "400 all invalid, sink not called", body: "[" + noID + "]", wantStatus: 400},
	})
}

func multipartBody(t *testing.T, parts ...[2]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		pw, err := w.CreatePart(textproto.MIMEHeader{"Content-Type": {p[0]}})
		if err != nil {
			t.Fatal(err)
		}
		pw.Write([]byte(p[1]))
	}
	w.Close()
	return "multipart/mixed; boundary=" + w.Boundary(), buf.String()
}

func TestHandlerMultipart(t *testing.T) {
	ctOK, bodyOK := multipartBody(t, [2]string{jsonType, okMsg}, [2]string{"application/json; charset=utf-8", okMsg2})
	ctMixed, bodyMixed := multipartBody(t, [2]string{jsonType, okMsg}, [2]string{"text/plain", okMsg2}, [2]string{jsonType, noID})
	runHandlerCases(t, []handlerCase{
		{name: "204 one message per part", header: map[string]string{"Content-Type": ctOK}, body: bodyOK, wantStatus: 204, wantAccepted: []string{okMsg, okMsg2}},
		{
			name: "400 per part", header: map[string]string{"Content-Type": ctMixed}, body: bodyMixed, wantStatus: 400, wantAccepted: []string{okMsg},
			check: func(t *testing.T, res Response, _ *memSink, _ *memRejecter) {
				var st []int
				for _, it := range res.Items {
					st = append(st, it.Status)
				}
				if diff := cmp.Diff([]int{204, 415, 400}, st); diff != "" {
					t.Errorf("item statuses (-want +got):\n%s", diff)
				}
			},
		},
		{name: "415 multipart disabled", opts: func(o *Options) { o.DisableMultipart = true }, header: map[string]string{"Content-Type": ctOK}, body: bodyOK, wantStatus: 415},
		{name: "400 broken multipart", header: map[string]string{"Content-Type": "multipart/mixed; boundary=zz"}, body: "--zz\r\nno end", wantStatus: 400, wantError: "multipart"},
	})
}

// TestHandlerLengthRequired sends raw HTTP/1.1, since net/http clients
// always frame their bodies.
func TestHandlerLengthRequired(t *testing.T) {
	srv := httptest.NewServer(newTestHandler(t, Options{Sink: &memSink{}}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusLengthRequired {
		t.Fatalf("status = %d, want 411", res.StatusCode)
	}
	decodeBody(t, res)
}

func TestNewHandlerRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no sink", Options{}, "Sink is required"},
		{"batch below message", Options{Sink: &memSink{}, MaxMessageBytes: 10, MaxBatchBytes: 5}, "MaxBatchBytes (5) is less than MaxMessageBytes (10)"},
		{"bad status", Options{Sink: &memSink{}, RateLimitStatus: 400}, "RateLimitStatus 400"},
		{"relative path", Options{Sink: &memSink{}, Paths: []string{"idmef"}}, `path "idmef"`},
		{"bad media type", Options{Sink: &memSink{}, ContentTypes: []string{"not a type"}}, "content type"},
		{"CORS-simple media type", Options{Sink: &memSink{}, ContentTypes: []string{"text/plain; charset=utf-8"}}, "no CORS preflight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewHandler(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
