package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/vigie-siem/vigie/internal/relay"
	"github.com/vigie-siem/vigie/internal/relay/securitytrails"
)

// newRelayCmd groups the Threat Response relays.
func newRelayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "relay",
		Short: "Threat Response (SecureX/XDR) relay modules",
	}
	cmd.AddCommand(newRelaySecurityTrailsCmd(os.Getenv))
	return cmd
}

// relayConfig is the resolved configuration of `vigie relay securitytrails`.
// Each field has a flag; its default comes from the environment variable
// of the configuration contract (docs/RELAY-SECURITYTRAILS.md).
type relayConfig struct {
	listen        string        // VIGIE_RELAY_LISTEN, or PORT (port only)
	apiURL        string        // SECURITYTRAILS_API_URL
	pacing        string        // SECURITYTRAILS_PACING: "false" turns pacing off
	allowedHosts  string        // RELAY_JWKS_ALLOWED_HOSTS, comma-separated; "*" any
	jwksCacheTTL  time.Duration // RELAY_JWKS_CACHE_TTL
	audience      string        // VIGIE_RELAY_AUDIENCE
	metricsListen string        // VIGIE_RELAY_METRICS_LISTEN; empty: no metrics listener
	timeout       time.Duration // SECURITYTRAILS_TIMEOUT
	tlsCert       string        // VIGIE_RELAY_TLS_CERT
	tlsKey        string        // VIGIE_RELAY_TLS_KEY
	logLevel      string        // VIGIE_LOG_LEVEL
	envErr        error         // an environment value that did not parse
}

// defaultRelayConfig reads the environment through getenv.
func defaultRelayConfig(getenv func(string) string) relayConfig {
	listen := ":9090"
	if p := getenv("PORT"); p != "" {
		listen = ":" + p
	}
	if l := getenv("VIGIE_RELAY_LISTEN"); l != "" {
		listen = l
	}
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var envErr error
	duration := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			envErr = errors.Join(envErr, fmt.Errorf("%s=%q: want a duration such as 30s", name, v))
			return def
		}
		return d
	}
	return relayConfig{
		listen:        listen,
		apiURL:        or(getenv("SECURITYTRAILS_API_URL"), securitytrails.DefaultBaseURL),
		pacing:        or(getenv("SECURITYTRAILS_PACING"), "true"),
		allowedHosts:  or(getenv("RELAY_JWKS_ALLOWED_HOSTS"), strings.Join(relay.DefaultJWKSHosts, ",")),
		jwksCacheTTL:  duration("RELAY_JWKS_CACHE_TTL", 0),
		audience:      getenv("VIGIE_RELAY_AUDIENCE"),
		metricsListen: getenv("VIGIE_RELAY_METRICS_LISTEN"),
		timeout:       duration("SECURITYTRAILS_TIMEOUT", securitytrails.DefaultTimeout),
		tlsCert:       getenv("VIGIE_RELAY_TLS_CERT"),
		tlsKey:        getenv("VIGIE_RELAY_TLS_KEY"),
		logLevel:      or(getenv("VIGIE_LOG_LEVEL"), "info"),
		envErr:        envErr,
	}
}

