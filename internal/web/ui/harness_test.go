package ui

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/alertgen"
	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/auth/authstore"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
	"github.com/vigie-siem/vigie/internal/web/api"
)

// Accounts of the fixture.
const (
	adminPassword   = "bootstrap-admin-secret"
	analystPassword = "analyst-secret-pass"
	viewerPassword  = "viewer-secret-pass"
)

// fixture is the UI and the REST API on one real HTTP server over a real
// SQLite store and the real auth layer, with seeded alerts.
type fixture struct {
	t     testing.TB
	store *sqlite.Store
	auth  *auth.Service
	ui    *UI
	srv   *httptest.Server
	// Special alerts: one with an enrichment attachment, one correlating
	// others, one camera alert with an image.
	enriched, correlation, camera string
	correlated                    []string
	// logAlert was produced from a log line: its originating raw event
	// (logOrigin, whose AlertID names it) and neighbours are stored.
	logAlert  string
	logOrigin int64
}

// geoSpots decorate some sources with locations, for the map.
var geoSpots = []struct{ geo, unloc string }{
	{"48.8566, 2.3522", "FR PAR"}, {"52.52, 13.405", "DE BER"}, {"40.7128, -74.006", "US NYC"},
	{"35.6762, 139.6503", "JP TYO"}, {"-23.5505, -46.6333", "BR SAO"}, {"55.7558, 37.6173", "RU MOW"},
}

func newFixture(t testing.TB, n int, rules RuleCatalog) *fixture {
	t.Helper()
	ctx := context.Background()
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
		WriteError: api.WriteAuthError,
	})
	if err != nil {
		t.Fatalf("auth: %v", err)
	}
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
	f := &fixture{t: t, store: st, auth: svc}
	f.seed(max(n, 10))
	f.seedEvents()
	f.ui, err = New(Options{Alerts: st, Lifecycle: st, Ops: st, Auth: svc, Rules: rules, Events: st})
	if err != nil {
		t.Fatalf("ui: %v", err)
	}
	a, err := api.New(api.Options{Alerts: st, Aggregates: st, Lifecycle: st, DeadLetters: st, Sensors: st, Users: st,
		Auth: svc, UserManager: svc, Tokens: svc})
	if err != nil {
		t.Fatalf("api: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", a)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.ui.ServeHTTP(w, r) }))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// seed stores n generated alerts spread over the last 72 hours, with
// locations on some sources, an enriched alert and a correlation alert.
func (f *fixture) seed(n int) {
	f.t.Helper()
	step := 72 * time.Hour / time.Duration(n+1)
	clock := time.Now().Add(-72 * time.Hour)
	g, err := alertgen.New(alertgen.Options{Seed: 7, Now: func() time.Time { clock = clock.Add(step); return clock }})
	if err != nil {
		f.t.Fatal(err)
	}
	alerts := make([]*idmefv2.Alert, 0, n+1)
	for i := range n {
		a := g.Next()
		if len(a.Source) > 0 && a.Source[0].IP != "" && i%5 == 0 {
			s := geoSpots[i%len(geoSpots)]
			a.Source[0].GeoLocation, a.Source[0].UnLocation = s.geo, s.unloc
		}
		if f.camera == "" {
			for _, at := range a.Attachment {
				if strings.HasPrefix(at.ContentType, "image/") {
					f.camera = a.ID
				}
			}
		}
		alerts = append(alerts, a)
	}
	// The newest alert with a source IP gets an enrichment attachment.
	for i := len(alerts) - 1; i >= 0; i-- {
		a := alerts[i]
		if len(a.Source) == 0 || a.Source[0].IP == "" {
			continue
		}
		content, _ := json.Marshal(map[string]any{
			"source": map[string]any{"ip": a.Source[0].IP, "country": "FR", "asn": 64500, "reputation": "malicious", "ti": []string{"feed-a", "feed-b"}},
		})
		a.Attachment = append(a.Attachment, idmefv2.Attachment{Name: "enrichment", ContentType: "application/json", ContentEncoding: "base64",
			Content: json.RawMessage(`"` + base64.StdEncoding.EncodeToString(content) + `"`)})
		f.enriched = a.ID
		break
	}
	// A correlation alert naming the three newest alerts.
	corr := g.Next()
	for _, a := range alerts[len(alerts)-3:] {
		corr.CorrelID = append(corr.CorrelID, a.ID)
		f.correlated = append(f.correlated, a.ID)
	}
	corr.Description = "Correlated: repeated activity from one source"
	alerts = append(alerts, corr)
	f.correlation = corr.ID
	for _, a := range alerts {
		if rep := a.Validate(); !rep.Valid() {
			f.t.Fatalf("seeded alert %s is not valid V08: %v", a.ID, rep.Errors())
		}
	}
	if _, err := f.store.PutAlerts(context.Background(), alerts); err != nil {
		f.t.Fatalf("seed: %v", err)
	}
}

