package relay

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzParseObservables checks that any body gives either valid
// observables or an "invalid argument" error whose embedded report is
// JSON, and never panics.
func FuzzParseObservables(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `[]`, `{}`, `"s"`, `[1]`, `[{}]`,
		`[{"type":"ip","value":"1.1.1.1"}]`,
		`[{"type":"domain"}]`, `[{"type":"ip","value":""}]`, `[{"type":"","value":"x"}]`,
		`[{"type":"ip","value":null}]`, `[{"type":"ip","value":1}]`,
		`[{"type":"ip","value":"1.1.1.1","id":"x"}]`,
		`[{"type":"ip"},{"type":"ip","value":"1.1.1.1"},{"value":"","foo":1}]`,
		"\xef\xbb\xbf[]", `[{"type":"ip","value":"\ud800"}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		obs, e := ParseObservables(body)
		if e != nil {
			if e.Code != CodeInvalidArgument || !strings.HasPrefix(e.Message, InvalidPayloadPrefix) {
				t.Fatalf("unexpected error %v", e)
			}
			var report map[string]any
			if err := json.Unmarshal([]byte(strings.TrimPrefix(e.Message, InvalidPayloadPrefix)), &report); err != nil {
				t.Fatalf("report is not a JSON object: %v\n%s", err, e.Message)
			}
			return
		}
		for i, o := range obs {
			if o.Type == "" || o.Value == "" {
				t.Fatalf("observable %d accepted with an empty field: %+v", i, o)
			}
		}
	})
}

// FuzzVerifyAuthorization feeds arbitrary Authorization header values to
// the full check: every failure must be a TR authorization error, and a
// success must carry claims.
func FuzzVerifyAuthorization(f *testing.F) {
	keys := StaticKeys{Set: parseKeySet(map[string]any{"keys": []any{jwkOf(testKid, &testKey.PublicKey)}})}
	a, err := NewAuthenticator(AuthOptions{Keys: keys, Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	valid := token(f, nil, goodPayload())
	for _, seed := range []string{
		"", "Bearer", "Bearer a b", "Basic x", "Bearer bad_jwt_token",
		"Bearer " + valid, "bearer " + valid, "Bearer " + valid + "x",
		"Bearer eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln",
		"Bearer " + token(f, map[string]any{"alg": "HS256"}, goodPayload()),
		"Bearer " + token(f, map[string]any{"kid": nil}, goodPayload()),
		"Bearer " + token(f, nil, with(goodPayload(), "exp", "x", "nbf", []any{})),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		claims, err := a.Verify(t.Context(), header, "http://relay.test")
		if err == nil {
			if claims == nil {
				t.Fatal("success without claims")
			}
			return
		}
		e, ok := err.(*Error)
		if !ok || e.Code != CodeAuthorization || !strings.HasPrefix(e.Message, AuthPrefix) {
			t.Fatalf("err = %#v, want a TR authorization error", err)
		}
	})
}

// FuzzParseUnverified checks the JWS splitter alone: no panic, and a
// decoded token always has object header and payload.
func FuzzParseUnverified(f *testing.F) {
	f.Add(token(f, nil, goodPayload()))
	f.Add("a.b.c")
	f.Add("e30.e30.")
	f.Add("e30=.e30=.AA==")
	f.Fuzz(func(t *testing.T, tok string) {
		u, err := parseUnverified(tok)
		if err != nil {
			return
		}
		if u.header == nil || u.payload == nil {
			t.Fatalf("decoded %q without header or payload", tok)
		}
	})
}
