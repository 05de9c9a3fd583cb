package ui

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// AlertReader reads stored alerts (store.Alerts satisfies it).
type AlertReader interface {
	Alert(ctx context.Context, id string) (store.Alert, error)
	Search(ctx context.Context, req store.SearchRequest) (store.SearchResult, error)
	GroupBy(ctx context.Context, req store.GroupRequest) ([]store.Group, error)
	Histogram(ctx context.Context, req store.HistogramRequest) (store.Histogram, error)
	Top(ctx context.Context, req store.TopRequest) ([]store.Group, error)
	Stats(ctx context.Context, f store.Filter) (store.Stats, error)
}

// Lifecycle changes and reads the triage lifecycle (store.LifecycleStore
// satisfies it).
type Lifecycle interface {
	UpdateAlerts(ctx context.Context, ids []string, ch store.Change, actor string) (store.UpdateResult, error)
	Comments(ctx context.Context, alertID string) ([]store.Comment, error)
	Audit(ctx context.Context, alertID string) ([]store.AuditEntry, error)
}

// Operations lists what the admin pages show (the SQLite store satisfies
// it).
type Operations interface {
	DeadLetters(ctx context.Context, f store.DeadLetterFilter) ([]store.DeadLetter, error)
	Sensors(ctx context.Context, f store.SensorFilter) ([]store.SensorInfo, error)
	Users(ctx context.Context) ([]store.User, error)
}

// Authenticator is the auth layer as the UI uses it (*auth.Service
// satisfies it).
type Authenticator interface {
	Middleware(next http.Handler) http.Handler
	Login(ctx context.Context, req auth.LoginRequest) (auth.LoginResult, error)
	SetSessionCookie(w http.ResponseWriter, r *http.Request, res auth.LoginResult)
	LogoutHandler() http.Handler
	ClientIP(r *http.Request) string
	CreateUser(ctx context.Context, name string, role auth.Role, password auth.Secret) (auth.User, error)
	SetRole(ctx context.Context, name string, role auth.Role) error
	SetDisabled(ctx context.Context, name string, disabled bool) error
	CreateToken(ctx context.Context, by auth.Principal, req auth.TokenRequest) (auth.Secret, auth.Token, error)
	ListTokens(ctx context.Context, by auth.Principal) ([]auth.Token, error)
	RevokeToken(ctx context.Context, by auth.Principal, id string) error
}

// RuleInfo is one correlation rule as the rules page shows it.
type RuleInfo struct {
	ID          string
	Name        string
	Description string
	Enabled     bool
	// Firings counts the rule's alerts since the engine started.
	Firings   int64
	LastFired time.Time
}

// RuleCatalog lists and switches correlation rules; the correlation
// engine satisfies it. Nil means correlation is not enabled.
type RuleCatalog interface {
	Rules(ctx context.Context) ([]RuleInfo, error)
	SetRuleEnabled(ctx context.Context, id string, on bool) error
}

// Options configures New. Alerts, Lifecycle, Ops and Auth are required.
type Options struct {
	Alerts    AlertReader
	Lifecycle Lifecycle
	Ops       Operations
	Auth      Authenticator
	// Rules is the correlation engine's catalog; nil: the rules page says
	// correlation is not enabled.
	Rules RuleCatalog
	// Events is the raw log event store; nil: the events page says raw
	// events are not available.
	Events EventReader
	// TLS makes the UI send Strict-Transport-Security.
	TLS bool
	// Logger receives internal errors; nil discards.
	Logger *slog.Logger
	// Now is the clock for relative time ranges; nil means time.Now.
	Now func() time.Time
	// OfflineAfter is how long a silent sensor stays online; 0 means 10 minutes.
	OfflineAfter time.Duration
}

// UI is the web interface, an http.Handler for / and /static/.
type UI struct {
	opts    Options
	log     *slog.Logger
	assets  *assets
	handler http.Handler
}

// New checks opts and builds the UI.
func New(opts Options) (*UI, error) {
	if opts.Alerts == nil || opts.Lifecycle == nil || opts.Ops == nil || opts.Auth == nil {
		return nil, errors.New("ui: Alerts, Lifecycle, Ops and Auth are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	u := &UI{opts: opts, log: opts.Logger, assets: as}
	u.handler = u.securityHeaders(u.routes())
	return u, nil
}

// ServeHTTP serves the UI.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.handler.ServeHTTP(w, r) }
