package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/internal/store"
)

// noRedirect makes a client return redirects instead of following them.
func noRedirect(c *client) *client {
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func TestLoginFlow(t *testing.T) {
	f := newFixture(t, 20, nil)
	anon := noRedirect(&client{f: f, hc: &http.Client{}})
	res, _ := anon.get("/alerts?q=x")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next="+url.QueryEscape("/alerts?q=x") {
		t.Fatalf("anonymous /alerts: %d %q, want 303 to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	res, body := anon.post("/login", url.Values{"username": {"admin"}, "password": {"wrong-password"}})
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "wrong user name or password") {
		t.Fatalf("bad password: %d", res.StatusCode)
	}
	// A form posted from another site must not log the browser in.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/login", strings.NewReader(url.Values{"username": {"admin"}, "password": {adminPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, _ = anon.do(req)
	if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
		t.Fatalf("cross-site login: %d, cookies %v; want 403 and no cookie", res.StatusCode, res.Cookies())
	}
	res, _ = anon.post("/login", url.Values{"username": {"admin"}, "password": {adminPassword}, "next": {"//evil.example/x"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/alerts" || len(res.Cookies()) == 0 {
		t.Fatalf("login: %d to %q; want 303 to /alerts (not off-site) with a cookie", res.StatusCode, res.Header.Get("Location"))
	}
	// Logging out ends the session.
	c := noRedirect(f.login("ana", analystPassword))
	res, _ = c.post("/logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ = c.get("/alerts"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout /alerts: %d, want a redirect to the login page", res.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/alerts", "/groups?by=Category": "/groups?by=Category", "//evil.example": "/alerts",
		"/\\evil.example": "/alerts", "https://evil.example/": "/alerts", "javascript:alert(1)": "/alerts",
		// Browsers drop tabs and newlines from URLs, and read a backslash
		// as a slash: each of these would be //evil.example.
		"/\t/evil.example": "/alerts", "/\n/evil.example": "/alerts", "/\r\n/evil.example": "/alerts",
		"\t//evil.example": "/alerts", "/\t\\evil.example": "/alerts",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t, 5, nil)
	c := f.login("vic", viewerPassword)
	for _, p := range []string{"/login", "/alerts", "/dashboard"} {
		res, _ := c.get(p)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin", "Cache-Control": "no-store"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", p, k, h.Get(k), v)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", p)
		}
	}
	u, err := New(Options{Alerts: f.store, Lifecycle: f.store, Ops: f.store, Auth: f.auth, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := &discardWriter{header: http.Header{}}
	u.ServeHTTP(rec, mustRequest(t, "/login"))
	if !strings.HasPrefix(rec.header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("TLS: no HSTS header")
	}
}

func mustRequest(t *testing.T, path string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, "http://vigie.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRolesEnforced(t *testing.T) {
	f := newFixture(t, 50, nil)
	ctx := context.Background()
	viewer, analyst, admin := f.login("vic", viewerPassword), f.login("ana", analystPassword), f.login("admin", adminPassword)
	id := f.enriched

	// The viewer sees the alert but no triage form, and cannot triage.
	res, body := viewer.get("/alerts/" + id)
	if res.StatusCode != http.StatusOK || strings.Contains(body, `id="triage-form"`) || strings.Contains(body, `id="bulk"`) {
		t.Fatalf("viewer detail: %d, triage form shown: %v", res.StatusCode, strings.Contains(body, `id="triage-form"`))
	}
	for _, tc := range []struct {
		c    *client
		path string
		form url.Values
		want int
	}{
		{viewer, "/alerts/" + id + "/triage", url.Values{"state": {"closed"}}, http.StatusForbidden},
		{viewer, "/alerts/" + id + "/comments", url.Values{"body": {"hi"}}, http.StatusForbidden},
		{viewer, "/alerts/bulk", url.Values{"id": {id}, "state": {"closed"}}, http.StatusForbidden},
		{analyst, "/users", url.Values{"name": {"eve"}, "role": {"admin"}, "password": {"long-enough-password"}}, http.StatusForbidden},
	} {
		res, _ := tc.c.post(tc.path, tc.form)
		if res.StatusCode != tc.want {
			t.Errorf("POST %s: %d, want %d", tc.path, res.StatusCode, tc.want)
		}
	}
	for _, tc := range []struct {
		c    *client
		path string
		want int
	}{
		{viewer, "/users", http.StatusForbidden}, {analyst, "/users", http.StatusForbidden}, {admin, "/users", http.StatusOK},
		{viewer, "/deadletters", http.StatusForbidden}, {analyst, "/deadletters", http.StatusOK},
		{viewer, "/dashboard", http.StatusOK}, {viewer, "/no-such-page", http.StatusNotFound},
		{viewer, "/rules", http.StatusForbidden}, {analyst, "/rules", http.StatusOK},
	} {
		if res, _ := tc.c.get(tc.path); res.StatusCode != tc.want {
			t.Errorf("GET %s: %d, want %d", tc.path, res.StatusCode, tc.want)
		}
	}
	a, err := f.store.Alert(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Lifecycle.State != store.StateNew {
		t.Fatalf("state after refused triage: %s", a.Lifecycle.State)
	}

	// The analyst triages: status, assignee, comment, tag.
	if res, body := analyst.post("/alerts/"+id+"/triage", url.Values{"state": {"in_progress"}, "assignee": {"ana"}}); res.StatusCode != http.StatusOK || !strings.Contains(body, `id="triage"`) {
		t.Fatalf("triage: %d\n%s", res.StatusCode, cut(body, 300))
	}
	analyst.post("/alerts/"+id+"/comments", url.Values{"body": {"looked at it"}})
	analyst.post("/alerts/"+id+"/tags", url.Values{"add": {"scanner, partner"}})
	a, _ = f.store.Alert(ctx, id)
	if a.Lifecycle.State != store.StateInProgress || a.Lifecycle.Assignee != "ana" || len(a.Lifecycle.Tags) != 2 {
		t.Fatalf("lifecycle after triage: %+v", a.Lifecycle)
	}
	cs, _ := f.store.Comments(ctx, id)
	if len(cs) != 1 || cs[0].Author != "ana" {
		t.Fatalf("comments: %+v", cs)
	}
	// An invalid transition is refused with the store's message.
	res, body = analyst.post("/alerts/"+id+"/triage", url.Values{"state": {"new"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "transition") {
		t.Errorf("in_progress → new: %d %s", res.StatusCode, cut(body, 200))
	}
}

func TestCSRFRequired(t *testing.T) {
	f := newFixture(t, 10, nil)
	c := f.login("ana", analystPassword)
	token := c.csrf
	c.csrf = ""
	res, _ := c.post("/alerts/"+f.enriched+"/triage", url.Values{"state": {"closed"}})
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("triage without CSRF token: %d, want 403", res.StatusCode)
	}
	c.csrf = "wrong" + token
	if res, _ = c.post("/alerts/"+f.enriched+"/triage", url.Values{"state": {"closed"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("triage with a wrong CSRF token: %d, want 403", res.StatusCode)
	}
	a, _ := f.store.Alert(context.Background(), f.enriched)
	if a.Lifecycle.State != store.StateNew {
		t.Fatalf("state changed without a CSRF token: %s", a.Lifecycle.State)
	}
}

func TestBulk(t *testing.T) {
	f := newFixture(t, 30, nil)
	c := f.login("ana", analystPassword)
	ids := f.correlated[:2]
	res, body := c.post("/alerts/bulk", url.Values{"id": ids, "state": {"false_positive"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "2 alerts changed") || res.Header.Get("HX-Trigger") != "vigie:refresh" {
		t.Fatalf("bulk: %d %q", res.StatusCode, body)
	}
	for _, id := range ids {
		if a, _ := f.store.Alert(context.Background(), id); a.Lifecycle.State != store.StateFalsePositive {
			t.Errorf("%s: %s", id, a.Lifecycle.State)
		}
	}
	if res, _ := c.post("/alerts/bulk", url.Values{"state": {"closed"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bulk without ids: %d", res.StatusCode)
	}
	if res, _ := c.post("/alerts/bulk", url.Values{"id": ids, "state": {"bogus"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bulk with a bad state: %d", res.StatusCode)
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t, 300, nil)
	c := f.login("admin", adminPassword)
	for _, tc := range []struct{ path, want string }{
		{"/alerts?range=all", `class="alert-row prio-`},
		{"/alerts?range=all&q=Sorce.IP+%3D+1.2.3.4", "Sorce"}, // the query error is shown
		{"/alerts?range=custom&from=yesterday", "from: want RFC 3339"},
		{"/alerts/" + f.enriched, "source.reputation"},
		{"/alerts/" + f.correlation, "/alerts/" + f.correlated[0]},
		{"/alerts/" + f.correlated[0], "Correlation alerts naming this one"},
		{"/alerts/" + f.camera, `src="data:image/png;base64,`},
		{"/groups?range=all", `name="by" value="Category, Source(*).IP"`},
		{"/groups?range=all&by=Analyzer.Name", "sshd"},
		{"/dashboard?range=all", `id="dash-data"`},
		{"/graph?range=all", `id="graph-data"`},
		{"/sensors", "online"},
		{"/rules", "Correlation is not enabled"},
		{"/users", "vic"},
		{"/tokens", "New token"},
	} {
		res, body := c.get(tc.path)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d, want 200 containing %q", tc.path, res.StatusCode, tc.want)
		}
	}
	res, body := c.get("/alerts/" + f.enriched + "/raw")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(body, f.enriched) {
		t.Errorf("raw JSON: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	if res, _ := c.get("/alerts/no-such-alert"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown alert: %d", res.StatusCode)
	}
	// The htmx refresh of the list answers the list fragment only.
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/alerts?range=all", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", "alert-list")
	res, body = c.do(req)
	if res.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.HasPrefix(strings.TrimSpace(body), `<div id="alert-list"`) {
		t.Errorf("list fragment: %d %q", res.StatusCode, cut(body, 100))
	}
}

func TestAdminUsersAndTokens(t *testing.T) {
	f := newFixture(t, 5, nil)
	admin := f.login("admin", adminPassword)
	res, body := admin.post("/users", url.Values{"name": {"eve"}, "role": {"analyst"}, "password": {"a-long-enough-password"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "created eve") {
		t.Fatalf("create user: %d", res.StatusCode)
	}
	admin.post("/users/eve", url.Values{"role": {"viewer"}})
	u, err := f.store.User(context.Background(), "eve")
	if err != nil || u.Role != "viewer" {
		t.Fatalf("eve: %+v %v", u, err)
	}
	if res, _ := admin.post("/users/admin", url.Values{"disabled": {"true"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("disabling oneself: %d, want 400", res.StatusCode)
	}
	// A viewer makes a personal token; the secret is shown once.
	v := f.login("vic", viewerPassword)
	res, body = v.post("/tokens", url.Values{"name": {"vic-script"}, "role": {"viewer"}, "ttl": {"30d"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="token-secret"`) {
		t.Fatalf("create token: %d %s", res.StatusCode, cut(body, 300))
	}
	if res, _ = v.post("/tokens", url.Values{"name": {"vic-admin"}, "role": {"admin"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("viewer creating an admin token: %d, want 400", res.StatusCode)
	}
	_, body = v.get("/tokens")
	if strings.Contains(body, `id="token-secret"`) || !strings.Contains(body, "vic-script") {
		t.Errorf("token list shows the secret again or lacks the token")
	}
}

// fakeRules is a RuleCatalog in memory: the correlation engine that
// provides the real one is not part of this package.
type fakeRules struct{ rules []RuleInfo }

func (r *fakeRules) Rules(context.Context) ([]RuleInfo, error) { return r.rules, nil }
func (r *fakeRules) SetRuleEnabled(_ context.Context, id string, on bool) error {
	for i := range r.rules {
		if r.rules[i].ID == id {
			r.rules[i].Enabled = on
			return nil
		}
	}
	return store.ErrNotFound
}

func TestRules(t *testing.T) {
	rules := &fakeRules{rules: []RuleInfo{{ID: "brute", Name: "ssh-brute-force", Description: "5 failed logins in 1 min", Enabled: true, Firings: 12}}}
	f := newFixture(t, 5, rules)
	admin, analyst := f.login("admin", adminPassword), f.login("ana", analystPassword)
	_, body := analyst.get("/rules")
	if !strings.Contains(body, "ssh-brute-force") || strings.Contains(body, ">Disable<") {
		t.Errorf("analyst rules page: want the rule and no toggle")
	}
	if res, _ := analyst.post("/rules/brute", url.Values{"enabled": {"false"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("analyst toggling a rule: %d", res.StatusCode)
	}
	admin.post("/rules/brute", url.Values{"enabled": {"false"}})
	if rules.rules[0].Enabled {
		t.Errorf("admin could not disable the rule")
	}
	if res, _ := admin.post("/rules/nope", url.Values{"enabled": {"true"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown rule: %d", res.StatusCode)
	}
}

func TestStaticAssets(t *testing.T) {
	f := newFixture(t, 1, nil)
	c := &client{f: f, hc: &http.Client{}}
	hashed := f.ui.assets.url("app.js")
	if hashed == "/static/app.js" {
		t.Fatal("app.js has no content hash")
	}
	res, body := c.get(hashed)
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.Contains(res.Header.Get("Content-Type"), "javascript") || len(body) < 1000 {
		t.Fatalf("hashed asset: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	if res, _ := c.get("/static/app.js"); res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("unhashed asset cached: %q", res.Header.Get("Cache-Control"))
	}
	if res, _ := c.get("/static/nope.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("missing asset: %d", res.StatusCode)
	}
}
