package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/store"
)

// TestSessions logs in, uses the session with and without its CSRF token,
// and logs out.
func TestSessions(t *testing.T) {
	f := newFixture(t, fixtureOptions{alerts: 5})
	id := f.alerts[0].ID
	f.run(t, scenario{name: "wrong password", method: "POST", path: "/api/v1/login", body: `{"username":"ana","password":"wrong-password!"}`, status: 401, code: CodeUnauthenticated})
	f.run(t, scenario{method: "POST", path: "/api/v1/login", body: `user=ana`, header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, status: 415, code: "unsupported_media_type"})

	sess := f.login("ana", analystPassword)
	noCSRF := http.Header{"Cookie": sess["Cookie"]}
	f.creds["session"], f.creds["session-no-csrf"] = sess, noCSRF
	steps := []scenario{
		{name: "session reads", method: "GET", path: "/api/v1/alerts?limit=1", as: "session-no-csrf", status: 200},
		{name: "me shows the CSRF token", method: "GET", path: "/api/v1/me", as: "session", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				me := decode[meResponse](t, b)
				if me.Kind != "session" || me.Name != "ana" || me.CSRFToken != sess.Get("X-Csrf-Token") {
					t.Errorf("me = %+v", me)
				}
			}},
		{name: "unsafe request without CSRF token", method: "PATCH", path: "/api/v1/alerts/" + id, as: "session-no-csrf", body: `{"state":"acknowledged"}`, status: 403, code: CodeCSRF},
		{name: "unsafe request with a wrong CSRF token", method: "PATCH", path: "/api/v1/alerts/" + id, as: "session-no-csrf",
			header: http.Header{"X-Csrf-Token": {"forged"}}, body: `{"state":"acknowledged"}`, status: 403, code: CodeCSRF},
		{name: "unsafe request with the CSRF token", method: "PATCH", path: "/api/v1/alerts/" + id, as: "session", body: `{"state":"acknowledged"}`, status: 200},
		{name: "logout needs the CSRF token", method: "POST", path: "/api/v1/logout", as: "session-no-csrf", status: 403, code: CodeCSRF},
		{name: "logout", method: "POST", path: "/api/v1/logout", as: "session", status: 204},
		{name: "the session is over", method: "GET", path: "/api/v1/alerts", as: "session-no-csrf", status: 401, code: CodeUnauthenticated},
	}
	for _, sc := range steps {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
	t.Run("password reset ends sessions", func(t *testing.T) {
		f.creds["session2"] = f.login("vic", viewerPassword)
		f.run(t, scenario{method: "GET", path: "/api/v1/me", as: "session2", status: 200})
		f.run(t, scenario{method: "PATCH", path: "/api/v1/users/vic", as: "admin", body: `{"password":"a-brand-new-password"}`, status: 200})
		f.run(t, scenario{method: "GET", path: "/api/v1/me", as: "session2", status: 401, code: CodeUnauthenticated})
		f.creds["session3"] = f.login("vic", "a-brand-new-password")
		f.run(t, scenario{method: "GET", path: "/api/v1/me", as: "session3", status: 200})
	})
	t.Run("audit names the session user", func(t *testing.T) {
		es, err := f.store.Audit(t.Context(), id)
		if err != nil || len(es) != 1 || es[0].Actor != "ana" {
			t.Errorf("audit %+v, %v", es, err)
		}
	})
}

