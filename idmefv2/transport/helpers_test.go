package transport

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

// testValidator stands in for the idmefv2 validator (the lead plugs the
// real one in): a message must be an object with string "Version" and
// "ID" attributes.
var testValidator = ValidatorFunc(func(_ context.Context, msg []byte) Verdict {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(msg, &obj); err != nil {
		return Verdict{Problems: []Problem{{Pointer: "", Rule: "type", Message: err.Error(), Severity: SeverityError}}}
	}
	var problems []Problem
	for _, name := range []string{"Version", "ID"} {
		var s string
		if raw, ok := obj[name]; !ok {
			problems = append(problems, Problem{Pointer: "/" + name, Rule: "required", Message: name + " is required", Severity: SeverityError})
		} else if json.Unmarshal(raw, &s) != nil {
			problems = append(problems, Problem{Pointer: "/" + name, Rule: "type", Message: name + " must be a string", Severity: SeverityError})
		}
	}
	return Verdict{OK: len(problems) == 0, Problems: problems}
})

// memSink records accepted messages, one slice per Accept call, and
// fails with err when set.
type memSink struct {
	mu      sync.Mutex
	batches [][]Message
	err     error
}

func (s *memSink) Accept(_ context.Context, batch []Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.batches = append(s.batches, slices.Clone(batch))
	return nil
}

func (s *memSink) messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []Message
	for _, b := range s.batches {
		all = append(all, b...)
	}
	return all
}

// memRejecter records dead letters.
type memRejecter struct {
	mu  sync.Mutex
	got []Rejection
}

func (r *memRejecter) Reject(_ context.Context, rej []Rejection) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rej...)
	return nil
}

func (r *memRejecter) all() []Rejection {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestHandler(t testing.TB, opts Options) *Handler {
	t.Helper()
	h, err := NewHandler(opts)
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	return h
}

// decodeBody reads a JSON Response from an answer.
func decodeBody(t *testing.T, res *http.Response) Response {
	t.Helper()
	var r Response
	if ct := res.Header.Get("Content-Type"); ct != jsonType {
		t.Fatalf("Content-Type of the %d answer = %q, want %q", res.StatusCode, ct, jsonType)
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatalf("decoding the %d answer: %v", res.StatusCode, err)
	}
	if r.Error == "" {
		t.Fatalf("the %d answer has no error message", res.StatusCode)
	}
	return r
}

// testPKI is a certificate authority that issues certificates for tests.
type testPKI struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newPKI(t testing.TB, name string) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testPKI{cert: cert, key: key, pool: pool}
}

// issue returns a leaf certificate for the DNS names (server and client
// use), with 127.0.0.1 as IP SAN so loopback servers verify.
func (p *testPKI) issue(t testing.TB, dnsNames ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "cn-is-never-used"},
		DNSNames:     dnsNames,
		IPAddresses:  nil,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	tmpl.IPAddresses = append(tmpl.IPAddresses, []byte{127, 0, 0, 1})
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}