// client is a browser-like client: a cookie jar, the CSRF token of its
// session, and the Origin header of the UI.
type client struct {
	f    *fixture
	hc   *http.Client
	csrf string
}

// login logs in through the form and reads the CSRF token from a page.
func (f *fixture) login(user, pw string) *client {
	f.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{f: f, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	res, body := c.post("/login", url.Values{"username": {user}, "password": {pw}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="csrf-token"`) {
		f.t.Fatalf("login %s: %d\n%s", user, res.StatusCode, cut(body, 500))
	}
	i := strings.Index(body, `name="csrf-token" content="`)
	rest := body[i+len(`name="csrf-token" content="`):]
	c.csrf = rest[:strings.IndexByte(rest, '"')]
	return c
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.f.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodGet, c.f.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form from the UI's origin, with the session's CSRF token.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	if c.csrf != "" {
		form.Set("csrf_token", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.f.srv.URL)
	return c.do(req)
}

// Raw events of the fixture.
const (
	fillerEvents = 150 // firewall lines over the last hour: two pages
	xssMessage   = `<script>alert(1)</script><img src=x onerror="alert(2)"> sshd`
	originRule   = "ssh-failed-password"
)

// seedEvents stores raw log events: firewall lines, an attacker-controlled
// line with HTML, and around logAlert (an alert with a source IP, not the
// enriched one) the line that produced it, a neighbour 2 minutes earlier
// naming its source IP, one 30 minutes earlier and one on another host.
func (f *fixture) seedEvents() {
	f.t.Helper()
	ctx := context.Background()
	res, err := f.store.Search(ctx, store.SearchRequest{Filter: store.Filter{Query: "Source.IP = 0.0.0.0/0", To: time.Now().Add(-2 * time.Hour)}, Limit: 10})
	if err != nil {
		f.t.Fatalf("seed events: find an alert with a source IP: %v", err)
	}
	var a store.Alert
	for _, x := range res.Alerts {
		if x.ID != f.enriched && x.ID != f.correlation && !slices.Contains(f.correlated, x.ID) {
			a = x
			break
		}
	}
	if a.ID == "" {
		f.t.Fatal("seed events: no alert with a source IP older than 2 hours")
	}
	f.logAlert = a.ID
	doc := decode(a)
	ip := doc.Source[0].IP
	at := a.CreateTime
	now := time.Now()
	var evs []store.Event
	for i := range fillerEvents {
		t := now.Add(-time.Duration(i+1) * 20 * time.Second)
		evs = append(evs, store.Event{Time: t, Received: t, Input: "syslog/udp", Peer: "192.0.2.1:514", Host: "fw-01", App: "kernel",
			Facility: 0, Severity: 4, Message: "DROP IN=eth0 SRC=198.51.100." + strconv.Itoa(i%250) + " DST=192.0.2.10 PROTO=TCP DPT=23"})
	}
	evs = append(evs,
		store.Event{Time: now.Add(-30 * time.Second), Input: "file:/var/log/auth.log", Host: "<b>evil-host</b>", App: "sshd", Facility: 4, Severity: 6, Message: xssMessage},
		store.Event{Time: at.Add(-30 * time.Minute), Input: "syslog/tcp", Host: "bastion", App: "sshd", Facility: 4, Severity: 6,
			Message: "Connection from " + ip + " port 50022 on 192.0.2.5 port 22"},
		store.Event{Time: at.Add(-2 * time.Minute), Input: "syslog/tcp", Host: "bastion", App: "sshd", Facility: 4, Severity: 6,
			Message: "Invalid user oracle from " + ip + " port 50100"},
		store.Event{Time: at.Add(-time.Minute), Input: "syslog/tcp", Host: "printer-9", App: "lpd", Facility: 6, Severity: 6,
			Message: "queue flushed"},
	)
	evs = append(evs, store.Event{Time: at, Input: "file:/var/log/auth.log", Host: "auth-logger", App: "sshd", Facility: 4, Severity: 5,
		Message: "Failed password for root from " + ip + " port 50122 ssh2", RuleID: originRule, AlertID: "other-alert," + a.ID})
	if err := f.store.PutEvents(ctx, evs); err != nil {
		f.t.Fatalf("seed events: %v", err)
	}
	page, err := f.store.Events(ctx, store.EventFilter{Text: "Failed password", Limit: 1})
	if err != nil || len(page.Events) != 1 {
		f.t.Fatalf("seed events: read back the origin: %v", err)
	}
	f.logOrigin = page.Events[0].ID
}
