package securitytrails

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
)

// pagedST is a fake SecurityTrails serving numbered pages of one endpoint
// and the ping, recording the pages asked for.
type pagedST struct {
	pages     func(n int) (status int, body string)
	rateLimit string

	mu       sync.Mutex
	asked    []int
	pings    int
	inFlight atomic.Int32
	peak     atomic.Int32
	hold     time.Duration
}

func (f *pagedST) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	if strings.HasSuffix(r.URL.Path, "/ping") {
		f.mu.Lock()
		f.pings++
		f.mu.Unlock()
		if f.rateLimit != "" {
			w.Header().Set("X-RateLimit-Limit-second", f.rateLimit)
		}
		io.WriteString(w, `{"success":true}`)
		return
	}
	cur := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for p := f.peak.Load(); cur > p && !f.peak.CompareAndSwap(p, cur); p = f.peak.Load() {
	}
	time.Sleep(f.hold)
	f.mu.Lock()
	f.asked = append(f.asked, n)
	f.mu.Unlock()
	status, body := f.pages(n)
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func newTestClient(t *testing.T, h http.Handler, opts Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts.BaseURL = srv.URL + "/v1/"
	if opts.PaceInterval == 0 {
		opts.DisablePacing = true
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientPagingVectors replays client_paging.json.
func TestClientPagingVectors(t *testing.T) {
	var file struct {
		Cases []struct {
			Name      string                     `json:"name"`
			Pages     int                        `json:"number_of_pages"`
			EveryPage json.RawMessage            `json:"every_page"`
			PageMap   map[string]json.RawMessage `json:"pages"`
			Records   int                        `json:"expected_records"`
			Ping      bool                       `json:"expected_ping"`
			Requested []int                      `json:"expected_pages_requested"`
			Warning   map[string]string          `json:"expected_warning"`
		} `json:"cases"`
	}
	vectorFile(t, "client_paging.json", &file)
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			f := &pagedST{pages: func(n int) (int, string) {
				if c.EveryPage != nil {
					return 200, string(c.EveryPage)
				}
				if b, ok := c.PageMap[strconv.Itoa(n)]; ok {
					return 200, string(b)
				}
				return 404, ""
			}}
			client := newTestClient(t, f, Options{})
			first := string(c.EveryPage) + string(c.PageMap["1"])
			var rs *RecordSet
			var err error
			value := "google.com"
			if strings.Contains(first, "record_count") {
				value = "1.1.1.1"
				rs, err = client.DomainsByIP(t.Context(), APIKey{}, value, false, c.Pages)
			} else {
				rs, err = client.DNSHistory(t.Context(), APIKey{}, value, TypeA, c.Pages)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(rs.Records) != c.Records {
				t.Errorf("%d merged records, want %d", len(rs.Records), c.Records)
			}
			f.mu.Lock()
			asked, pings := f.asked, f.pings
			f.mu.Unlock()
			if (pings > 0) != c.Ping {
				t.Errorf("rate-limit ping made = %v, want %v", pings > 0, c.Ping)
			}
			if diff := cmp.Diff(c.Requested, sortedInts(asked)); diff != "" {
				t.Errorf("pages requested (-want +got):\n%s", diff)
			}
			var got map[string]string
			if rs.UnprocessedPages > 0 {
				w := unprocessedWarning(value, rs.UnprocessedPages)
				got = map[string]string{"type": w.Type, "code": w.Code, "message": w.Message}
			}
			if diff := cmp.Diff(c.Warning, got); diff != "" {
				t.Errorf("warning (-want +got):\n%s", diff)
			}
		})
	}
}

