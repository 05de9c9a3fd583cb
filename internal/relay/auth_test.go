package relay

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testKey is generated once: RSA generation is slow.
var testKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

const testKid = "kid-1"

func jwkOf(kid string, pub *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// staticKeys is a KeySource serving one parsed document, counting look-ups.
type staticKeys struct {
	doc   any
	err   error
	calls int
}

func (s *staticKeys) Keys(context.Context, string, string) (*KeySet, error) {
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	return parseKeySet(s.doc), nil
}

// token signs payload with header (alg defaults to RS256) using testKey,
// or HS256 with "secret" when the header says so.
func token(t testing.TB, header, payload map[string]any) string {
	t.Helper()
	h := map[string]any{"typ": "JWT", "alg": "RS256", "kid": testKid}
	for k, v := range header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	hb, _ := json.Marshal(h)
	pb, _ := json.Marshal(payload)
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(pb)
	var sig []byte
	var err error
	if h["alg"] == "HS256" {
		sig, err = jwt.SigningMethodHS256.Sign(input, []byte("secret"))
	} else {
		sig, err = jwt.SigningMethodRS256.Sign(input, testKey)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func goodPayload() map[string]any {
	return map[string]any{"key": "k", "jwks_host": "visibility.amp.cisco.com", "aud": "http://relay.test"}
}

func with(p map[string]any, kv ...any) map[string]any {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(p, kv[i].(string))
		} else {
			p[kv[i].(string)] = kv[i+1]
		}
	}
	return p
}

// TestAuthenticateMessages covers every failure of SPEC §3.1 with its
// exact message, in check order.
func TestAuthenticateMessages(t *testing.T) {
	goodJWKS := map[string]any{"keys": []any{jwkOf(testKid, &testKey.PublicKey)}}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name   string
		header *string // nil: no Authorization header
		jwks   any
		fetch  error
		want   string // reason after the prefix; "" means success
	}{
		{"no header", nil, goodJWKS, nil, ReasonHeaderMissing},
		{"empty header", ptr(""), goodJWKS, nil, ReasonMalformedHeader},
		{"scheme only", ptr("Bearer"), goodJWKS, nil, ReasonMalformedHeader},
		{"three parts", ptr("Bearer a b"), goodJWKS, nil, ReasonMalformedHeader},
		{"wrong scheme", ptr("Basic " + token(t, nil, goodPayload())), goodJWKS, nil, ReasonWrongType},
		{"scheme case-insensitive", ptr("bEaReR " + token(t, nil, goodPayload())), goodJWKS, nil, ""},
		{"not a JWT", ptr("Bearer bad_jwt_token"), goodJWKS, nil, ReasonWrongStructure},
		{"payload is an array", ptr("Bearer eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln"), goodJWKS, nil, ReasonWrongStructure},
		{"no jwks_host", ptr("Bearer " + token(t, nil, with(goodPayload(), "jwks_host", nil))), goodJWKS, nil, ReasonJWKSHostMissing},
		{"jwks_host not a string", ptr("Bearer " + token(t, nil, with(goodPayload(), "jwks_host", 5))), goodJWKS, nil, ReasonWrongJWKSHost},
		{"jwks fetch failed", ptr("Bearer " + token(t, nil, goodPayload())), nil, AuthError(ReasonWrongJWKSHost), ReasonWrongJWKSHost},
		{"jwks without keys", ptr("Bearer " + token(t, nil, goodPayload())), map[string]any{}, nil, ReasonPayloadStructure},
		{"jwks not an object", ptr("Bearer " + token(t, nil, goodPayload())), []any{}, nil, ReasonKidNotFound},
		{"jwks keys not a list", ptr("Bearer " + token(t, nil, goodPayload())), map[string]any{"keys": "x"}, nil, ReasonKidNotFound},
		{"jwk without kid", ptr("Bearer " + token(t, nil, goodPayload())), map[string]any{"keys": []any{map[string]any{"kty": "RSA"}}}, nil, ReasonPayloadStructure},
		{"token without kid", ptr("Bearer " + token(t, map[string]any{"kid": nil}, goodPayload())), goodJWKS, nil, ReasonPayloadStructure},
		{"HS256", ptr("Bearer " + token(t, map[string]any{"alg": "HS256"}, goodPayload())), goodJWKS, nil, ReasonWrongAlgorithm},
		{"alg none", ptr("Bearer " + token(t, map[string]any{"alg": "none"}, goodPayload())), goodJWKS, nil, ReasonWrongAlgorithm},
		{"unknown kid", ptr("Bearer " + token(t, map[string]any{"kid": "other"}, goodPayload())), goodJWKS, nil, ReasonKidNotFound},
		{"empty key set", ptr("Bearer " + token(t, nil, goodPayload())), map[string]any{"keys": []any{}}, nil, ReasonKidNotFound},
		{"kid names an EC key", ptr("Bearer " + token(t, nil, goodPayload())), map[string]any{"keys": []any{map[string]any{"kty": "EC", "kid": testKid}}}, nil, ReasonKeyNotRSA},
		{"wrong key", ptr("Bearer " + token(t, nil, goodPayload())), map[string]any{"keys": []any{jwkOf(testKid, &other.PublicKey)}}, nil, ReasonWrongKey},
		{"iat not numeric", ptr("Bearer " + token(t, nil, with(goodPayload(), "iat", "x"))), goodJWKS, nil, ReasonWrongStructure},
		{"nbf in the future", ptr("Bearer " + token(t, nil, with(goodPayload(), "nbf", now.Unix()+10))), goodJWKS, nil, ReasonNotYetValid},
		{"nbf a list", ptr("Bearer " + token(t, nil, with(goodPayload(), "nbf", []any{1}))), goodJWKS, nil, ReasonKidNotFound},
		{"exp in the past", ptr("Bearer " + token(t, nil, with(goodPayload(), "exp", now.Unix()))), goodJWKS, nil, ReasonExpired},
		{"exp numeric string", ptr("Bearer " + token(t, nil, with(goodPayload(), "exp", " 9999999999 "))), goodJWKS, nil, ""},
		{"exp not numeric", ptr("Bearer " + token(t, nil, with(goodPayload(), "exp", "soon"))), goodJWKS, nil, ReasonWrongStructure},
		{"exp null", ptr("Bearer " + token(t, nil, with(goodPayload(), "exp", json.RawMessage("null")))), goodJWKS, nil, ReasonKidNotFound},
		{"no aud", ptr("Bearer " + token(t, nil, with(goodPayload(), "aud", nil))), goodJWKS, nil, ReasonWrongAudience},
		{"wrong aud", ptr("Bearer " + token(t, nil, with(goodPayload(), "aud", "wrong_aud"))), goodJWKS, nil, ReasonWrongAudience},
		{"aud trailing slash", ptr("Bearer " + token(t, nil, with(goodPayload(), "aud", "http://relay.test/"))), goodJWKS, nil, ReasonWrongAudience},
		{"aud list", ptr("Bearer " + token(t, nil, with(goodPayload(), "aud", []any{"x", "http://relay.test"}))), goodJWKS, nil, ""},
		{"aud list with a number", ptr("Bearer " + token(t, nil, with(goodPayload(), "aud", []any{1, "http://relay.test"}))), goodJWKS, nil, ReasonWrongAudience},
		{"valid", ptr("Bearer " + token(t, nil, goodPayload())), goodJWKS, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := &staticKeys{doc: tt.jwks, err: tt.fetch}
			a, err := NewAuthenticator(AuthOptions{Keys: keys, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodPost, "http://relay.test/health", nil)
			if tt.header != nil {
				r.Header.Set("Authorization", *tt.header)
			}
			claims, err := a.Authenticate(t.Context(), r)
			if tt.want == "" {
				if err != nil || claims["key"] != "k" {
					t.Fatalf("got %v, %v; want the claims", claims, err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Code != CodeAuthorization || e.Type != TypeFatal || e.Message != AuthPrefix+tt.want {
				t.Fatalf("err = %#v, want %q", err, AuthPrefix+tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestExpectedAudience(t *testing.T) {
	tests := []struct {
		name, url, host, override, want string
	}{
		{"plain", "http://127.0.0.1:9090/health", "", "", "http://127.0.0.1:9090"},
		{"default port dropped", "http://relay.example/health", "relay.example:80", "", "http://relay.example"},
		{"host header wins", "http://127.0.0.1:9090/health", "relay.example:9090", "", "http://relay.example:9090"},
		{"override", "http://127.0.0.1:9090/health", "", "https://relay.example", "https://relay.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tt.url, nil)
			if tt.host != "" {
				r.Host = tt.host
			}
			r.Header.Set("X-Forwarded-Proto", "https") // ignored, as in the original
			a := &Authenticator{audience: tt.override}
			if got := a.expectedAudience(r); got != tt.want {
				t.Errorf("audience = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMiddleware(t *testing.T) {
	keys := &staticKeys{doc: map[string]any{"keys": []any{jwkOf(testKid, &testKey.PublicKey)}}}
	a, _ := NewAuthenticator(AuthOptions{Keys: keys})
	var seen Claims
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = ClaimsFrom(r.Context())
	}))
	t.Run("failure answers 200 with the TR error", func(t *testing.T) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "http://relay.test/health", nil))
		want := `{"errors":[{"code":"authorization error","message":"Authorization failed: Authorization header is missing","type":"fatal"}]}` + "\n"
		if w.Code != 200 || w.Body.String() != want {
			t.Errorf("got %d %s", w.Code, w.Body)
		}
	})
	t.Run("success passes the claims on", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "http://relay.test/health", nil)
		r.Header.Set("Authorization", "Bearer "+token(t, nil, goodPayload()))
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen["key"] != "k" {
			t.Errorf("claims = %v", seen)
		}
	})
}

func TestTokenRedacted(t *testing.T) {
	tok := Token("abc.def.ghi")
	var b strings.Builder
	b.WriteString(tok.String())
	if strings.Contains(b.String(), "abc") || strings.Contains(tok.LogValue().String(), "abc") {
		t.Error("token not redacted")
	}
}

func TestPyInt(t *testing.T) {
	tests := []struct {
		in   any
		want int64
		ok   bool
	}{
		{json.Number("3"), 3, true},
		{json.Number("2.9"), 2, true},
		{json.Number("-2.9"), -2, true},
		{json.Number("1e3"), 1000, true},
		{json.Number("1e400"), 1<<63 - 1, true},
		{true, 1, true},
		{false, 0, true},
		{"3", 3, true},
		{" +4 ", 4, true},
		{"1_000", 1000, true},
		{"1__0", 0, false},
		{"2.5", 0, false},
		{"abc", 0, false},
		{"", 0, false},
		{nil, 0, false},
		{[]any{1}, 0, false},
	}
	for _, tt := range tests {
		got, ok := PyInt(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("PyInt(%#v) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
