package syslog

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// issue makes a certificate signed by parent (self-signed when parent is
// nil) and returns it with its key.
func issue(t *testing.T, cn string, parent *tls.Certificate, isCA bool, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{cn}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		IsCA: isCA, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	signer, parentCert := any(key), tmpl
	if parent != nil {
		signer, parentCert = parent.PrivateKey, parent.Leaf
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// TestTLS: RFC 5425 with mutual TLS; a sender without a certificate is
// refused at the handshake and counted.
func TestTLS(t *testing.T) {
	ca := issue(t, "vigie-test-ca", nil, true, x509.ExtKeyUsageAny)
	srvCert := issue(t, "localhost", &ca, false, x509.ExtKeyUsageServerAuth)
	cliCert := issue(t, "sender", &ca, false, x509.ExtKeyUsageClientAuth)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Leaf)
	c := &collector{}
	s, _ := start(t, Options{Handler: c, TCPAddr: "127.0.0.1:0", TLS: &tls.Config{
		Certificates: []tls.Certificate{srvCert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13,
	}})
	msg := `<34>1 2026-11-23T10:00:00Z web01 sshd 1 - - over TLS`
	conn, err := tls.Dial("tcp", s.TCPAddr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{cliCert}})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "%d %s", len(msg), msg)
	conn.Close()
	evs := c.wait(t, 1)
	if evs[0].Input != "syslog/tls" || evs[0].Message != "over TLS" {
		t.Fatalf("event = %+v", evs[0])
	}
	// No client certificate: the handshake fails on the server side.
	bad, err := tls.Dial("tcp", s.TCPAddr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err == nil {
		fmt.Fprintf(bad, "%d %s", len(msg), msg)
		_ = bad.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _ = bad.Read(make([]byte, 1)) // TLS 1.3: the refusal arrives after the client's side completes
		bad.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for testutil.ToFloat64(s.m.tlsErrors) < 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := testutil.ToFloat64(s.m.tlsErrors); got != 1 {
		t.Errorf("TLS handshake errors = %v, want 1", got)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(c.wait(t, 1)); n != 1 {
		t.Errorf("%d events, want only the authenticated sender's", n)
	}
}
