package relay

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mux routes relay requests by exact path and method. It behaves like the
// Flask app of the original relay (SPEC §1):
//
//   - a path also matches with one trailing slash ("/version/");
//   - an unknown path answers 404 and a known path with another method
//     answers 405, both with the generic envelope;
//   - HEAD is served by the GET handler without a body, and OPTIONS answers
//     200 with an empty body and an Allow header;
//   - a handler panic answers 500 with the generic envelope.
//
// Routes are registered before serving; Mux is then safe for concurrent use.
type Mux struct {
	routes  map[string]map[string]http.Handler
	logger  *slog.Logger
	metrics *httpMetrics
}

// MuxOptions configures a Mux. The zero value is valid.
type MuxOptions struct {
	// Logger receives one line per panic; nil discards.
	Logger *slog.Logger
	// Metrics, when set, counts requests by route and status and observes
	// their latency (see [NewMetrics]).
	Metrics *Metrics
}

// NewMux returns an empty router.
func NewMux(opts MuxOptions) *Mux {
	m := &Mux{routes: map[string]map[string]http.Handler{}, logger: opts.Logger}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics != nil {
		m.metrics = opts.Metrics.http
	}
	return m
}

// Handle registers h for method and path. path must start with "/" and not
// end with one (the trailing-slash form is accepted automatically).
func (m *Mux) Handle(method, path string, h http.Handler) {
	if !strings.HasPrefix(path, "/") || (len(path) > 1 && strings.HasSuffix(path, "/")) {
		panic(fmt.Sprintf("relay: route path %q must start and not end with '/'", path))
	}
	if m.routes[path] == nil {
		m.routes[path] = map[string]http.Handler{}
	}
	m.routes[path][method] = h
}

// HandleFunc registers f for method and path.
func (m *Mux) HandleFunc(method, path string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(method, path, http.HandlerFunc(f))
}

// ServeHTTP implements http.Handler.
func (m *Mux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	route := "unmatched"
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			m.logger.Error("relay handler panicked", "route", route, "panic", fmt.Sprint(v))
			if !sw.wrote {
				WriteInternal(sw, fmt.Sprintf("%T", v))
			}
		}
		if m.metrics != nil {
			m.metrics.observe(route, r.Method, sw.status(), time.Since(start))
		}
	}()

	path := r.URL.Path
	if len(path) > 1 && strings.HasSuffix(path, "/") {
		path = path[:len(path)-1]
	}
	methods, ok := m.routes[path]
	if !ok {
		WriteNotFound(sw)
		return
	}
	route = path
	if h, ok := methods[r.Method]; ok {
		h.ServeHTTP(sw, r)
		return
	}
	switch r.Method {
	case http.MethodHead:
		if h, ok := methods[http.MethodGet]; ok {
			h.ServeHTTP(headWriter{sw}, r)
			return
		}
	case http.MethodOptions:
		sw.Header().Set("Allow", allowed(methods))
		sw.WriteHeader(http.StatusOK)
		return
	}
	WriteMethodNotAllowed(sw)
}

// allowed lists the methods of a route for the Allow header.
func allowed(methods map[string]http.Handler) string {
	list := []string{http.MethodOptions}
	for m := range methods {
		list = append(list, m)
		if m == http.MethodGet {
			list = append(list, http.MethodHead)
		}
	}
	slices.Sort(list)
	return strings.Join(list, ", ")
}

// statusWriter remembers the status a handler wrote, for metrics and to
// know whether a panic can still be answered.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.code, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) status() string {
	if !w.wrote {
		return "200"
	}
	return strconv.Itoa(w.code)
}

// headWriter drops the body of a GET handler answering a HEAD request.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(b []byte) (int, error) { return len(b), nil }
