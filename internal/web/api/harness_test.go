package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/auth/authstore"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

// Credentials of the fixture's accounts.
const (
	adminPassword   = "bootstrap-admin-secret"
	analystPassword = "analyst-secret-pass"
	viewerPassword  = "viewer-secret-pass"
)

// base is the fixed "now" of fixtures: alerts are created in the 24 hours
// before it.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is the API over a real SQLite store and the real auth layer,
// with users of every role, tokens, and generated alerts.
type fixture struct {
	t      testing.TB
	store  *sqlite.Store
	auth   *auth.Service
	api    *API
	reg    *prometheus.Registry
	alerts []*idmefv2.Alert
	// creds maps a credential name to the headers that present it.
	creds map[string]http.Header
	ready error
}

type fixtureOptions struct {
	alerts      int
	metricsAuth bool
	rules       RuleManager
}

func newFixture(t testing.TB, o fixtureOptions) *fixture {
	t.Helper()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	as, err := authstore.New(st)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Options{
		Users: as, Tokens: as, Sessions: as,
		Argon2:     auth.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1}, // fast for tests
		WriteError: WriteAuthError,
	})
	if err != nil {
		t.Fatalf("auth: %v", err)
	}
	f := &fixture{t: t, store: st, auth: svc, reg: prometheus.NewRegistry(), creds: map[string]http.Header{"anon": {}}}
	if _, err := svc.Bootstrap(ctx, auth.BootstrapOptions{Password: adminPassword}); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	for _, u := range []struct {
		name string
		role auth.Role
		pw   string
	}{{"ana", auth.RoleAnalyst, analystPassword}, {"vic", auth.RoleViewer, viewerPassword}} {
		if _, err := svc.CreateUser(ctx, u.name, u.role, auth.Secret(u.pw)); err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
	}
	f.creds["admin"] = basic("admin", adminPassword)
	f.creds["analyst"] = basic("ana", analystPassword)
	f.creds["viewer"] = basic("vic", viewerPassword)
	f.creds["bad-password"] = basic("admin", "not-the-password")
	anaTok, _, err := svc.CreateToken(ctx, auth.Principal{Name: "ana", Role: auth.RoleAnalyst, Kind: auth.KindBasic},
		auth.TokenRequest{Name: "ana-script", Role: auth.RoleAnalyst})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	f.creds["analyst-token"] = http.Header{"Authorization": {"Bearer " + anaTok.Reveal()}}
	sensorTok, _, err := svc.CreateToken(ctx, auth.Principal{Name: "admin", Role: auth.RoleAdmin, Kind: auth.KindBasic},
		auth.TokenRequest{Name: "ids-1", Role: auth.RoleSensor, Sensor: "ids-1"})
	if err != nil {
		t.Fatalf("create sensor token: %v", err)
	}
	f.creds["sensor-token"] = http.Header{"Authorization": {"Bearer " + sensorTok.Reveal()}}

	f.api, err = New(Options{
		Alerts: st, Aggregates: st, Lifecycle: st, DeadLetters: st, Sensors: st, Users: st, Events: st,
		Auth: svc, UserManager: svc, Tokens: svc,
		Registerer: f.reg, Gatherer: f.reg, MetricsRequireAuth: o.metricsAuth, Rules: o.rules,
		Ready: func(ctx context.Context) error { return f.ready },
		Now:   func() time.Time { return base },
	})
	if err != nil {
		t.Fatalf("api: %v", err)
	}
	f.putAlerts(o.alerts)
	return f
}

func basic(user, pw string) http.Header {
	r, _ := http.NewRequest("GET", "/", nil)
	r.SetBasicAuth(user, pw)
	return http.Header{"Authorization": r.Header["Authorization"]}
}

// putAlerts stores n generated alerts, one a minute up to base.
func (f *fixture) putAlerts(n int) {
	f.t.Helper()
	if n == 0 {
		return
	}
	clock := base.Add(-time.Duration(n) * time.Minute)
	g, err := alertgen.New(alertgen.Options{Seed: 1, Now: func() time.Time { clock = clock.Add(time.Minute); return clock }})
	if err != nil {
		f.t.Fatal(err)
	}
	batch := make([]*idmefv2.Alert, 0, 1000)
	for range n {
		batch = append(batch, g.Next())
		if len(batch) == cap(batch) {
			f.put(batch)
			batch = batch[:0]
		}
	}
	f.put(batch)
}

func (f *fixture) put(batch []*idmefv2.Alert) {
	if len(batch) == 0 {
		return
	}
	if _, err := f.store.PutAlerts(f.t.Context(), batch); err != nil {
		f.t.Fatalf("put alerts: %v", err)
	}
	if len(f.alerts) < 10000 {
		f.alerts = append(f.alerts, batch...)
	}
}

