package securitytrails_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/relay"
	"github.com/vigie-siem/vigie/internal/relay/securitytrails"
)

// TestConformance replays every black-box vector against the real relay
// handler served over HTTP, with a local TLS JWKS server, a fake
// SecurityTrails on loopback and tokens signed with keys.json (SPEC §11).
// Normative cases must match the original's answer exactly; each
// non-normative case must match what Vigie documents instead
// (vigieAnswers, docs/RELAY-SECURITYTRAILS.md).
func TestConformance(t *testing.T) {
	dir := vectorDir()
	env := newHarness(t, dir)
	groups := loadGroups(t, dir)
	total, normative := 0, 0
	for _, group := range sortedNames(groups) {
		t.Run(group, func(t *testing.T) {
			for _, c := range groups[group].Cases {
				total++
				if c.Normative {
					normative++
				}
				t.Run(c.Name, func(t *testing.T) { env.run(t, c) })
			}
		})
	}
	t.Logf("replayed %d vector cases (%d normative) from %s", total, normative, dir)
}

// vigieAnswers is what Vigie answers for the non-normative cases, where
// the original crashed or did something accidental. Each entry is listed
// in docs/RELAY-SECURITYTRAILS.md.
var vigieAnswers = map[string]expectation{
	"health_number_of_pages_null_quirk": authFailure("NUMBER_OF_PAGES in JWT payload must be an integer"),
	"health_bearer_without_token":       authFailure(relay.ReasonMalformedHeader),
	"health_authorization_three_parts":  authFailure(relay.ReasonMalformedHeader),
	"health_no_aud_claim":               authFailure(relay.ReasonWrongAudience),
	"health_expired_token":              authFailure(relay.ReasonExpired),
	"health_hs256_token":                authFailure(relay.ReasonWrongAlgorithm),
	"health_ping_200_not_json":          trFailure(relay.CodeUnknown, "Unexpected response from SecurityTrails: pong"),
	"observe_upstream_403_text_body":    authFailure("Forbidden"),
	"observe_upstream_200_not_json":     trFailure(relay.CodeUnknown, "Unexpected response from SecurityTrails: <html>"),
	"observe_domain_history_without_type_field": {Status: 200, JSON: json.RawMessage(`{"data":{"sightings":{"count":1,"docs":[
		{"confidence":"High","count":1,"description":"IPv4 addresses that cisco.com resolves to","internal":false,
		 "observables":[{"type":"domain","value":"cisco.com"}],
		 "relations":[{"origin":"SecurityTrails Enrichment Module","related":{"type":"ip","value":"1.2.3.4"},"relation":"Resolved_To","source":{"type":"domain","value":"cisco.com"}}],
		 "schema_version":"1.0.17","source":"SecurityTrails","source_uri":"https://securitytrails.com/domain/cisco.com/dns",
		 "title":"Found in SecurityTrails","type":"sighting"}]}}}`)},
	// A 404 rate-limit probe means "no bound": paging goes on.
	"ping_404_during_pagination_crashes": {Status: 200, JSON: json.RawMessage(`{"data":{"sightings":{"count":1,"docs":[
		{"confidence":"High","count":2,"description":"IPv4 addresses that cisco.com resolves to","internal":false,
		 "observables":[{"type":"domain","value":"cisco.com"}],
		 "relations":[
		  {"origin":"SecurityTrails Enrichment Module","related":{"type":"ip","value":"1.1.1.1"},"relation":"Resolved_To","source":{"type":"domain","value":"cisco.com"}},
		  {"origin":"SecurityTrails Enrichment Module","related":{"type":"ip","value":"10.0.0.1"},"relation":"Resolved_To","source":{"type":"domain","value":"cisco.com"}}],
		 "schema_version":"1.0.17","source":"SecurityTrails","source_uri":"https://securitytrails.com/domain/cisco.com/dns",
		 "title":"Found in SecurityTrails","type":"sighting"}]}}}`)},
	// The key error is appended after the earlier warning instead of
	// replacing it.
	"warning_lost_on_key_error": {Status: 200, JSON: json.RawMessage(`{"data":{"sightings":{"count":1,"docs":[
		{"confidence":"High","count":500,"description":"Domains that have resolved to 1.1.1.1","internal":false,
		 "observables":[{"type":"ip","value":"1.1.1.1"}],
		 "relations":[
		  {"origin":"SecurityTrails Enrichment Module","related":{"type":"ip","value":"1.1.1.1"},"relation":"Resolved_To","source":{"type":"domain","value":"a.com"}},
		  {"origin":"SecurityTrails Enrichment Module","related":{"type":"ip","value":"1.1.1.1"},"relation":"Resolved_To","source":{"type":"domain","value":"b.com"}}],
		 "schema_version":"1.0.17","source":"SecurityTrails","source_uri":"https://securitytrails.com/list/ip/1.1.1.1",
		 "title":"Found in SecurityTrails","type":"sighting"}]}},
		"errors":[
		 {"code":"unprocessed pages","message":"There are 3 page(s) left unprocessedfor 1.1.1.1. Please contact support@securitytrails.com to download the data","type":"warning"},
		 {"code":"key error","message":"The data structure of SecurityTrails has changed. The module is broken.","type":"fatal"}]}`)},
}

