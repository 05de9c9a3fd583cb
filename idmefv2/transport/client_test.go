package transport

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// scripted answers the first requests from a script, then passes the
// rest to next. It counts every request.
type scripted struct {
	script   []func(http.ResponseWriter, *http.Request)
	next     http.Handler
	attempts atomic.Int32
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.attempts.Add(1))
	if n <= len(s.script) {
		s.script[n-1](w, r)
		return
	}
	s.next.ServeHTTP(w, r)
}

func answer(status int, retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", jsonType)
		w.WriteHeader(status)
		w.Write([]byte(`{"error":"scripted ` + strconv.Itoa(status) + `"}`))
	}
}

// dropConn closes the connection without answering: a network error.
func dropConn(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// newTestClient returns a client whose waits are recorded instead of
// slept, so tests check the delays without timing anything.
func newTestClient(t *testing.T, opts ClientOptions) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := NewClient(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	var mu sync.Mutex
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, waits
}

func TestClientSendRetries(t *testing.T) {
	const minBackoff = 100 * time.Millisecond
	for _, tc := range []struct {
		name         string
		script       []func(http.ResponseWriter, *http.Request)
		msg          string
		opts         func(*ClientOptions)
		wantAttempts int
		wantWaits    []time.Duration // nil: check wantBackoffs instead
		wantBackoffs int             // number of jittered back-off waits
		check        func(t *testing.T, err error)
	}{
		{name: "success at once", msg: okMsg, wantAttempts: 1},
		{name: "503 then success honours Retry-After", script: scripted503(1, "7"), msg: okMsg, wantAttempts: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "429 then success honours Retry-After", script: []func(http.ResponseWriter, *http.Request){answer(429, "2")}, msg: okMsg, wantAttempts: 2, wantWaits: []time.Duration{2 * time.Second}},
		{name: "Retry-After as HTTP date", script: []func(http.ResponseWriter, *http.Request){answer(503, time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))}, msg: okMsg, opts: func(o *ClientOptions) { o.MaxRetryAfter = 30 * time.Second }, wantAttempts: 2, wantWaits: []time.Duration{30 * time.Second}},
		{name: "Retry-After capped", script: scripted503(1, "3600"), msg: okMsg, opts: func(o *ClientOptions) { o.MaxRetryAfter = 10 * time.Second }, wantAttempts: 2, wantWaits: []time.Duration{10 * time.Second}},
		{name: "503 with Retry-After 0 backs off", script: scripted503(1, "0"), msg: okMsg, wantAttempts: 2, wantBackoffs: 1},
		{name: "503 without Retry-After backs off", script: scripted503(1, ""), msg: okMsg, wantAttempts: 2, wantBackoffs: 1},
		{name: "500 then 502 then success backs off", script: []func(http.ResponseWriter, *http.Request){answer(500, ""), answer(502, "")}, msg: okMsg, wantAttempts: 3, wantBackoffs: 2},
		{name: "network error retried", script: []func(http.ResponseWriter, *http.Request){dropConn}, msg: okMsg, wantAttempts: 2, wantBackoffs: 1},
		{
			name: "400 not retried, problems returned", msg: noID, wantAttempts: 1, wantWaits: []time.Duration{},
			check: func(t *testing.T, err error) {
				rej, ok := errors.AsType[*RejectedError](err)
				if !ok {
					t.Fatalf("err = %v (%T), want *RejectedError", err, err)
				}
				want := &RejectedError{Status: 400, Message: "invalid IDMEFv2 message", Problems: []Problem{{Pointer: "/ID", Rule: "required", Message: "ID is required", Severity: SeverityError}}}
				if diff := cmp.Diff(want, rej); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			},
		},
		{name: "415 not retried", script: []func(http.ResponseWriter, *http.Request){answer(415, "")}, msg: okMsg, wantAttempts: 1, wantWaits: []time.Duration{}, check: wantRejected(415)},
		{name: "501 not retried", script: []func(http.ResponseWriter, *http.Request){answer(501, "")}, msg: okMsg, wantAttempts: 1, wantWaits: []time.Duration{}, check: wantRejected(501)},
		{
			name: "gives up after MaxAttempts", script: scripted503(10, "1"), msg: okMsg, opts: func(o *ClientOptions) { o.MaxAttempts = 3 },
			wantAttempts: 3, wantWaits: []time.Duration{time.Second, time.Second},
			check: func(t *testing.T, err error) {
				se, ok := errors.AsType[*ServerError](err)
				if !ok || se.Status != 503 || se.Message != "scripted 503" {
					t.Fatalf("err = %v, want a *ServerError 503 with the server's message", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scripted{script: tc.script, next: newTestHandler(t, Options{Sink: &memSink{}, Validator: testValidator})}
			srv := httptest.NewServer(s)
			defer srv.Close()
			opts := ClientOptions{URL: srv.URL, MinBackoff: minBackoff}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			c, waits := newTestClient(t, opts)
			err := c.Send(t.Context(), []byte(tc.msg))
			if tc.check != nil {
				tc.check(t, err)
			} else if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got := int(s.attempts.Load()); got != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
			}
			if tc.wantWaits != nil {
				if diff := cmp.Diff(tc.wantWaits, *waits); diff != "" {
					t.Errorf("waits (-want +got):\n%s", diff)
				}
				return
			}
			if len(*waits) != tc.wantBackoffs {
				t.Fatalf("waits = %v, want %d back-offs", *waits, tc.wantBackoffs)
			}
			for i, w := range *waits {
				hi := minBackoff << i
				if w < hi/2 || w > hi {
					t.Errorf("back-off %d = %s, want within [%s, %s]", i, w, hi/2, hi)
				}
			}
		})
	}
}

func scripted503(n int, retryAfter string) []func(http.ResponseWriter, *http.Request) {
	s := make([]func(http.ResponseWriter, *http.Request), n)
	for i := range s {
		s[i] = answer(503, retryAfter)
	}
	return s
}

func wantRejected(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		if rej, ok := errors.AsType[*RejectedError](err); !ok || rej.Status != status {
			t.Fatalf("err = %v, want *RejectedError %d", err, status)
		}
	}
}