// TestUsersAndTokens covers the admin routes.
func TestUsersAndTokens(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	var tokenSecret, tokenID string
	steps := []scenario{
		{name: "analyst cannot create users", method: "POST", path: "/api/v1/users", as: "analyst", body: `{"name":"eve","role":"admin","password":"long-enough-password"}`, status: 403, code: CodeForbidden},
		{name: "weak password", method: "POST", path: "/api/v1/users", as: "admin", body: `{"name":"bob","role":"viewer","password":"short"}`, status: 400, code: CodeWeakPassword},
		{name: "bad role", method: "POST", path: "/api/v1/users", as: "admin", body: `{"name":"bob","role":"root","password":"long-enough-password"}`, status: 400, code: CodeInvalidArgument},
		{name: "bad name", method: "POST", path: "/api/v1/users", as: "admin", body: `{"name":"Bob Smith","role":"viewer","password":"long-enough-password"}`, status: 400, code: CodeInvalidArgument},
		{name: "create", method: "POST", path: "/api/v1/users", as: "admin", body: `{"name":"bob","role":"viewer","password":"long-enough-password"}`, status: 201,
			check: func(t *testing.T, _ *fixture, b []byte) {
				u := decode[userView](t, b)
				if u.Name != "bob" || u.Role != "viewer" || strings.Contains(string(b), "argon2") {
					t.Errorf("user %s", b)
				}
			}},
		{name: "duplicate", method: "POST", path: "/api/v1/users", as: "admin", body: `{"name":"bob","role":"viewer","password":"long-enough-password"}`, status: 409, code: CodeConflict},
		{name: "promote", method: "PATCH", path: "/api/v1/users/bob", as: "admin", body: `{"role":"analyst"}`, status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if u := decode[userView](t, b); u.Role != "analyst" {
					t.Errorf("role %s", u.Role)
				}
			}},
		{name: "admin cannot demote itself", method: "PATCH", path: "/api/v1/users/admin", as: "admin", body: `{"role":"viewer"}`, status: 409, code: CodeConflict},
		{name: "admin cannot delete itself", method: "DELETE", path: "/api/v1/users/admin", as: "admin", status: 409, code: CodeConflict},
		{name: "reset password", method: "PATCH", path: "/api/v1/users/bob", as: "admin", body: `{"password":"another-long-password"}`, status: 200},
		{name: "disable", method: "PATCH", path: "/api/v1/users/bob", as: "admin", body: `{"disabled":true}`, status: 200},
		{name: "get", method: "GET", path: "/api/v1/users/bob", as: "admin", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if u := decode[userView](t, b); !u.Disabled || u.Role != "analyst" {
					t.Errorf("user %+v", u)
				}
			}},
		{name: "delete", method: "DELETE", path: "/api/v1/users/bob", as: "admin", status: 204},
		{name: "deleted", method: "GET", path: "/api/v1/users/bob", as: "admin", status: 404, code: CodeNotFound},

		{name: "viewer cannot make an admin token", method: "POST", path: "/api/v1/tokens", as: "viewer", body: `{"name":"up","role":"admin"}`, status: 403, code: CodeForbidden},
		{name: "analyst cannot make a sensor token", method: "POST", path: "/api/v1/tokens", as: "analyst", body: `{"name":"ids-2","role":"sensor","sensor":"ids-2"}`, status: 403, code: CodeForbidden},
		{name: "sensor token without sensor", method: "POST", path: "/api/v1/tokens", as: "admin", body: `{"name":"ids-2","role":"sensor"}`, status: 400, code: CodeInvalidArgument},
		{name: "bad ttl", method: "POST", path: "/api/v1/tokens", as: "admin", body: `{"name":"x","role":"viewer","ttl":"soon"}`, status: 400, code: CodeInvalidArgument},
		{name: "admin makes a sensor token, shown once", method: "POST", path: "/api/v1/tokens", as: "admin", body: `{"name":"ids-2","role":"sensor","sensor":"ids-2","ttl":"30d"}`, status: 201,
			check: func(t *testing.T, _ *fixture, b []byte) {
				ct := decode[createdToken](t, b)
				if !strings.HasPrefix(ct.Token, "vgt_") || ct.Sensor != "ids-2" || ct.ExpiresAt.Sub(ct.CreatedAt) != 30*24*time.Hour {
					t.Errorf("token %s", b)
				}
			}},
		{name: "viewer makes a personal token", method: "POST", path: "/api/v1/tokens", as: "viewer", body: `{"name":"vic-cli","role":"viewer"}`, status: 201,
			check: func(t *testing.T, _ *fixture, b []byte) {
				ct := decode[createdToken](t, b)
				tokenSecret, tokenID = ct.Token, ct.ID
			}},
		{name: "duplicate token name", method: "POST", path: "/api/v1/tokens", as: "admin", body: `{"name":"vic-cli","role":"viewer"}`, status: 409, code: CodeConflict},
		{name: "lists never show secrets", method: "GET", path: "/api/v1/tokens", as: "admin", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if strings.Contains(string(b), "vgt_") || strings.Contains(string(b), tokenSecret) {
					t.Errorf("token list leaks a secret: %s", b)
				}
				if n := len(decode[struct{ Tokens []tokenView }](t, b).Tokens); n != 4 {
					t.Errorf("admin sees %d tokens, want 4", n)
				}
			}},
		{name: "viewer sees only its own tokens", method: "GET", path: "/api/v1/tokens", as: "viewer", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				ts := decode[struct{ Tokens []tokenView }](t, b).Tokens
				if len(ts) != 1 || ts[0].Name != "vic-cli" {
					t.Errorf("tokens %+v", ts)
				}
			}},
	}
	for _, sc := range steps {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
	f.creds["vic-token"] = http.Header{"Authorization": {"Bearer " + tokenSecret}}
	for _, sc := range []scenario{
		{name: "new token works", method: "GET", path: "/api/v1/me", as: "vic-token", status: 200},
		{name: "analyst cannot revoke another's token", method: "DELETE", path: "/api/v1/tokens/" + tokenID, as: "analyst", status: 404, code: CodeNotFound},
		{name: "owner revokes", method: "DELETE", path: "/api/v1/tokens/" + tokenID, as: "viewer", status: 204},
		{name: "revoked token refused", method: "GET", path: "/api/v1/me", as: "vic-token", status: 401, code: CodeUnauthenticated},
	} {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
}

// TestDeadLetters lists, reads and deletes dead letters.
func TestDeadLetters(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	err := f.store.PutDeadLetters(t.Context(), []store.DeadLetter{
		{ReceivedAt: base.Add(-time.Hour), Sender: "ids-1", Reason: "json", Raw: []byte(`{"ID": 1`)},
		{ReceivedAt: base.Add(-time.Minute), Sender: "ids-1", Reason: "schema", Problems: json.RawMessage(`[{"path":"/Priority"}]`), Raw: []byte{0xff, 0xfe}},
		{ReceivedAt: base, Sender: "ids-2", Reason: "schema", Raw: []byte(`{}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	f.run(t, scenario{name: "list", method: "GET", path: "/api/v1/deadletters?limit=2", as: "analyst", status: 200,
		check: func(t *testing.T, _ *fixture, b []byte) {
			res := decode[deadLettersResponse](t, b)
			for _, d := range res.DeadLetters {
				ids = append(ids, d.ID)
				if d.RawText != nil || d.RawBase64 != nil {
					t.Errorf("list includes raw input")
				}
			}
			if len(ids) != 2 || res.NextBefore != ids[1] || ids[0] < ids[1] {
				t.Fatalf("page %+v", res)
			}
		}})
	for _, sc := range []scenario{
		{name: "next page", method: "GET", path: "/api/v1/deadletters?before=" + itoa(int(ids[1])), as: "analyst", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				res := decode[deadLettersResponse](t, b)
				if len(res.DeadLetters) != 1 || res.DeadLetters[0].Reason != "json" || res.NextBefore != 0 {
					t.Errorf("page %+v", res)
				}
			}},
		{name: "by sender", method: "GET", path: "/api/v1/deadletters?sender=ids-2", as: "analyst", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				if n := len(decode[deadLettersResponse](t, b).DeadLetters); n != 1 {
					t.Errorf("%d dead letters from ids-2, want 1", n)
				}
			}},
		{name: "binary raw input as base64", method: "GET", path: "/api/v1/deadletters/" + itoa(int(ids[1])), as: "analyst", status: 200,
			check: func(t *testing.T, _ *fixture, b []byte) {
				d := decode[deadLetterView](t, b)
				if string(d.RawBase64) != "\xff\xfe" || d.RawText != nil || d.Problems == nil {
					t.Errorf("dead letter %s", b)
				}
			}},
		{name: "bad before", method: "GET", path: "/api/v1/deadletters?before=-3", as: "analyst", status: 400, code: CodeBadRequest},
		{name: "viewer cannot delete", method: "DELETE", path: "/api/v1/deadletters/" + itoa(int(ids[0])), as: "viewer", status: 403, code: CodeForbidden},
		{name: "delete", method: "DELETE", path: "/api/v1/deadletters/" + itoa(int(ids[0])), as: "analyst", status: 204},
		{name: "deleted", method: "DELETE", path: "/api/v1/deadletters/" + itoa(int(ids[0])), as: "analyst", status: 404, code: CodeNotFound},
	} {
		t.Run(sc.name, func(t *testing.T) { f.run(t, sc) })
	}
}

// TestOperations covers readiness, metrics and their authentication.
func TestOperations(t *testing.T) {
	f := newFixture(t, fixtureOptions{metricsAuth: true})
	f.run(t, scenario{name: "metrics need credentials", method: "GET", path: "/metrics", status: 401, code: CodeUnauthenticated})
	f.run(t, scenario{name: "sensor may not read metrics", method: "GET", path: "/metrics", as: "sensor-token", status: 403, code: CodeForbidden})
	f.run(t, scenario{method: "GET", path: "/api/v1/alerts/nope", as: "viewer", status: 404, code: CodeNotFound})
	f.run(t, scenario{name: "viewer reads metrics", method: "GET", path: "/metrics", as: "viewer", status: 200,
		check: func(t *testing.T, _ *fixture, b []byte) {
			for _, want := range []string{
				`vigie_api_requests_total{method="GET",route="/api/v1/alerts/{id}",status="404"} 1`,
				`vigie_api_requests_total{method="GET",route="/metrics",status="401"} 1`,
				`vigie_api_request_duration_seconds_bucket{method="GET",route="/api/v1/alerts/{id}"`,
			} {
				if !strings.Contains(string(b), want) {
					t.Errorf("metrics lack %s", want)
				}
			}
		}})
	f.ready = errors.New("bus not connected")
	f.run(t, scenario{name: "not ready", method: "GET", path: "/readyz", status: 503, code: CodeUnavailable, check: wantMessage("bus not connected")})
	f.ready = nil
	f.run(t, scenario{name: "ready again", method: "GET", path: "/readyz", status: 200})
	t.Run("client request ID is echoed", func(t *testing.T) {
		rec := f.do("GET", "/healthz", header(RequestIDHeader, "trace-42"), "")
		if got := rec.Header().Get(RequestIDHeader); got != "trace-42" {
			t.Errorf("request ID %q", got)
		}
		rec = f.do("GET", "/healthz", header(RequestIDHeader, "bad\nid"), "")
		if got := rec.Header().Get(RequestIDHeader); got == "bad\nid" || !validRequestID(got) {
			t.Errorf("request ID %q", got)
		}
	})
}

func header(k, v string) http.Header {
	h := http.Header{}
	h.Set(k, v)
	return h
}