func authFailure(reason string) expectation {
	return trFailure(relay.CodeAuthorization, relay.AuthPrefix+reason)
}

func trFailure(code, message string) expectation {
	b, _ := json.Marshal(relay.Envelope{Errors: []*relay.Error{relay.Fatal(code, message)}})
	return expectation{Status: 200, JSON: b}
}

// harness holds what all cases share: the trusted test CA, the JWKS
// server and the signing keys.
type harness struct {
	keys      map[string]any
	rsaKey    any
	ca        *testCA
	roots     *x509.CertPool
	jwksHost  string
	jwks      *jwksServer
	refusedTo string // host:port where nothing listens
}

func newHarness(t *testing.T, dir string) *harness {
	h := &harness{keys: loadKeys(t, dir), ca: newCA(t, "vigie test root")}
	block, _ := pem.Decode([]byte(h.keys["private_key_pem"].(string)))
	if block == nil {
		t.Fatal("keys.json: private_key_pem is not PEM")
	}
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("keys.json: %v", err)
	}
	h.rsaKey = key
	h.roots = x509.NewCertPool()
	h.roots.AddCert(h.ca.cert)

	h.jwks = &jwksServer{}
	srv := httptest.NewUnstartedServer(h.jwks)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{validLeaf(t, h.ca)}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	h.jwksHost = srv.Listener.Addr().String()
	h.refusedTo = closedAddr(t)
	return h
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// run replays one case.
func (h *harness) run(t *testing.T, c vectorCase) {
	jwksHost := h.jwksHost
	if c.JWKS.TransportError != "" {
		if c.JWKS.TransportError != "connection_refused" {
			t.Fatalf("unsupported jwks transport_error %q", c.JWKS.TransportError)
		}
		jwksHost = h.refusedTo
	}
	h.jwks.set(t, c.JWKS, h.keys)
	st := newFakeST(t, c.ST.Routes, h.ca)
	logs := &logBuffer{}
	relaySrv := h.startRelay(t, st, jwksHost, logs)

	repl := strings.NewReplacer("{{AUDIENCE}}", relaySrv.URL, "{{JWKS_HOST}}", jwksHost)
	req := h.buildRequest(t, c.Request, relaySrv.URL, repl)
	resp, err := relaySrv.Client().Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}

	want, checkExact := c.Expected, true
	if !c.Normative {
		var known bool
		want, known = vigieAnswers[c.Name]
		checkExact = known
	}
	compareAnswer(t, want, checkExact, resp, body)
	if c.Normative {
		// Non-normative cases may call SecurityTrails differently (e.g.
		// Vigie goes on paging where the original crashed).
		compareCalls(t, c.ST, st)
		compareFetches(t, c, h.jwks.takeFetches(), repl)
	}
	logs.check(t, "some_key", req.Header.Get("Authorization"))
}