// login starts a session as user and returns the headers that present it
// (cookie and CSRF token).
func (f *fixture) login(user, pw string) http.Header {
	f.t.Helper()
	rec := f.do("POST", "/api/v1/login", nil, `{"username":"`+user+`","password":"`+pw+`"}`)
	if rec.Code != http.StatusOK {
		f.t.Fatalf("login %s: %d %s", user, rec.Code, rec.Body)
	}
	var s struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		f.t.Fatal(err)
	}
	h := http.Header{"X-Csrf-Token": {s.CSRF}}
	for _, c := range rec.Result().Cookies() {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}

// do serves one request.
func (f *fixture) do(method, target string, h http.Header, body string) *httptest.ResponseRecorder {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.RemoteAddr = "192.0.2.10:40000"
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range h {
		r.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	f.api.ServeHTTP(rec, r)
	return rec
}

// scenario is one HTTP exchange and what must come of it, in the manner of
// PocketBase's ApiScenario.
type scenario struct {
	name   string
	method string
	path   string
	as     string // a key of fixture.creds, or "" for anon
	body   string
	header http.Header // extra headers (Content-Type overrides)
	// want
	status int
	code   string                                      // error code, for error statuses
	check  func(t *testing.T, f *fixture, body []byte) // further JSON assertions
}

func (f *fixture) run(t *testing.T, sc scenario) []byte {
	t.Helper()
	h := http.Header{}
	for k, vs := range f.creds[sc.as] {
		h[k] = vs
	}
	for k, vs := range sc.header {
		h[k] = vs
	}
	rec := f.do(sc.method, sc.path, h, sc.body)
	body := rec.Body.Bytes()
	if rec.Code != sc.status {
		t.Fatalf("%s %s as %q: status %d, want %d; body: %s", sc.method, sc.path, sc.as, rec.Code, sc.status, body)
	}
	checkHeaders(t, rec)
	if rec.Code >= 400 {
		var e envelope
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("error body is not the envelope: %v: %s", err, body)
		}
		if e.Error.Code != sc.code || e.Error.Message == "" {
			t.Fatalf("error code %q (message %q), want code %q", e.Error.Code, e.Error.Message, sc.code)
		}
	}
	f.validate(t, sc.method, sc.path, rec)
	if sc.check != nil {
		sc.check(t, f, body)
	}
	return body
}

// checkHeaders asserts the headers every response must carry.
func checkHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP %q is not strict", h.Get("Content-Security-Policy"))
	}
	if !validRequestID(h.Get(RequestIDHeader)) {
		t.Errorf("no request ID")
	}
	if rec.Code == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		t.Errorf("401 without WWW-Authenticate")
	}
}

// validate checks a JSON response against the schema the OpenAPI document
// gives for its route and status; an undocumented status fails.
func (f *fixture) validate(t *testing.T, method, target string, rec *httptest.ResponseRecorder) {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	_, pattern := f.api.mux.Handler(r)
	if pattern == "" {
		return // 404/405 of unknown routes: the envelope was checked
	}
	_, path, _ := strings.Cut(pattern, " ")
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		return
	}
	sch, err := responseSchema(path, strings.ToLower(method), rec.Code)
	if err != nil {
		t.Fatalf("%s %s → %d: %v", method, path, rec.Code, err)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("%s %s → %d: response does not match the OpenAPI document: %v\nbody: %s", method, path, rec.Code, err, rec.Body)
	}
}

var (
	schemaOnce     sync.Once
	schemaCompiler *jsonschema.Compiler
	schemaErr      error
	schemaMu       sync.Mutex
	schemaCache    = map[string]*jsonschema.Schema{}
)

const docURL = "mem:///openapi.json"

// responseSchema compiles the schema of one documented response.
func responseSchema(path, method string, status int) (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAPIDocument))
		if err != nil {
			schemaErr = err
			return
		}
		schemaCompiler = jsonschema.NewCompiler()
		schemaErr = schemaCompiler.AddResource(docURL, doc)
	})
	if schemaErr != nil {
		return nil, schemaErr
	}
	ptr := "/paths/" + escape(path) + "/" + method + "/responses/" + itoa(status)
	resp, err := lookup(ptr)
	if err != nil {
		return nil, err
	}
	if ref, ok := resp["$ref"].(string); ok {
		ptr = strings.TrimPrefix(ref, "#")
	}
	ptr += "/content/application~1json/schema"
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if s, ok := schemaCache[ptr]; ok {
		return s, nil
	}
	s, err := schemaCompiler.Compile(docURL + "#" + ptr)
	if err != nil {
		return nil, err
	}
	schemaCache[ptr] = s
	return s, nil
}

// lookup returns the object at a JSON pointer of the document.
func lookup(ptr string) (map[string]any, error) {
	var doc any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		return nil, err
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, errNotDocumented(ptr)
		}
		if doc, ok = m[tok]; !ok {
			return nil, errNotDocumented(ptr)
		}
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errNotDocumented(ptr)
	}
	return m, nil
}

type errNotDocumented string

func (e errNotDocumented) Error() string { return "not in the OpenAPI document: " + string(e) }

func escape(p string) string { return strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1") }

func itoa(n int) string { return strconv.Itoa(n) }

// decode unmarshals a response body or fails the test.
func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, body)
	}
	return v
}
