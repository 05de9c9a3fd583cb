package securitytrails

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-siem/vigie/internal/relay"
)

// Version is the relay version /version reports: the original's, since
// Threat Response tenants may key on it.
const Version = "2.0.5"

// DefaultMaxBodyBytes bounds an observe/refer request body.
const DefaultMaxBodyBytes = 4 << 20

// ModuleOptions configures a [Module].
type ModuleOptions struct {
	// Client calls SecurityTrails; required.
	Client *Client
	// Auth checks bearer tokens on /health and /observe; required.
	Auth *relay.Authenticator
	// Logger receives request-level events; nil discards. Neither the
	// token nor the API key is ever logged.
	Logger *slog.Logger
	// Metrics, when set, instruments the router (see relay.NewMetrics).
	Metrics *relay.Metrics
	// MaxBodyBytes bounds request bodies. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now and NewID make sightings reproducible in tests; nil means the
	// clock and random transient ids.
	Now   func() time.Time
	NewID func() string
}

// Module is the SecurityTrails Threat Response relay module.
type Module struct {
	client  *Client
	auth    *relay.Authenticator
	logger  *slog.Logger
	maxBody int64
	now     func() time.Time
	newID   func() string
	mux     *relay.Mux
}

// NewModule validates opts and builds the module and its routes.
func NewModule(opts ModuleOptions) (*Module, error) {
	if opts.Client == nil || opts.Auth == nil {
		return nil, errors.New("securitytrails: ModuleOptions.Client and .Auth are required")
	}
	m := &Module{
		client:  opts.Client,
		auth:    opts.Auth,
		logger:  opts.Logger,
		maxBody: opts.MaxBodyBytes,
		now:     opts.Now,
		newID:   opts.NewID,
	}
	if m.logger == nil {
		m.logger = slog.New(slog.DiscardHandler)
	}
	if m.maxBody <= 0 {
		m.maxBody = DefaultMaxBodyBytes
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.newID == nil {
		m.newID = func() string { return relay.TransientID("sighting") }
	}
	m.mux = relay.NewMux(relay.MuxOptions{Logger: m.logger, Metrics: opts.Metrics})
	m.mux.Handle(http.MethodPost, "/health", m.auth.Middleware(http.HandlerFunc(m.health)))
	m.mux.Handle(http.MethodPost, "/observe/observables", m.auth.Middleware(http.HandlerFunc(m.observe)))
	m.mux.HandleFunc(http.MethodPost, "/refer/observables", m.refer)
	m.mux.HandleFunc(http.MethodPost, "/version", m.version)
	m.mux.HandleFunc(http.MethodGet, "/watchdog", m.watchdog)
	return m, nil
}

// Handler returns the relay's HTTP handler.
func (m *Module) Handler() http.Handler { return m.mux }

// health checks the token and the API key against SecurityTrails.
func (m *Module) health(w http.ResponseWriter, r *http.Request) {
	claims, _ := relay.ClaimsFrom(r.Context())
	s, e := settingsFrom(claims)
	if e != nil {
		relay.WriteErrors(w, e)
		return
	}
	if err := m.client.Ping(r.Context(), s.key); err != nil {
		m.logUpstream(r, err)
		relay.WriteErrors(w, trError(err))
		return
	}
	relay.WriteData(w, map[string]string{"status": "ok"})
}

// refer answers the SecurityTrails UI links of the observables; it needs
// no authentication.
func (m *Module) refer(w http.ResponseWriter, r *http.Request) {
	observables, e := m.readObservables(r)
	if e != nil {
		relay.WriteErrors(w, e)
		return
	}
	relay.WriteData(w, references(observables))
}

func (m *Module) version(w http.ResponseWriter, _ *http.Request) {
	relay.WriteJSON(w, http.StatusOK, map[string]string{"version": Version})
}

// watchdog echoes the Health-Check header, which a load balancer sets.
func (m *Module) watchdog(w http.ResponseWriter, r *http.Request) {
	v, ok := r.Header["Health-Check"]
	if !ok {
		relay.WriteErrors(w, relay.Fatal(relay.CodeHealthCheckFailed, "Invalid Health Check"))
		return
	}
	relay.WriteData(w, v[0])
}

// readObservables reads and validates the body (SPEC §4).
func (m *Module) readObservables(r *http.Request) ([]relay.Observable, *relay.Error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, m.maxBody+1))
	if err != nil {
		body = nil // an unreadable body counts as no JSON
	}
	if int64(len(body)) > m.maxBody {
		return nil, relay.Fatal(relay.CodeInvalidArgument, relay.InvalidPayloadPrefix+
			`{"_schema": ["Request body is larger than `+strconv.FormatInt(m.maxBody, 10)+` bytes."]}`)
	}
	return relay.ParseObservables(body)
}

// logUpstream records a failed SecurityTrails exchange (never the key).
func (m *Module) logUpstream(r *http.Request, err error) {
	m.logger.LogAttrs(r.Context(), slog.LevelInfo, "securitytrails call failed",
		slog.String("route", r.URL.Path), slog.String("err", err.Error()))
}