// startRelay builds the relay exactly as cmd/vigie does, but trusting the
// test CA and admitting the test JWKS host.
func (h *harness) startRelay(t *testing.T, st *fakeST, jwksHost string, logs *logBuffer) *httptest.Server {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: h.roots}}}
	keys, err := relay.NewJWKS(relay.JWKSOptions{
		AllowedHosts: []string{jwksHost},
		HTTPClient:   httpClient,
		Timeout:      5 * time.Second,
		Logger:       logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := relay.NewAuthenticator(relay.AuthOptions{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	client, err := securitytrails.New(securitytrails.Options{
		BaseURL:       st.url + "/v1/",
		HTTPClient:    httpClient,
		Timeout:       st.timeout,
		DisablePacing: true,
		Logger:        logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	mod, err := securitytrails.NewModule(securitytrails.ModuleOptions{Client: client, Auth: auth, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mod.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// buildRequest makes the HTTP request of a case.
func (h *harness) buildRequest(t *testing.T, r vectorReq, base string, repl *strings.Replacer) *http.Request {
	t.Helper()
	var body io.Reader
	switch {
	case r.RawBody != nil:
		body = strings.NewReader(*r.RawBody)
	case r.JSON != nil:
		body = bytes.NewReader(r.JSON)
	}
	req, err := http.NewRequestWithContext(t.Context(), r.Method, base+r.Path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.JSON != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Headers {
		req.Header[http.CanonicalHeaderKey(k)] = []string{v}
	}
	switch r.Auth.Kind {
	case "", "none":
	case "raw":
		req.Header.Set("Authorization", repl.Replace(r.Auth.Authorization))
	case "jwt":
		req.Header.Set("Authorization", r.Auth.Scheme+" "+h.sign(t, r.Auth, repl))
	default:
		t.Fatalf("unsupported auth kind %q", r.Auth.Kind)
	}
	return req
}

// sign encodes and signs a token the way PyJWT does: header {"typ":"JWT",
// "alg":…} updated with the case's header.
func (h *harness) sign(t *testing.T, a authSpec, repl *strings.Replacer) string {
	t.Helper()
	header := map[string]any{"typ": "JWT", "alg": a.Alg}
	for k, v := range a.Header {
		header[k] = v
	}
	hb, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := json.Marshal(replaceAll(a.Payload, repl))
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(hb) + "." + base64.RawURLEncoding.EncodeToString(pb)
	var sig []byte
	switch {
	case a.SignWith == "keys.json#/private_key_pem" && a.Alg == "RS256":
		sig, err = jwt.SigningMethodRS256.Sign(input, h.rsaKey)
	case strings.HasPrefix(a.SignWith, "hs256-secret:"):
		sig, err = jwt.SigningMethodHS256.Sign(input, []byte(strings.TrimPrefix(a.SignWith, "hs256-secret:")))
	default:
		t.Fatalf("unsupported sign_with %q / alg %q", a.SignWith, a.Alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// replaceAll substitutes placeholders in every string of a JSON value.
func replaceAll(v any, repl *strings.Replacer) any {
	switch x := v.(type) {
	case string:
		return repl.Replace(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = replaceAll(e, repl)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = replaceAll(e, repl)
		}
		return out
	}
	return v
}

// jwksServer answers /.well-known/jwks with the current case's document
// and records every fetch.
type jwksServer struct {
	mu      sync.Mutex
	status  int
	body    []byte
	fetches []string
}

func (s *jwksServer) set(t *testing.T, spec jwksSpec, keys map[string]any) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body, s.fetches = cmpOr(spec.Status, 200), nil, nil
	switch {
	case spec.JSONRef != "":
		b, err := json.Marshal(jsonRef(t, keys, spec.JSONRef))
		if err != nil {
			t.Fatal(err)
		}
		s.body = b
	case spec.JSON != nil:
		s.body = spec.JSON
	case spec.Text != nil:
		s.body = []byte(*spec.Text)
	}
}

func (s *jwksServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches = append(s.fetches, "https://"+r.Host+r.URL.Path)
	if r.URL.Path != relay.JWKSPath {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(s.status)
	w.Write(s.body)
}

func (s *jwksServer) takeFetches() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fetches
	s.fetches = nil
	return f
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// fakeST is SecurityTrails as a case describes it.
type fakeST struct {
	url        string
	timeout    time.Duration
	routes     []stRoute
	tlsFailure bool
	handshakes atomic.Int32

	mu    sync.Mutex
	calls []recordedCall
}

type recordedCall struct {
	method, path string
	query        map[string][]string
	body         []byte
	header       http.Header
}

// newFakeST serves the routes. A tls_* transport error makes the whole
// server present the matching bad certificate; connection_refused points
// the relay at a closed port; read_timeout makes that route hang past the
// relay's (shortened) timeout.
func newFakeST(t *testing.T, routes []stRoute, trusted *testCA) *fakeST {
	f := &fakeST{routes: routes, timeout: 5 * time.Second}
	var bad string
	for _, r := range routes {
		if r.TransportError != "" {
			bad = r.TransportError
			break
		}
	}
	var cert *tls.Certificate
	switch bad {
	case "":
	case "read_timeout":
		f.timeout = 300 * time.Millisecond
	case "connection_refused":
		f.url = "http://" + closedAddr(t)
		return f
	case "tls_self_signed":
		c := validLeaf(t, nil)
		cert = &c
	case "tls_unknown_authority":
		c := validLeaf(t, newCA(t, "untrusted root"))
		cert = &c
	case "tls_expired":
		c := leaf(t, trusted, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour))
		cert = &c
	default:
		t.Fatalf("unsupported securitytrails transport_error %q", bad)
	}
	srv := httptest.NewUnstartedServer(f)
	if cert != nil {
		f.tlsFailure = true
		srv.TLS = &tls.Config{
			Certificates: []tls.Certificate{*cert},
			GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
				f.handshakes.Add(1)
				return nil, nil
			},
		}
		srv.Config.ErrorLog = discardLog()
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

func (f *fakeST) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.calls = append(f.calls, recordedCall{r.Method, r.URL.Path, r.URL.Query(), body, r.Header.Clone()})
	f.mu.Unlock()
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	for _, rt := range f.routes {
		if rt.Method != r.Method || rt.Path != r.URL.Path || (rt.Page != nil && *rt.Page != page) {
			continue
		}
		if rt.TransportError == "read_timeout" {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		for k, v := range rt.Headers {
			w.Header().Set(k, v)
		}
		switch {
		case rt.Text != nil:
			w.WriteHeader(rt.Status)
			io.WriteString(w, *rt.Text)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rt.Status)
			w.Write(rt.JSON)
		}
		return
	}
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"message":"no such route in the fake"}`)
}

// compareAnswer checks status and body. Sighting ids and observed times
// are checked for their format, then left out of the comparison; the
// validation report embedded in a message is compared as parsed JSON.
func compareAnswer(t *testing.T, want expectation, exact bool, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" && resp.StatusCode != 200 || ct == "" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, body)
	}
	if !exact {
		// A hidden non-normative case: only the shape can be asserted.
		if resp.StatusCode != 200 && resp.StatusCode != 500 {
			t.Errorf("status = %d, want 200 or 500", resp.StatusCode)
		}
		return
	}
	if resp.StatusCode != want.Status {
		t.Errorf("status = %d, want %d\nbody: %s", resp.StatusCode, want.Status, body)
	}
	var exp any
	if err := json.Unmarshal(want.JSON, &exp); err != nil {
		t.Fatalf("expected JSON: %v", err)
	}
	checkVolatile(t, got)
	if diff := cmp.Diff(normalizeMessages(exp), normalizeMessages(got)); diff != "" {
		t.Errorf("answer mismatch (-want +got):\n%s\nbody: %s", diff, body)
	}
}

var sightingID = regexp.MustCompile(`^transient:sighting-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkVolatile validates and removes id and observed_time of every
// sighting doc.
func checkVolatile(t *testing.T, answer any) {
	t.Helper()
	data, _ := answer.(map[string]any)["data"].(map[string]any)
	sightings, _ := data["sightings"].(map[string]any)
	docs, _ := sightings["docs"].([]any)
	seen := map[string]bool{}
	for i, d := range docs {
		doc := d.(map[string]any)
		id, _ := doc["id"].(string)
		if !sightingID.MatchString(id) || seen[id] {
			t.Errorf("docs[%d].id = %q: want a unique transient:sighting-<uuid4>", i, id)
		}
		seen[id] = true
		ot, _ := doc["observed_time"].(map[string]any)
		start, _ := ot["start_time"].(string)
		ts, err := time.Parse(relay.CTIMTimeLayout, start)
		if err != nil || ot["end_time"] != start || len(ot) != 2 || time.Since(ts) > time.Hour || time.Until(ts) > time.Minute {
			t.Errorf("docs[%d].observed_time = %v: want equal UTC start/end of this run", i, ot)
		}
		delete(doc, "id")
		delete(doc, "observed_time")
	}
}

// normalizeMessages parses the JSON report inside "invalid argument"
// messages, whose key order the original does not fix.
func normalizeMessages(v any) any {
	env, ok := v.(map[string]any)
	if !ok {
		return v
	}
	errs, _ := env["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		msg, _ := m["message"].(string)
		if rest, ok := strings.CutPrefix(msg, relay.InvalidPayloadPrefix); ok {
			var report any
			if json.Unmarshal([]byte(rest), &report) == nil {
				m["message"] = map[string]any{"prefix": relay.InvalidPayloadPrefix, "report": report}
			}
		}
	}
	return v
}

// compareCalls checks the SecurityTrails calls against expected_calls.
func compareCalls(t *testing.T, spec stSpec, st *fakeST) {
	t.Helper()
	st.mu.Lock()
	got := slices.Clone(st.calls)
	st.mu.Unlock()
	if st.tlsFailure {
		// The handshake fails before any request reaches the fake.
		if len(spec.ExpectedCalls) > 0 && st.handshakes.Load() == 0 {
			t.Errorf("no TLS handshake with SecurityTrails, want %d call(s)", len(spec.ExpectedCalls))
		}
		return
	}
	if strings.HasPrefix(st.url, "http://127.0.0.1") && len(st.routes) > 0 && st.routes[0].TransportError == "connection_refused" {
		return
	}
	want := spec.ExpectedCalls
	if spec.CallsOrder != "exact" {
		want = sortPageRuns(want, func(c stCall) (string, int) { return c.Method + c.Path, pageOf(c.Query) })
		got = sortPageRuns(got, func(c recordedCall) (string, int) { return c.method + c.path, pageOf(c.query) })
	}
	if len(got) != len(want) {
		t.Errorf("%d SecurityTrails calls, want %d:\n got  %s\n want %s", len(got), len(want), describeGot(got), describeWant(want))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.method != w.Method || g.path != w.Path || !cmp.Equal(map[string][]string(g.query), w.Query) {
			t.Errorf("call %d = %s %s %v, want %s %s %v", i, g.method, g.path, g.query, w.Method, w.Path, w.Query)
		}
		if w.JSONBody != nil {
			var gb, wb any
			if err := json.Unmarshal(g.body, &gb); err != nil {
				t.Errorf("call %d body is not JSON: %q", i, g.body)
			}
			json.Unmarshal(w.JSONBody, &wb)
			if diff := cmp.Diff(wb, gb); diff != "" {
				t.Errorf("call %d body (-want +got):\n%s", i, diff)
			}
		}
		for k, v := range w.Headers {
			if got := g.header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("call %d header %s = %q, want %q", i, k, got, v)
			}
		}
	}
}

func pageOf(q map[string][]string) int {
	if len(q["page"]) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(q["page"][0])
	return n
}

// sortPageRuns sorts each run of consecutive page ≥ 2 calls to one
// endpoint by page: those are fetched concurrently.
func sortPageRuns[C any](calls []C, key func(C) (string, int)) []C {
	out := slices.Clone(calls)
	for i := 0; i < len(out); {
		ep, p := key(out[i])
		j := i + 1
		for p >= 2 && j < len(out) {
			e2, p2 := key(out[j])
			if e2 != ep || p2 < 2 {
				break
			}
			j++
		}
		slices.SortStableFunc(out[i:j], func(a, b C) int { _, pa := key(a); _, pb := key(b); return pa - pb })
		i = j
	}
	return out
}

func describeGot(calls []recordedCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(c.method + " " + c.path + "?" + strings.Join(c.query["page"], ",") + "; ")
	}
	return b.String()
}

func describeWant(calls []stCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(c.Method + " " + c.Path + "?" + strings.Join(c.Query["page"], ",") + "; ")
	}
	return b.String()
}

// compareFetches checks the JWKS fetches (a refused connection cannot be
// observed; the answer shows the attempt).
func compareFetches(t *testing.T, c vectorCase, got []string, repl *strings.Replacer) {
	t.Helper()
	if c.JWKS.TransportError != "" {
		return
	}
	want := make([]string, len(c.Fetches))
	for i, f := range c.Fetches {
		want[i] = repl.Replace(f)
	}
	if diff := cmp.Diff(want, got, cmpNilEmpty); diff != "" {
		t.Errorf("JWKS fetches (-want +got):\n%s", diff)
	}
}

var cmpNilEmpty = cmp.Comparer(func(a, b []string) bool { return slices.Equal(a, b) })

// logBuffer collects the relay's logs so tests can check that no secret
// and no panic appears in them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) check(t *testing.T, secrets ...string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.buf.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("logs contain a secret (%.12q…)", s)
		}
	}
	for _, tok := range []string{strings.TrimPrefix(strings.TrimPrefix(secrets[len(secrets)-1], "Bearer "), "bearer ")} {
		if len(tok) > 20 && strings.Contains(out, tok) {
			t.Error("logs contain the bearer token")
		}
	}
	if strings.Contains(out, "panicked") {
		t.Errorf("relay panicked:\n%s", out)
	}
}

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
