package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// AlertReader reads stored alerts (store.Alerts satisfies it).
type AlertReader interface {
	Alert(ctx context.Context, id string) (store.Alert, error)
	Search(ctx context.Context, req store.SearchRequest) (store.SearchResult, error)
}

// Aggregator computes the aggregated views (store.Alerts satisfies it).
type Aggregator interface {
	GroupBy(ctx context.Context, req store.GroupRequest) ([]store.Group, error)
	Histogram(ctx context.Context, req store.HistogramRequest) (store.Histogram, error)
	Top(ctx context.Context, req store.TopRequest) ([]store.Group, error)
	Stats(ctx context.Context, f store.Filter) (store.Stats, error)
}

// LifecycleUpdater changes and reads the triage lifecycle
// (store.LifecycleStore satisfies it).
type LifecycleUpdater interface {
	UpdateAlerts(ctx context.Context, ids []string, ch store.Change, actor string) (store.UpdateResult, error)
	Comments(ctx context.Context, alertID string) ([]store.Comment, error)
	Audit(ctx context.Context, alertID string) ([]store.AuditEntry, error)
}

// DeadLetterStore lists and deletes dead letters (store.DeadLetters
// satisfies it).
type DeadLetterStore interface {
	DeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]store.DeadLetter, error)
	DeleteDeadLetters(ctx context.Context, ids []int64) (int, error)
}

// SensorLister lists the components that send alerts (store.Sensors
// satisfies it).
type SensorLister interface {
	Sensors(ctx context.Context, f store.SensorFilter) ([]store.SensorInfo, error)
}

// UserDirectory lists and deletes accounts (store.Accounts satisfies it).
// Creating and changing users goes through the auth layer, which hashes
// passwords and checks the policy.
type UserDirectory interface {
	Users(ctx context.Context) ([]store.User, error)
	User(ctx context.Context, name string) (store.User, error)
	DeleteUser(ctx context.Context, name string) error
}

// Authenticator is the HTTP side of the auth layer (*auth.Service
// satisfies it): Middleware puts the request's principal in its context
// (checking the CSRF token of sessions); the login and logout handlers
// manage the session cookie.
type Authenticator interface {
	Middleware(next http.Handler) http.Handler
	LoginHandler() http.Handler
	LogoutHandler() http.Handler
}

// UserManager changes accounts (*auth.Service satisfies it).
type UserManager interface {
	CreateUser(ctx context.Context, name string, role auth.Role, password auth.Secret) (auth.User, error)
	SetPassword(ctx context.Context, name string, password auth.Secret) error
	SetRole(ctx context.Context, name string, role auth.Role) error
	SetDisabled(ctx context.Context, name string, disabled bool) error
}

// TokenManager issues and revokes API tokens (*auth.Service satisfies it).
type TokenManager interface {
	CreateToken(ctx context.Context, by auth.Principal, req auth.TokenRequest) (auth.Secret, auth.Token, error)
	ListTokens(ctx context.Context, by auth.Principal) ([]auth.Token, error)
	RevokeToken(ctx context.Context, by auth.Principal, id string) error
}

// Options configures New. The stores and the auth layer are required;
// other zero values mean the defaults stated.
type Options struct {
	Alerts      AlertReader
	Aggregates  Aggregator
	Lifecycle   LifecycleUpdater
	DeadLetters DeadLetterStore
	Sensors     SensorLister
	Users       UserDirectory
	// Rules serves /api/v1/rules; nil answers 503 (correlation off).
	Rules RuleManager
	// Events lists raw log events; nil: GET /api/v1/events answers 404.
	Events EventReader

	Auth        Authenticator
	UserManager UserManager
	Tokens      TokenManager

	// Logger receives the access log (one line per request, no secrets or
	// query strings) and internal errors; nil discards.
	Logger *slog.Logger
	// Registerer receives the vigie_api_* metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// Gatherer is what /metrics serves; nil serves no /metrics route.
	Gatherer prometheus.Gatherer
	// MetricsRequireAuth makes /metrics ask for credentials allowed
	// metrics:read (config metrics.require_auth). Off by default:
	// Prometheus scrapers usually cannot log in, and the metrics hold
	// counts, not alert data.
	MetricsRequireAuth bool
	// Ready reports whether the server can serve (store open, bus
	// connected…); /readyz answers 503 with its error. Nil: always ready.
	Ready func(ctx context.Context) error

	// MaxBodyBytes bounds JSON request bodies; 0 means 1 MiB.
	MaxBodyBytes int64
	// MaxBulk bounds the alerts one bulk update may change; 0 means 10000.
	MaxBulk int
	// Now is the clock for relative times (from=-24h); nil means time.Now.
	Now func() time.Time
}

// API is the REST API. It is an http.Handler serving /api/…, /healthz,
// /readyz and /metrics; safe for concurrent use.
type API struct {
	opts    Options
	log     *slog.Logger
	metrics *metrics
	mux     *http.ServeMux
	handler http.Handler
	routes  []route
	// promHandler serves /metrics when Options.Gatherer is set.
	promHandler http.Handler
}

// New checks opts and builds the API.
func New(opts Options) (*API, error) {
	if opts.Alerts == nil || opts.Aggregates == nil || opts.Lifecycle == nil || opts.DeadLetters == nil ||
		opts.Sensors == nil || opts.Users == nil {
		return nil, errors.New("api: Alerts, Aggregates, Lifecycle, DeadLetters, Sensors and Users are required")
	}
	if opts.Auth == nil || opts.UserManager == nil || opts.Tokens == nil {
		return nil, errors.New("api: Auth, UserManager and Tokens are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxBulk <= 0 {
		opts.MaxBulk = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	a := &API{opts: opts, log: opts.Logger, metrics: m, mux: http.NewServeMux()}
	if opts.Gatherer != nil {
		a.promHandler = promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{})
	}
	a.routes = a.routeTable()
	for _, rt := range a.routes {
		a.mux.Handle(rt.method+" "+rt.path, a.wrap(rt))
	}
	a.handler = a.observe(http.HandlerFunc(a.dispatch))
	return a, nil
}

// ServeHTTP serves the API.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// WriteAuthError renders the auth layer's errors in the API's error
// envelope. Pass it as auth.Options.WriteError, so that a 401 from the
// auth middleware looks like any other API error.
func WriteAuthError(w http.ResponseWriter, r *http.Request, e *auth.HTTPError) {
	for _, c := range e.Challenges {
		w.Header().Add("WWW-Authenticate", c)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", retryAfter(e.RetryAfter))
	}
	writeError(w, r, &Error{Status: e.Status, Code: e.Code, Message: e.Message})
}

// now is the API's clock.
func (a *API) now() time.Time { return a.opts.Now() }

// dispatch routes a request, answering in the API's error envelope when
// no route takes it: 404, or 405 with Allow when the path exists with
// other methods.
func (a *API) dispatch(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := a.mux.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, r, errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed,
			"method %s not allowed on this path (allowed: %s)", r.Method, strings.Join(allowed, ", ")))
		return
	}
	writeError(w, r, errorf(http.StatusNotFound, CodeNotFound, "no such route; see /api/openapi.json"))
}

// retryAfter formats a Retry-After value in whole seconds, rounded up.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
