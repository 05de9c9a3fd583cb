package auth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// apiFixture is a Service with alice (analyst), vic (viewer) and tokens,
// behind Middleware, with routes needing alerts:read and alerts:triage.
type apiFixture struct {
	s       *Service
	h       http.Handler
	session LoginResult
	viewer  Secret // viewer token
	sensor  Secret // sensor token
}

func newAPIFixture(t *testing.T) *apiFixture {
	t.Helper()
	ctx := context.Background()
	s, _ := newTestService(t, func(o *Options) {
		o.Lockout = LockoutOptions{MaxFailures: 2}
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	mustUser(t, s, "root", RoleAdmin) // owner of the tokens
	mustUser(t, s, "alice", RoleAnalyst)
	mustUser(t, s, "vic", RoleViewer)
	res, err := s.Login(ctx, LoginRequest{Name: "alice", Password: goodPassword})
	if err != nil {
		t.Fatal(err)
	}
	viewer, _, err := s.CreateToken(ctx, admin(), TokenRequest{Name: "dash", Role: RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	sensor, _, err := s.CreateToken(ctx, admin(), TokenRequest{Name: "ids", Role: RoleSensor, Sensor: "ids-1"})
	if err != nil {
		t.Fatal(err)
	}
	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		io.WriteString(w, p.Name+"/"+string(p.Role)+"/"+string(p.Kind))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /alerts", s.Require(ActionAlertsRead)(whoami))
	mux.Handle("POST /alerts/triage", s.Require(ActionAlertsTriage)(whoami))
	mux.Handle("POST /session", s.LoginHandler())
	mux.Handle("DELETE /session", s.LogoutHandler())
	mux.Handle("GET /session", s.SessionHandler())
	return &apiFixture{s: s, h: s.Middleware(mux), session: res, viewer: viewer, sensor: sensor}
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

func TestMiddleware(t *testing.T) {
	f := newAPIFixture(t)
	cookie := CookieName + "=" + f.session.SessionID.Reveal()
	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		body       string
		wantStatus int
		wantBody   string // substring
		wantHeader map[string]string
	}{
		{"anonymous", "GET", "/alerts", nil, "", 401, `"code":"unauthenticated"`, map[string]string{"WWW-Authenticate": `Bearer realm="vigie"`}},
		{"session read", "GET", "/alerts", map[string]string{"Cookie": cookie}, "", 200, "alice/analyst/session", nil},
		{"session write with CSRF header", "POST", "/alerts/triage", map[string]string{"Cookie": cookie, "X-CSRF-Token": f.session.CSRFToken}, "", 200, "alice/analyst/session", nil},
		{"session write with CSRF form field", "POST", "/alerts/triage", map[string]string{"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, "csrf_token=" + url.QueryEscape(f.session.CSRFToken), 200, "alice", nil},
		{"session write without CSRF", "POST", "/alerts/triage", map[string]string{"Cookie": cookie}, "", 403, `"code":"csrf"`, nil},
		{"session write with wrong CSRF", "POST", "/alerts/triage", map[string]string{"Cookie": cookie, "X-CSRF-Token": csrfToken(newSessionID())}, "", 403, `"code":"csrf"`, nil},
		{"stale cookie is cleared, then anonymous", "GET", "/alerts", map[string]string{"Cookie": CookieName + "=" + newSessionID().Reveal()}, "", 401, "", map[string]string{"Set-Cookie": CookieName + "=;"}},
		{"stale cookie, then a valid token", "GET", "/alerts", map[string]string{"Cookie": CookieName + "=" + newSessionID().Reveal(), "Authorization": "Bearer " + f.viewer.Reveal()}, "", 200, "dash/viewer/token", nil},
		{"bearer token read", "GET", "/alerts", map[string]string{"Authorization": "Bearer " + f.viewer.Reveal()}, "", 200, "dash/viewer/token", nil},
		{"bearer token needs no CSRF but its role", "POST", "/alerts/triage", map[string]string{"Authorization": "Bearer " + f.viewer.Reveal()}, "", 403, "role viewer may not alerts:triage", nil},
		{"sensor token cannot read the API", "GET", "/alerts", map[string]string{"Authorization": "Bearer " + f.sensor.Reveal()}, "", 403, `"code":"forbidden"`, nil},
		{"unknown token", "GET", "/alerts", map[string]string{"Authorization": "Bearer " + newToken().Reveal()}, "", 401, "invalid credentials", nil},
		{"garbage bearer", "GET", "/alerts", map[string]string{"Authorization": "Bearer abc"}, "", 401, "malformed credentials", nil},
		{"basic", "GET", "/alerts", map[string]string{"Authorization": basic("alice", goodPassword.Reveal())}, "", 200, "alice/analyst/basic", nil},
		{"basic write needs no CSRF", "POST", "/alerts/triage", map[string]string{"Authorization": basic("alice", goodPassword.Reveal())}, "", 200, "alice/analyst/basic", nil},
		{"basic wrong password", "GET", "/alerts", map[string]string{"Authorization": basic("alice", "nope")}, "", 401, "invalid credentials", nil},
		{"unsupported scheme", "GET", "/alerts", map[string]string{"Authorization": "Digest abc"}, "", 401, "unsupported scheme", nil},
		{"viewer by basic cannot triage", "POST", "/alerts/triage", map[string]string{"Authorization": basic("vic", goodPassword.Reveal())}, "", 403, "forbidden", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %q does not contain %q", rec.Body, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := strings.Join(rec.Header().Values(k), "\n"); !strings.Contains(got, v) {
					t.Errorf("header %s = %q, want it to contain %q", k, got, v)
				}
			}
		})
	}
}

func TestBasicLockoutAnswers429(t *testing.T) {
	f := newAPIFixture(t)
	do := func(pw string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/alerts", nil)
		req.Header.Set("Authorization", basic("alice", pw))
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	do("wrong one")
	do("wrong two")
	rec := do(goodPassword.Reveal())
	if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("locked-out Basic: status %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
}

func TestLoginLogoutHandlers(t *testing.T) {
	f := newAPIFixture(t)
	post := func(body, ct string, tlsOn bool) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/session", strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if tlsOn {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	t.Run("wrong content type", func(t *testing.T) {
		if rec := post("username=alice&password=x", "application/x-www-form-urlencoded", false); rec.Code != 415 {
			t.Errorf("status %d, want 415", rec.Code)
		}
	})
	t.Run("wrong password: 401 without a Basic challenge", func(t *testing.T) {
		rec := post(`{"username":"alice","password":"nope"}`, "application/json", false)
		if rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != "" {
			t.Errorf("status %d, WWW-Authenticate %q", rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
	})
	t.Run("unknown field", func(t *testing.T) {
		if rec := post(`{"username":"alice","password":"x","admin":true}`, "application/json", false); rec.Code != 400 {
			t.Errorf("status %d, want 400", rec.Code)
		}
	})
	t.Run("over TLS: __Host- Secure cookie, then logout", func(t *testing.T) {
		rec := post(`{"username":"alice","password":"`+goodPassword.Reveal()+`"}`, "application/json; charset=utf-8", true)
		if rec.Code != 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		c := rec.Result().Cookies()
		if len(c) != 1 || c[0].Name != CookieNameSecure || !c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteLaxMode || c[0].Path != "/" {
			t.Fatalf("cookie %+v: want __Host-, Secure, HttpOnly, SameSite=Lax, Path=/", c)
		}
		var info sessionInfo
		if err := json.Unmarshal(rec.Body.Bytes(), &info); err != nil || info.CSRFToken == "" || info.Role != RoleAnalyst {
			t.Fatalf("answer %s: %v", rec.Body, err)
		}
		// Logout needs the CSRF token like any unsafe request.
		req := httptest.NewRequest("DELETE", "/session", nil)
		req.TLS = &tls.ConnectionState{}
		req.AddCookie(c[0])
		rec = httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Errorf("logout without CSRF: %d, want 403", rec.Code)
		}
		req.Header.Set("X-CSRF-Token", info.CSRFToken)
		rec = httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != 204 {
			t.Fatalf("logout: %d", rec.Code)
		}
		if _, err := f.s.AuthenticateSession(context.Background(), Secret(c[0].Value)); err == nil {
			t.Error("session still valid after logout")
		}
	})
	t.Run("plain HTTP: no Secure, no prefix", func(t *testing.T) {
		rec := post(`{"username":"alice","password":"`+goodPassword.Reveal()+`"}`, "application/json", false)
		c := rec.Result().Cookies()
		if len(c) != 1 || c[0].Name != CookieName || c[0].Secure {
			t.Errorf("cookie %+v", c)
		}
	})
}

func TestClientIP(t *testing.T) {
	s, _ := newTestService(t, func(o *Options) {
		o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	tests := []struct{ name, remote, xff, want string }{
		{"direct", "192.0.2.1:5555", "", "192.0.2.1"},
		{"untrusted peer's XFF ignored", "192.0.2.1:5555", "203.0.113.9", "192.0.2.1"},
		{"trusted proxy", "10.1.2.3:443", "203.0.113.9", "203.0.113.9"},
		{"forged left entries ignored", "10.1.2.3:443", "1.1.1.1, 203.0.113.9, 10.9.9.9", "203.0.113.9"},
		{"IPv6 proxy", "[::1]:443", "2001:db8::7", "2001:db8::7"},
		{"garbage XFF: the proxy", "10.1.2.3:443", "not-an-ip", "10.1.2.3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if got := s.ClientIP(req); got != tt.want {
				t.Errorf("ClientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		name, in string
		want     authorization
		err      string
	}{
		{"bearer", "Bearer vgt_abc", authorization{scheme: "bearer", token: "vgt_abc"}, ""},
		{"scheme case", "bEaReR tok", authorization{scheme: "bearer", token: "tok"}, ""},
		{"basic", basic("alice", "pa:ss"), authorization{scheme: "basic", user: "alice", password: "pa:ss"}, ""},
		{"basic empty password", basic("alice", ""), authorization{scheme: "basic", user: "alice"}, ""},
		{"no credential", "Bearer", authorization{}, "want <scheme> <credentials>"},
		{"two credentials", "Bearer a b", authorization{}, "one credential"},
		{"basic not base64", "Basic !!!", authorization{}, "not base64"},
		{"basic without colon", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice")), authorization{}, "want user:password"},
		{"basic empty user", basic("", "pw"), authorization{}, "want user:password"},
		{"too long", "Bearer " + strings.Repeat("a", 5000), authorization{}, "too long"},
		{"other scheme", "Negotiate abc", authorization{}, "unsupported scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAuthorization(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"Bearer " + newToken().Reveal(), basic("alice", "pw"), "Basic ", "bearer  x", "Basic Og==", "Digest x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if a != (authorization{}) {
				t.Fatalf("error with a non-empty result %+v", a)
			}
			return
		}
		switch a.scheme {
		case "bearer":
			if a.token == "" || strings.ContainsAny(a.token.Reveal(), " \t\r\n") {
				t.Fatalf("bearer token %q", a.token.Reveal())
			}
		case "basic":
			if a.user == "" || strings.Contains(a.user, ":") {
				t.Fatalf("basic user %q", a.user)
			}
		default:
			t.Fatalf("scheme %q", a.scheme)
		}
	})
}

// certRequest is a request over a verified mutual-TLS connection.
func certRequest(dns string) *http.Request {
	req := httptest.NewRequest("POST", "/", nil)
	leaf := &x509.Certificate{DNSNames: []string{dns}, Raw: []byte("der")}
	req.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{leaf}, VerifiedChains: [][]*x509.Certificate{{leaf}}}
	return req
}