func TestClientContextCancelStopsRetries(t *testing.T) {
	s := &scripted{script: scripted503(10, "60")}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c, err := NewClient(ClientOptions{URL: srv.URL, MaxAttempts: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithCancel(t.Context())
	c.sleep = func(ctx context.Context, d time.Duration) error {
		cancel() // the caller gives up while the client waits
		return sleepCtx(ctx, d)
	}
	err = c.Send(ctx, []byte(okMsg))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := s.attempts.Load(); n != 1 {
		t.Fatalf("attempts = %d, want 1", n)
	}
}

func TestClientSendBatch(t *testing.T) {
	sink := &memSink{}
	srv := httptest.NewServer(newTestHandler(t, Options{Sink: sink, Validator: testValidator}))
	defer srv.Close()
	c, _ := newTestClient(t, ClientOptions{URL: srv.URL})

	t.Run("all accepted", func(t *testing.T) {
		res, err := c.SendBatch(t.Context(), [][]byte{[]byte(okMsg), []byte(okMsg2)})
		if err != nil {
			t.Fatal(err)
		}
		want := []ItemResult{{Index: 0, Status: 204}, {Index: 1, Status: 204}}
		if diff := cmp.Diff(want, res); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
	})
	t.Run("some rejected", func(t *testing.T) {
		res, err := c.SendBatch(t.Context(), [][]byte{[]byte(noID), []byte(okMsg)})
		rej, ok := errors.AsType[*RejectedError](err)
		if !ok || rej.Status != 400 || len(rej.Items) != 2 {
			t.Fatalf("err = %v, want *RejectedError 400 with 2 items", err)
		}
		if res[0].Accepted() || !res[1].Accepted() || res[0].Problems[0].Pointer != "/ID" {
			t.Errorf("results = %+v, want item 0 rejected for /ID and item 1 accepted", res)
		}
	})
	t.Run("request refused whole", func(t *testing.T) {
		res, err := c.SendBatch(t.Context(), [][]byte{[]byte(okMsg), []byte(`{`)})
		if rej, ok := errors.AsType[*RejectedError](err); !ok || rej.Status != 400 {
			t.Fatalf("err = %v, want *RejectedError 400", err)
		}
		for _, r := range res {
			if r.Status != 400 || r.Error == "" {
				t.Errorf("result %+v, want 400 with the request's error", r)
			}
		}
	})
	if got := len(sink.messages()); got != 3 {
		t.Errorf("sink holds %d messages, want 3", got)
	}
}

func TestClientAuthAgainstHandler(t *testing.T) {
	auth, err := NewStaticAuth(StaticAuthOptions{Tokens: map[string]Secret{"s1": "tok"}, Users: map[string]Secret{"u1": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	srv := httptest.NewServer(newTestHandler(t, Options{Sink: sink, Auth: auth}))
	defer srv.Close()
	for _, tc := range []struct {
		name     string
		opts     ClientOptions
		wantPeer string
	}{
		{"bearer", ClientOptions{BearerToken: "tok"}, "s1"},
		{"basic", ClientOptions{Username: "u1", Password: "pw"}, "u1"},
		{"wrong token", ClientOptions{BearerToken: "nope"}, ""},
		{"none", ClientOptions{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.URL = srv.URL
			c, _ := newTestClient(t, tc.opts)
			err := c.Send(t.Context(), []byte(okMsg))
			if tc.wantPeer == "" {
				if rej, ok := errors.AsType[*RejectedError](err); !ok || rej.Status != 401 {
					t.Fatalf("err = %v, want *RejectedError 401", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			msgs := sink.messages()
			if got := msgs[len(msgs)-1].Peer.Name; got != tc.wantPeer {
				t.Errorf("peer = %q, want %q", got, tc.wantPeer)
			}
		})
	}
}

// TestClientLegacyReceivers checks the answers of receivers deployed
// today: Logstash's 200 "ok" and the connectors' test server's 500
// text/plain for invalid messages.
func TestClientLegacyReceivers(t *testing.T) {
	logstash := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	defer logstash.Close()
	c, _ := newTestClient(t, ClientOptions{URL: logstash.URL})
	if err := c.Send(t.Context(), []byte(okMsg)); err != nil {
		t.Errorf("Logstash 200: %v", err)
	}
	testServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		w.Write([]byte("'ID' is a required property"))
	}))
	defer testServer.Close()
	c, waits := newTestClient(t, ClientOptions{URL: testServer.URL, MaxAttempts: 2})
	err := c.Send(t.Context(), []byte(okMsg))
	if se, ok := errors.AsType[*ServerError](err); !ok || se.Message != "'ID' is a required property" {
		t.Errorf("err = %v, want a *ServerError with the text answer", err)
	}
	if len(*waits) != 1 {
		t.Errorf("waits = %v, want one retry", *waits)
	}
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	for _, o := range []ClientOptions{
		{},
		{URL: "ftp://x"},
		{URL: "http://"},
		{URL: "http://x", BearerToken: "t", Username: "u"},
		{URL: "http://x", MinBackoff: time.Minute, MaxBackoff: time.Second},
		{URL: "http://x", Timeout: -1},
	} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("NewClient(%+v) accepted", o)
		}
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		value string
		want  time.Duration
	}{
		{"", 0}, {"0", 0}, {"-3", 0}, {"12", 12 * time.Second}, {"soon", 0},
		{"Fri, 01 May 2026 12:00:30 GMT", 30 * time.Second},
		{"Fri, 01 May 2026 11:00:00 GMT", 0},
	} {
		if got := retryAfter(http.Header{"Retry-After": {tc.value}}, now); got != tc.want {
			t.Errorf("retryAfter(%q) = %s, want %s", tc.value, got, tc.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	lo, hi := 100*time.Millisecond, time.Second
	for attempt := 1; attempt <= 40; attempt++ {
		ceil := min(hi, lo<<min(attempt-1, 10))
		for range 20 {
			if d := backoff(attempt, lo, hi); d < ceil/2 || d > ceil {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, d, ceil/2, ceil)
			}
		}
	}
	if d := backoff(70, time.Minute, time.Hour); d < 30*time.Minute || d > time.Hour {
		t.Fatalf("backoff overflowed: %s", d)
	}
}
