package relay

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMux(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMux(MuxOptions{Metrics: metrics})
	m.HandleFunc(http.MethodPost, "/version", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, 200, map[string]string{"version": "1"})
	})
	m.HandleFunc(http.MethodGet, "/watchdog", func(w http.ResponseWriter, r *http.Request) { WriteData(w, "up") })
	m.HandleFunc(http.MethodPost, "/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	const notFound = `{"code":404,"message":"` + MessageNotFound + `","reason":"werkzeug.exceptions.NotFound"}` + "\n"
	const notAllowed = `{"code":405,"message":"The method is not allowed for the requested URL.","reason":"werkzeug.exceptions.MethodNotAllowed"}` + "\n"
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/version", 200, `{"version":"1"}` + "\n"},
		{"POST", "/version/", 200, `{"version":"1"}` + "\n"},
		{"POST", "/version//", 404, notFound},
		{"GET", "/version", 405, notAllowed},
		{"POST", "/watchdog", 405, notAllowed},
		{"HEAD", "/watchdog", 200, ""},
		{"OPTIONS", "/version", 200, ""},
		{"POST", "/post", 404, notFound},
		{"DELETE", "/delete", 404, notFound},
		{"POST", "/panic", 500, `{"code":500,"message":"Something went wrong.","reason":"string"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			m.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body, tt.status, tt.body)
			}
			if tt.body != "" && w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", w.Header().Get("Content-Type"))
			}
		})
	}
	families, _ := reg.Gather()
	var unmatched, version float64
	for _, f := range families {
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if f.GetName() == "vigie_relay_requests_total" && labels["route"] == "unmatched" {
				unmatched += mt.GetCounter().GetValue()
			}
			if f.GetName() == "vigie_relay_requests_total" && labels["route"] == "/version" && labels["status"] == "200" {
				version += mt.GetCounter().GetValue()
			}
		}
	}
	if unmatched != 3 || version != 3 { // POST, POST with slash, OPTIONS
		t.Errorf("requests_total: unmatched=%v (want 3), /version 200=%v (want 3)", unmatched, version)
	}
}

func TestAssemble(t *testing.T) {
	warn := Warning(CodeUnprocessedPages, "w")
	fatal := Fatal(CodeUnknown, "f")
	tests := []struct {
		name string
		data map[string]any
		errs []*Error
		want string
	}{
		{"nothing", nil, nil, `{"data":{}}`},
		{"only errors", map[string]any{}, []*Error{fatal}, `{"errors":[{"code":"unknown","message":"f","type":"fatal"}]}`},
		{"data and errors", map[string]any{"x": 1}, []*Error{warn, fatal}, `{"data":{"x":1},"errors":[{"code":"unprocessed pages","message":"w","type":"warning"},{"code":"unknown","message":"f","type":"fatal"}]}`},
		{"data", map[string]any{"x": 1}, nil, `{"data":{"x":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			WriteJSON(w, 200, Assemble(tt.data, tt.errs))
			if got := strings.TrimSuffix(w.Body.String(), "\n"); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHostList(t *testing.T) {
	tests := []struct {
		entries []string
		host    string
		want    bool
	}{
		{[]string{"visibility.amp.cisco.com"}, "visibility.amp.cisco.com", true},
		{[]string{"visibility.amp.cisco.com"}, "VISIBILITY.amp.cisco.com:443", true},
		{[]string{"visibility.amp.cisco.com"}, "visibility.amp.cisco.com.", true},
		{[]string{"visibility.amp.cisco.com"}, "visibility.amp.cisco.com:8443", false},
		{[]string{"127.0.0.1:8443"}, "127.0.0.1:8443", true},
		{[]string{"127.0.0.1:8443"}, "127.0.0.1", false},
		{[]string{"[::1]:8443"}, "[::1]:8443", true},
		{[]string{"*"}, "anything.example", true},
		{[]string{"*"}, "a.example/path", false},
		{[]string{"*"}, "user@a.example", false},
		{[]string{"*"}, "", false},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.entries, ",")+" "+tt.host, func(t *testing.T) {
			l, err := parseHostList(tt.entries)
			if err != nil {
				t.Fatal(err)
			}
			if got := l.allows(tt.host); got != tt.want {
				t.Errorf("allows = %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range [][]string{{}, {""}, {"https://x.example"}, {"x.example/jwks"}} {
		if _, err := parseHostList(bad); err == nil {
			t.Errorf("parseHostList(%q) accepted", bad)
		}
	}
}
