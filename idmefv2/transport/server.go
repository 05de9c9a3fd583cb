package transport

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// ServerOptions configures NewServer. Zero durations mean the defaults
// given.
type ServerOptions struct {
	// Addr is the listen address, e.g. ":4690".
	Addr string
	// TLS is the server TLS configuration (see ServerTLSConfig). Nil
	// serves plain HTTP/1.1, for labs and for senders behind a TLS proxy;
	// h2c (HTTP/2 without TLS) is never offered, as the draft forbids it.
	TLS *tls.Config
	// ReadHeaderTimeout bounds reading the request headers; default 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request; default 60s.
	ReadTimeout time.Duration
	// WriteTimeout bounds the time from the end of the request headers to
	// the end of the response (it includes the Sink); default 60s.
	WriteTimeout time.Duration
	// IdleTimeout bounds keep-alive idleness; default 120s.
	IdleTimeout time.Duration
	// MaxHeaderBytes limits request headers; default 64 KiB.
	MaxHeaderBytes int
	// BaseContext, if set, gives the base context of every request, e.g.
	// one cancelled at shutdown.
	BaseContext func(net.Listener) context.Context
	// Logger receives the server's own errors (TLS handshakes, etc.).
	Logger *slog.Logger
}

// NewServer returns an *http.Server for h with every timeout set, HTTP/1.1
// with keep-alive, and HTTP/2 over TLS only. Serve it with
// ListenAndServeTLS("", "") (or ServeTLS(ln, "", "")) when TLS is set.
func NewServer(h http.Handler, opts ServerOptions) *http.Server {
	def := func(d, v time.Duration) time.Duration {
		if d == 0 {
			return v
		}
		return d
	}
	srv := &http.Server{
		Addr:              opts.Addr,
		Handler:           h,
		TLSConfig:         opts.TLS,
		ReadHeaderTimeout: def(opts.ReadHeaderTimeout, 10*time.Second),
		ReadTimeout:       def(opts.ReadTimeout, 60*time.Second),
		WriteTimeout:      def(opts.WriteTimeout, 60*time.Second),
		IdleTimeout:       def(opts.IdleTimeout, 120*time.Second),
		MaxHeaderBytes:    opts.MaxHeaderBytes,
		BaseContext:       opts.BaseContext,
	}
	if srv.MaxHeaderBytes == 0 {
		srv.MaxHeaderBytes = 64 << 10
	}
	if opts.Logger != nil {
		srv.ErrorLog = slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn)
	}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(opts.TLS != nil)
	return srv
}
