package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// Log attribute keys of the access log.
const (
	logKeyRequestID = "request_id"
	logKeyMethod    = "method"
	logKeyRoute     = "route"
	logKeyStatus    = "status"
	logKeyDuration  = "duration"
	logKeyBytes     = "bytes"
	logKeyRemote    = "remote"
	logKeyPrincipal = "principal"
	logKeyError     = "error"
)

// RequestIDHeader carries the request ID in both directions: a client (or a
// proxy) may set it, and every response echoes it.
const RequestIDHeader = "X-Request-ID"

type requestIDKey struct{}

// requestIDFrom returns the request ID put in ctx by the middleware.
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// newRequestID returns 16 random hex characters.
func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validRequestID accepts a client's ID only if it is short and plain, so
// that it cannot forge log lines or headers.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// securityHeaders are set on every response. The API serves only JSON, so
// its CSP forbids everything: a response rendered by mistake as HTML can
// run nothing.
func securityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// recorder remembers the status and size of a response.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// routeInfo is filled by the route handler so that the outer middleware
// can label logs and metrics with the route pattern (not the raw path, which
// a client controls) and the principal.
type routeInfo struct {
	pattern   string
	principal string
	err       error // the cause of a 5xx, for the log
}

type routeInfoKey struct{}

func routeInfoFrom(ctx context.Context) *routeInfo {
	ri, _ := ctx.Value(routeInfoKey{}).(*routeInfo)
	if ri == nil {
		return &routeInfo{}
	}
	return ri
}

// observe wraps the whole API: request ID, security headers, panic
// recovery, access log and metrics.
func (a *API) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		securityHeaders(w.Header())
		ri := &routeInfo{pattern: "unmatched"}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), routeInfoKey{}, ri)
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("panic in handler", logKeyRequestID, id, "panic", v, "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeError(rec, r, toPublic(nil))
				}
			}
			a.finish(r, rec, ri, time.Since(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// finish logs the request and counts it.
func (a *API) finish(r *http.Request, rec *recorder, ri *routeInfo, d time.Duration) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	status := strconv.Itoa(rec.status)
	a.metrics.observe(ri.pattern, r.Method, status, d)
	level := slog.LevelInfo
	if rec.status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String(logKeyRequestID, requestIDFrom(r.Context())),
		slog.String(logKeyMethod, r.Method),
		slog.String(logKeyRoute, ri.pattern),
		slog.Int(logKeyStatus, rec.status),
		slog.Duration(logKeyDuration, d),
		slog.Int(logKeyBytes, rec.bytes),
		slog.String(logKeyRemote, r.RemoteAddr),
	}
	if ri.principal != "" {
		attrs = append(attrs, slog.String(logKeyPrincipal, ri.principal))
	}
	if ri.err != nil {
		attrs = append(attrs, slog.String(logKeyError, ri.err.Error()))
	}
	a.log.LogAttrs(r.Context(), level, "http request", attrs...)
}
