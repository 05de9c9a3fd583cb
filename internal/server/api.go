package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/auth/authstore"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
	"github.com/vigie-siem/vigie/internal/web/api"
	"github.com/vigie-siem/vigie/internal/web/ui"
)

// newAuth builds the auth layer over the store's accounts.
func newAuth(cfg *config.Config, st *sqlite.Store, log *slog.Logger, reg prometheus.Registerer) (*auth.Service, error) {
	as, err := authstore.New(st)
	if err != nil {
		return nil, err
	}
	proxies, err := config.ParseTrustedProxies(cfg.HTTP.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("http.trusted_proxies: %w", err)
	}
	svc, err := auth.New(auth.Options{
		Users: as, Tokens: as, Sessions: as,
		Argon2: auth.Params{
			Memory:      uint32(cfg.Auth.Argon2.Memory / 1024),
			Iterations:  uint32(cfg.Auth.Argon2.Iterations),
			Parallelism: uint8(cfg.Auth.Argon2.Parallelism),
		},
		Policy:           auth.Policy{MinLength: cfg.Auth.PasswordMinLength},
		SessionLifetime:  cfg.HTTP.Session.Lifetime.Std(),
		IdleTimeout:      cfg.HTTP.Session.IdleTimeout.Std(),
		CookieSecure:     auth.CookieSecure(cfg.HTTP.Session.CookieSecure),
		TrustedProxies:   proxies,
		Lockout:          auth.LockoutOptions{MaxFailures: cfg.Auth.Login.MaxFailures, Window: cfg.Auth.Login.Window.Std(), Duration: cfg.Auth.Login.Lockout.Std()},
		TokenMaxLifetime: cfg.Auth.TokenMaxLifetime.Std(),
		WriteError:       api.WriteAuthError,
		Logger:           log,
		Registerer:       reg,
	})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return svc, nil
}

// buildAPI builds the REST API and binds its listener.
func (s *Server) buildAPI() error {
	a, err := api.New(api.Options{
		Alerts: s.store, Aggregates: s.store, Lifecycle: s.store, DeadLetters: s.store, Sensors: s.store, Users: s.store, Events: s.store,
		Auth: s.auth, UserManager: s.auth, Tokens: s.auth, Rules: s.ruleAPI(),
		Logger:             s.component("api"),
		Registerer:         s.reg,
		Gatherer:           s.reg,
		MetricsRequireAuth: s.cfg.Metrics.RequireAuth,
		Ready:              s.readiness,
	})
	if err != nil {
		return err
	}
	tlsCfg, err := serverTLS(s.cfg.HTTP.TLS)
	if err != nil {
		return err
	}
	web, err := ui.New(ui.Options{
		Alerts: s.store, Lifecycle: s.store, Ops: s.store, Auth: s.auth,
		TLS: tlsCfg != nil, Logger: s.component("ui"),
		Rules: s.ruleCatalog(), Events: s.store,
	})
	if err != nil {
		return err
	}
	if s.apiLn, err = listen(s.cfg.HTTP.Addr, tlsCfg); err != nil {
		return err
	}
	s.apiSrv = transport.NewServer(withUI(a, web), transport.ServerOptions{TLS: tlsCfg, Logger: s.component("api")})
	return nil
}

// withUI serves the REST API under /api/, /healthz, /readyz and /metrics,
// and the web UI everywhere else.
func withUI(a, web http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, a)
	}
	mux.Handle("/", web)
	return mux
}

// errNotReady is /readyz's answer while starting and stopping.
var errNotReady = errors.New("vigie is starting or stopping")

func (s *Server) readiness(context.Context) error {
	if !s.ready.Load() {
		return errNotReady
	}
	return nil
}