func sortedInts(s []int) []int {
	out := append([]int(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// fakeClock records the pacing sleeps; its time only moves when the
// client sleeps, so every paced call looks instantaneous.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	return nil
}

func TestClientPacing(t *testing.T) {
	page := `{"type":"a/ipv4","pages":3,"records":[{"values":[{"ip":"1.1.1.1"}]}]}`
	tests := []struct {
		name       string
		opts       Options
		call       func(*Client) error
		wantSleeps int
	}{
		{"paged history, 3 pages + probe", Options{}, func(c *Client) error {
			_, err := c.DNSHistory(context.Background(), APIKey{}, "x.com", TypeA, AllPages)
			return err
		}, 4},
		{"single page", Options{}, func(c *Client) error {
			_, err := c.DNSHistory(context.Background(), APIKey{}, "x.com", TypeA, 1)
			return err
		}, 1},
		{"health ping is not paced", Options{}, func(c *Client) error {
			return c.Ping(context.Background(), APIKey{})
		}, 0},
		{"pacing disabled", Options{DisablePacing: true}, func(c *Client) error {
			_, err := c.DNSHistory(context.Background(), APIKey{}, "x.com", TypeA, AllPages)
			return err
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Unix(1e9, 0)}
			f := &pagedST{pages: func(int) (int, string) { return 200, page }}
			srv := httptest.NewServer(f)
			defer srv.Close()
			opts := tt.opts
			opts.BaseURL, opts.Now, opts.Sleep = srv.URL+"/v1/", clock.Now, clock.Sleep
			c, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.call(c); err != nil {
				t.Fatal(err)
			}
			if len(clock.sleeps) != tt.wantSleeps {
				t.Fatalf("%d pacing sleeps, want %d", len(clock.sleeps), tt.wantSleeps)
			}
			for _, d := range clock.sleeps {
				if d != DefaultPaceInterval {
					t.Errorf("slept %v, want %v (the call took no time on the fake clock)", d, DefaultPaceInterval)
				}
			}
		})
	}
}

// TestClientRespectsRateLimit checks that pages are never fetched more
// concurrently than X-RateLimit-Limit-second allows.
func TestClientRespectsRateLimit(t *testing.T) {
	for _, limit := range []string{"1", "2", "0"} {
		t.Run("limit "+limit, func(t *testing.T) {
			f := &pagedST{rateLimit: limit, hold: 20 * time.Millisecond, pages: func(int) (int, string) {
				return 200, `{"type":"a/ipv4","pages":8,"records":[{"values":[{"ip":"1.1.1.1"}]}]}`
			}}
			c := newTestClient(t, f, Options{MaxConcurrency: 10})
			if _, err := c.DNSHistory(t.Context(), APIKey{}, "x.com", TypeA, AllPages); err != nil {
				t.Fatal(err)
			}
			want, _ := strconv.Atoi(limit)
			want = max(want, 1)
			if peak := int(f.peak.Load()); peak > want {
				t.Errorf("%d pages in flight at once, want at most %d", peak, want)
			}
		})
	}
}

func TestClientErrorClassification(t *testing.T) {
	tests := []struct {
		status     int
		body       string
		header     string
		wantNoData bool
		wantMsg    string
		wantRetry  time.Duration
	}{
		{400, "The requested domain is invalid", "", true, "", 0},
		{404, "", "", true, "", 0},
		{406, "", "", true, "", 0},
		{401, `{"message":"API key missing"}`, "", false, "API key missing", 0},
		{403, `{"message":"Invalid authentication credentials"}`, "", false, "Invalid authentication credentials", 0},
		{403, `{"error":"x"}`, "", false, `{"error":"x"}`, 0},
		{403, `Forbidden`, "", false, "Forbidden", 0},
		{429, `slow down`, "7", false, "slow down", 7 * time.Second},
		{500, "Internal Server Error", "", false, "Internal Server Error", 0},
		{418, "I'm a teapot", "", false, "I'm a teapot", 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.body), func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := newTestClient(t, h, Options{})
			rs, err := c.DomainsByIP(t.Context(), APIKey{}, "1.1.1.1", false, 1)
			if tt.wantNoData {
				if err != nil || rs.Page != nil || len(rs.Records) != 0 {
					t.Fatalf("got %+v, %v; want an empty record set", rs, err)
				}
				return
			}
			var api *APIError
			if !errors.As(err, &api) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if api.Status != tt.status || api.Message != tt.wantMsg || api.Body != tt.body || api.RetryAfter != tt.wantRetry {
				t.Errorf("APIError = %+v", api)
			}
		})
	}
}

