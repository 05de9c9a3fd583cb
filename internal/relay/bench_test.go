package relay

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkAuthenticate measures the bearer check with a cached key set:
// header split, JWS decode, RS256 verification (2048-bit) and claims.
func BenchmarkAuthenticate(b *testing.B) {
	keys := StaticKeys{Set: parseKeySet(map[string]any{"keys": []any{jwkOf(testKid, &testKey.PublicKey)}})}
	a, err := NewAuthenticator(AuthOptions{Keys: keys, Now: func() time.Time { return time.Unix(1_700_000_000, 0) }})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "http://relay.test/health", nil)
	r.Header.Set("Authorization", "Bearer "+token(b, nil, goodPayload()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(r.Context(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseObservables measures body validation of a 20-item list.
func BenchmarkParseObservables(b *testing.B) {
	body := []byte(`[` + repeat(`{"type":"ip","value":"1.1.1.1"},`, 19) + `{"type":"domain","value":"cisco.com"}]`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, e := ParseObservables(body); e != nil {
			b.Fatal(e)
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