func newRelaySecurityTrailsCmd(getenv func(string) string) *cobra.Command {
	cfg := defaultRelayConfig(getenv)
	cmd := &cobra.Command{
		Use:   "securitytrails",
		Short: "Serve the SecurityTrails Threat Response relay (default :9090)",
		Long: `Serve the SecurityTrails relay module for Cisco SecureX/XDR Threat Response:
POST /health, /observe/observables, /refer/observables, /version and GET /watchdog,
behaviour-compatible with Cisco's tr-05-serverless-securitytrails 2.0.5.

Every flag defaults to its environment variable (shown in brackets), so the
relay can be configured like the original container.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRelaySecurityTrails(cmd.Context(), cfg, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.listen, "listen", cfg.listen, "listen address [VIGIE_RELAY_LISTEN, or PORT]")
	f.StringVar(&cfg.apiURL, "api-url", cfg.apiURL, "SecurityTrails API base URL, ending in /v1/ [SECURITYTRAILS_API_URL]")
	f.StringVar(&cfg.pacing, "pacing", cfg.pacing, "keep paged SecurityTrails calls to ≥ 1.1 s each; false turns it off [SECURITYTRAILS_PACING]")
	f.StringVar(&cfg.allowedHosts, "jwks-allowed-hosts", cfg.allowedHosts, "comma-separated host[:port] list a token's jwks_host may name; * allows any [RELAY_JWKS_ALLOWED_HOSTS]")
	f.DurationVar(&cfg.jwksCacheTTL, "jwks-cache-ttl", cfg.jwksCacheTTL, "cache JWKS without Cache-Control max-age this long; 0 fetches per request like the original [RELAY_JWKS_CACHE_TTL]")
	f.StringVar(&cfg.audience, "audience", cfg.audience, "expected token audience; empty means the request's own scheme://host [VIGIE_RELAY_AUDIENCE]")
	f.StringVar(&cfg.metricsListen, "metrics-listen", cfg.metricsListen, "separate listen address for /metrics; empty disables [VIGIE_RELAY_METRICS_LISTEN]")
	f.DurationVar(&cfg.timeout, "upstream-timeout", cfg.timeout, "timeout of each SecurityTrails call [SECURITYTRAILS_TIMEOUT]")
	f.StringVar(&cfg.tlsCert, "tls-cert", cfg.tlsCert, "serve HTTPS with this certificate (PEM) [VIGIE_RELAY_TLS_CERT]")
	f.StringVar(&cfg.tlsKey, "tls-key", cfg.tlsKey, "private key of --tls-cert (PEM) [VIGIE_RELAY_TLS_KEY]")
	f.StringVar(&cfg.logLevel, "log-level", cfg.logLevel, "debug, info, warn or error [VIGIE_LOG_LEVEL]")
	return cmd
}

// relayServer is the wired relay, ready to serve.
type relayServer struct {
	http    *http.Server
	metrics *http.Server // nil when disabled
	cfg     relayConfig
	logger  *slog.Logger
}

// buildRelay validates cfg and wires the relay; it opens no socket.
func buildRelay(cfg relayConfig, stderr io.Writer) (*relayServer, error) {
	if cfg.envErr != nil {
		return nil, usageErrorf("environment: %v", cfg.envErr)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.logLevel)); err != nil {
		return nil, usageErrorf("--log-level %q: want debug, info, warn or error", cfg.logLevel)
	}
	pacing, err := strconv.ParseBool(cfg.pacing)
	if err != nil {
		return nil, usageErrorf("--pacing / SECURITYTRAILS_PACING %q: want true or false", cfg.pacing)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return nil, usageErrorf("--tls-cert and --tls-key go together")
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})).
		With("component", "relay.securitytrails")

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := relay.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	keys, err := relay.NewJWKS(relay.JWKSOptions{
		AllowedHosts: strings.Split(cfg.allowedHosts, ","),
		CacheTTL:     cfg.jwksCacheTTL,
		Logger:       logger,
		Metrics:      metrics,
	})
	if err != nil {
		return nil, usageErrorf("--jwks-allowed-hosts / RELAY_JWKS_ALLOWED_HOSTS: %v", err)
	}
	auth, err := relay.NewAuthenticator(relay.AuthOptions{Keys: keys, Audience: cfg.audience})
	if err != nil {
		return nil, err
	}
	client, err := securitytrails.New(securitytrails.Options{
		BaseURL:       cfg.apiURL,
		Timeout:       cfg.timeout,
		DisablePacing: !pacing,
		Logger:        logger,
		Registerer:    reg,
	})
	if err != nil {
		return nil, usageErrorf("--api-url / SECURITYTRAILS_API_URL: %v", err)
	}
	mod, err := securitytrails.NewModule(securitytrails.ModuleOptions{
		Client: client, Auth: auth, Logger: logger, Metrics: metrics,
	})
	if err != nil {
		return nil, err
	}
	s := &relayServer{cfg: cfg, logger: logger, http: &http.Server{
		Addr:              cfg.listen,
		Handler:           mod.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// An observe request with many observables and pacing on can
		// take minutes; the write deadline only bounds a stuck client.
		WriteTimeout:   15 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	if cfg.metricsListen != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		s.metrics = &http.Server{Addr: cfg.metricsListen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	}
	return s, nil
}

// runRelaySecurityTrails serves until ctx ends (SIGINT/SIGTERM), then
// drains in-flight requests for up to 20 s.
func runRelaySecurityTrails(ctx context.Context, cfg relayConfig, stderr io.Writer) error {
	s, err := buildRelay(cfg, stderr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("relay: listen on %s: %w", cfg.listen, err)
	}
	return s.serve(ctx, ln)
}

// serve runs the relay (and the metrics listener) on ln until ctx ends.
func (s *relayServer) serve(ctx context.Context, ln net.Listener) error {
	base, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	s.http.BaseContext = func(net.Listener) context.Context { return base }

	errc := make(chan error, 2)
	go func() {
		var err error
		if s.cfg.tlsCert != "" {
			err = s.http.ServeTLS(ln, s.cfg.tlsCert, s.cfg.tlsKey)
		} else {
			err = s.http.Serve(ln)
		}
		errc <- err
	}()
	if s.metrics != nil {
		go func() { errc <- s.metrics.ListenAndServe() }()
	}
	s.logger.Info("relay listening", "addr", ln.Addr().String(), "tls", s.cfg.tlsCert != "",
		"securitytrails", s.cfg.apiURL, "pacing", s.cfg.pacing, "jwks_allowed_hosts", s.cfg.allowedHosts,
		"metrics", s.cfg.metricsListen)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	err := s.http.Shutdown(shutdownCtx)
	cancelBase() // requests still running after the grace period are cancelled
	if s.metrics != nil {
		err = errors.Join(err, s.metrics.Shutdown(shutdownCtx))
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("relay: %w", serveErr)
	}
	s.logger.Info("relay stopped")
	return err
}