func TestClientTransportErrors(t *testing.T) {
	t.Run("non-JSON success", func(t *testing.T) {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html>")
		}), Options{})
		var re *ResponseError
		if err := c.Ping(t.Context(), APIKey{}); !errors.As(err, &re) || re.Body != "<html>" {
			t.Errorf("err = %v, want *ResponseError with the body", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}), Options{Timeout: 50 * time.Millisecond})
		var te *TransportError
		if err := c.Ping(t.Context(), APIKey{}); !errors.As(err, &te) || !te.Timeout {
			t.Errorf("err = %v, want a timeout *TransportError", err)
		}
	})
	t.Run("self-signed TLS", func(t *testing.T) {
		srv := httptest.NewTLSServer(http.NotFoundHandler())
		defer srv.Close()
		c, err := New(Options{BaseURL: srv.URL + "/v1/", DisablePacing: true})
		if err != nil {
			t.Fatal(err)
		}
		var te *TLSError
		if err := c.Ping(t.Context(), APIKey{}); !errors.As(err, &te) || te.Reason != "Self signed certificate" {
			t.Errorf("err = %v, want TLS 'Self signed certificate'", err)
		}
	})
}

// TestAPIKeyNeverLogged sends a key through a client that logs at debug
// level and checks neither the logs nor the errors reveal it.
func TestAPIKeyNeverLogged(t *testing.T) {
	const secret = "s3cr3t-key-value"
	var sent string
	var logs strings.Builder
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent = r.Header.Get("APIKEY")
		w.WriteHeader(403)
		io.WriteString(w, `{"message":"Invalid authentication credentials"}`)
	}), Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	key, err := NewAPIKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Ping(t.Context(), key)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("key", "key", key, "err", err)
	fmt.Fprintf(&logs, "%v %+v %#v %s", key, key, key, key)
	if sent != secret {
		t.Fatalf("APIKEY header = %q, want the key", sent)
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(err.Error(), secret) {
		t.Errorf("the key leaked:\n%s", logs.String())
	}
}

func TestNewAPIKey(t *testing.T) {
	tests := []struct {
		key    string
		ok     bool
		header string
	}{
		{"some_key", true, "some_key"},
		{"", true, ""},
		{"caf\u00e9", true, "caf\xe9"},
		{"a b\tc", true, "a b\tc"},
		{"\u043a\u043b\u044e\u0447", false, ""},
		{" abc", false, ""},
		{"\u00a0abc", false, ""},
		{"ab\ncd", false, ""},
		{"ab\rcd", false, ""},
		{"ab\x00cd", false, ""},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.key), func(t *testing.T) {
			k, err := NewAPIKey(tt.key)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && (k.header != tt.header || !k.IsSet()) {
				t.Errorf("header = %q, want %q", k.header, tt.header)
			}
		})
	}
}

func TestClientMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"success":true}`)
	}), Options{Registerer: reg})
	for range 3 {
		if err := c.Ping(t.Context(), APIKey{}); err != nil {
			t.Fatal(err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got float64
	for _, f := range families {
		if f.GetName() != "vigie_relay_upstream_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["endpoint"] == "ping" && labels["status"] == "200" && labels["upstream"] == "securitytrails" {
				got = m.GetCounter().GetValue()
			}
		}
	}
	if got != 3 {
		t.Errorf("vigie_relay_upstream_requests_total{endpoint=ping,status=200} = %v, want 3", got)
	}
}
