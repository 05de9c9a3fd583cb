package securitytrails_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/vigie-siem/vigie/internal/relay"
	"github.com/vigie-siem/vigie/internal/relay/securitytrails"
)

// fixture is a relay with static keys (from keys.json) in front of a fake
// SecurityTrails answering the samples of securitytrails_samples.json.
type fixture struct {
	handler http.Handler
	token   string // a valid "Bearer …" for audience http://relay.test
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join(localVectors, "keys.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var keys struct {
		PEM  string          `json:"private_key_pem"`
		JWKS json.RawMessage `json:"jwks"`
		Kid  string          `json:"kid"`
	}
	if err := json.Unmarshal(raw, &keys); err != nil {
		tb.Fatal(err)
	}
	set, err := relay.ParseKeySet(keys.JWKS)
	if err != nil {
		tb.Fatal(err)
	}
	auth, err := relay.NewAuthenticator(relay.AuthOptions{Keys: relay.StaticKeys{Set: set}})
	if err != nil {
		tb.Fatal(err)
	}
	st := httptest.NewServer(sampleST(tb))
	tb.Cleanup(st.Close)
	client, err := securitytrails.New(securitytrails.Options{BaseURL: st.URL + "/v1/", DisablePacing: true})
	if err != nil {
		tb.Fatal(err)
	}
	mod, err := securitytrails.NewModule(securitytrails.ModuleOptions{Client: client, Auth: auth})
	if err != nil {
		tb.Fatal(err)
	}
	block, _ := pem.Decode([]byte(keys.PEM))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	hb, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": keys.Kid})
	pb, _ := json.Marshal(map[string]any{"key": "some_key", "jwks_host": "visibility.amp.cisco.com", "aud": "http://relay.test"})
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(pb)
	sig, err := jwt.SigningMethodRS256.Sign(input, key)
	if err != nil {
		tb.Fatal(err)
	}
	return &fixture{handler: mod.Handler(), token: "Bearer " + input + "." + base64.RawURLEncoding.EncodeToString(sig)}
}

// sampleST answers ping, history and domains/list with the recorded
// samples.
func sampleST(tb testing.TB) http.Handler {
	raw, err := os.ReadFile(filepath.Join(localVectors, "securitytrails_samples.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var samples map[string]struct {
		JSON json.RawMessage `json:"json"`
	}
	json.Unmarshal(raw, &samples)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch p := r.URL.Path; {
		case p == "/v1/ping":
			w.Write(samples["ping_ok"].JSON)
		case strings.HasSuffix(p, "/dns/a"):
			w.Write(samples["history_a_ok"].JSON)
		case strings.HasSuffix(p, "/dns/aaaa"):
			w.Write(samples["history_aaaa_ok"].JSON)
		case p == "/v1/domains/list":
			w.Write(samples["domains_list_ok"].JSON)
		default:
			w.WriteHeader(404)
		}
	})
}

func (f *fixture) request(path, body string, auth bool) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://relay.test"+path, strings.NewReader(body))
	if auth {
		r.Header.Set("Authorization", f.token)
	}
	return r
}

// BenchmarkObserve measures /observe/observables end to end in process
// (auth with cached keys, validation, the fake upstream over loopback,
// mapping, encoding), pacing off.
func BenchmarkObserve(b *testing.B) {
	f := newFixture(b)
	for _, bc := range []struct{ name, body string }{
		{"ip", `[{"type":"ip","value":"1.1.1.1"}]`},
		{"domain", `[{"type":"domain","value":"cisco.com"}]`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				f.handler.ServeHTTP(w, f.request("/observe/observables", bc.body, true))
				if w.Code != 200 || !bytes.Contains(w.Body.Bytes(), []byte(`"sightings"`)) {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkRefer measures /refer/observables (no auth, no upstream).
func BenchmarkRefer(b *testing.B) {
	f := newFixture(b)
	body := `[{"type":"ip","value":"1.1.1.1"},{"type":"domain","value":"cisco.com"},{"type":"ipv6","value":"2001:db8::1"}]`
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, f.request("/refer/observables", body, false))
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkLoad drives the relay over real HTTP from parallel clients and
// reports requests per second and the 99th-percentile latency, for
// docs/PERFORMANCE.md.
func BenchmarkLoad(b *testing.B) {
	f := newFixture(b)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	for _, bc := range []struct{ name, path, body string }{
		{"observe-ip", "/observe/observables", `[{"type":"ip","value":"1.1.1.1"}]`},
		{"observe-domain", "/observe/observables", `[{"type":"domain","value":"cisco.com"}]`},
		{"refer", "/refer/observables", `[{"type":"ip","value":"1.1.1.1"},{"type":"domain","value":"cisco.com"}]`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var mu sync.Mutex
			var all []time.Duration
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, srv.URL+bc.path, strings.NewReader(bc.body))
					req.Host = "relay.test"
					req.Header.Set("Authorization", f.token)
					t0 := time.Now()
					resp, err := srv.Client().Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(t0))
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			if len(all) == 0 {
				return
			}
			slices.Sort(all)
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// FuzzRelay sends arbitrary bodies and Authorization headers to the
// observe, refer and health routes of the real handler: no input may
// produce a 500 or a non-JSON answer.
func FuzzRelay(f *testing.F) {
	fx := newFixture(f)
	routes := []string{"/observe/observables", "/refer/observables", "/health"}
	for _, body := range []string{``, `[]`, `[{"type":"ip","value":"1.1.1.1"}]`, `[{"type":"domain","value":"cisco.com"}]`, `[{"type":"domain"}]`, `{"x":1}`} {
		for i := range routes {
			f.Add(uint8(i), fx.token, body)
			f.Add(uint8(i), "Bearer a b", body)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, auth, body string) {
		r := httptest.NewRequest(http.MethodPost, "http://relay.test"+routes[int(route)%len(routes)], strings.NewReader(body))
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		fx.handler.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %q", w.Body)
		}
	})
}
