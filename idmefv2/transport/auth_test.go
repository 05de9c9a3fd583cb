package transport

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestHandlerAuth(t *testing.T) {
	static, err := NewStaticAuth(StaticAuthOptions{
		Tokens: map[string]Secret{"sensor-1": "tok-one", "sensor-2": "tok-two"},
		Users:  map[string]Secret{"concerto": "pa:ss"},
	})
	if err != nil {
		t.Fatal(err)
	}
	withAuth := func(a Authenticator) func(*Options) { return func(o *Options) { o.Auth = a } }
	wantPeer := func(want Peer) func(*testing.T, Response, *memSink, *memRejecter) {
		return func(t *testing.T, _ Response, sink *memSink, _ *memRejecter) {
			got := sink.messages()[0].Peer
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Peer{}, "Addr")); diff != "" {
				t.Errorf("peer (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(got.Addr, "127.0.0.1:") {
				t.Errorf("peer address = %q, want the loopback client", got.Addr)
			}
		}
	}
	challenges := func(t *testing.T, _ Response, _ *memSink, _ *memRejecter) {}
	runHandlerCases(t, []handlerCase{
		{name: "no auth configured: peer by address", body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}, check: wantPeer(Peer{Method: AuthNone})},
		{name: "bearer token", opts: withAuth(static), header: map[string]string{"Authorization": "Bearer tok-two"}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}, check: wantPeer(Peer{Name: "sensor-2", Method: AuthBearer})},
		{name: "bearer scheme is case-insensitive", opts: withAuth(static), header: map[string]string{"Authorization": "bearer tok-one"}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}, check: wantPeer(Peer{Name: "sensor-1", Method: AuthBearer})},
		{name: "basic user", opts: withAuth(static), header: map[string]string{"Authorization": basicHeader("concerto", "pa:ss")}, body: okMsg, wantStatus: 204, wantAccepted: []string{okMsg}, check: wantPeer(Peer{Name: "concerto", Method: AuthBasic})},
		{name: "401 no credentials", opts: withAuth(static), body: okMsg, wantStatus: 401, wantError: "authentication required", wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="idmefv2"`}, check: challenges},
		{name: "401 wrong token", opts: withAuth(static), header: map[string]string{"Authorization": "Bearer tok-three"}, body: okMsg, wantStatus: 401},
		{name: "401 token prefix", opts: withAuth(static), header: map[string]string{"Authorization": "Bearer tok-"}, body: okMsg, wantStatus: 401},
		{name: "401 wrong password", opts: withAuth(static), header: map[string]string{"Authorization": basicHeader("concerto", "pass")}, body: okMsg, wantStatus: 401},
		{name: "401 unknown user", opts: withAuth(static), header: map[string]string{"Authorization": basicHeader("nobody", "pa:ss")}, body: okMsg, wantStatus: 401},
		{name: "401 unsupported scheme", opts: withAuth(static), header: map[string]string{"Authorization": "Digest x"}, body: okMsg, wantStatus: 401},
		{name: "401 before content checks", opts: withAuth(static), header: map[string]string{"Content-Type": "text/plain"}, body: okMsg, wantStatus: 401},
		{name: "403 known but not allowed", opts: withAuth(AuthenticatorFunc(func(*http.Request) (Peer, error) {
			return Peer{}, fmt.Errorf("sensor disabled: %w", ErrForbidden)
		})), body: okMsg, wantStatus: 403, wantError: "not allowed"},
		{name: "503 token store down", opts: withAuth(AuthenticatorFunc(func(*http.Request) (Peer, error) {
			return Peer{}, fmt.Errorf("token lookup: %w", ErrUnavailable)
		})), body: okMsg, wantStatus: 503, wantHeader: map[string]string{"Retry-After": "5"}},
	})
}

func TestHandlerAuthChallenges(t *testing.T) {
	a, err := NewStaticAuth(StaticAuthOptions{Tokens: map[string]Secret{"s": "t"}, Users: map[string]Secret{"u": "p"}, Realm: "vigie"})
	if err != nil {
		t.Fatal(err)
	}
	runHandlerCases(t, []handlerCase{{
		name: "both challenges", opts: func(o *Options) { o.Auth = a }, body: okMsg, wantStatus: 401,
	}})
	want := []string{`Bearer realm="vigie"`, `Basic realm="vigie", charset="UTF-8"`}
	if diff := cmp.Diff(want, a.Challenges()); diff != "" {
		t.Errorf("challenges (-want +got):\n%s", diff)
	}
}

func basicHeader(user, pw string) string {
	r, _ := http.NewRequest(http.MethodPost, "/", nil)
	r.SetBasicAuth(user, pw)
	return r.Header.Get("Authorization")
}

func TestNewStaticAuthRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts StaticAuthOptions
		want string
	}{
		{"nothing", StaticAuthOptions{}, "no tokens, users"},
		{"empty token", StaticAuthOptions{Tokens: map[string]Secret{"a": ""}}, `empty token for peer "a"`},
		{"shared token", StaticAuthOptions{Tokens: map[string]Secret{"a": "x", "b": "x"}}, "share a token"},
		{"colon user", StaticAuthOptions{Users: map[string]Secret{"a:b": "x"}}, `"a:b"`},
		{"empty password", StaticAuthOptions{Users: map[string]Secret{"a": ""}}, `empty password for user "a"`},
		{"quote in realm", StaticAuthOptions{ClientCerts: true, Realm: `a"b`}, "realm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewStaticAuth(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(fmt.Sprint(err), `"x"`) {
				t.Errorf("error reveals a secret: %v", err)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	opts := ClientOptions{URL: "http://x", BearerToken: "s3cr3t-token", Password: "s3cr3t-pw"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("options", "token", opts.BearerToken, "opts", opts)
	printed := fmt.Sprintf("%v %+v %#v %s", opts, opts, opts, opts.Password)
	for _, out := range []string{logged.String(), printed} {
		if strings.Contains(out, "s3cr3t") {
			t.Errorf("secret revealed in %q", out)
		}
	}
}
