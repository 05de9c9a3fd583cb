package transport

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// PeerAllowList is the draft's explicit allow-list of peer certificates.
// A certificate is allowed when its SHA-256 fingerprint is listed or one of
// its DNS SANs equals a listed name exactly (case-insensitively). Wildcard
// SANs and the subject common name never match, as the draft forbids them
// as identifiers. An empty list allows every certificate that verifies.
type PeerAllowList struct {
	// Fingerprints are hex SHA-256 digests of leaf certificates (DER);
	// colons and case are ignored.
	Fingerprints []string
	// DNSNames are exact DNS names (no wildcards).
	DNSNames []string
}

func (a PeerAllowList) empty() bool { return len(a.Fingerprints) == 0 && len(a.DNSNames) == 0 }

// compile checks the list and returns the function that enforces it on a
// verified leaf certificate.
func (a PeerAllowList) compile() (func(*x509.Certificate) error, error) {
	fps := make(map[string]bool, len(a.Fingerprints))
	for _, f := range a.Fingerprints {
		norm := strings.ToLower(strings.ReplaceAll(f, ":", ""))
		if b, err := hex.DecodeString(norm); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("peer allow-list: fingerprint %q is not a hex SHA-256 digest", f)
		}
		fps[norm] = true
	}
	names := make(map[string]bool, len(a.DNSNames))
	for _, n := range a.DNSNames {
		if n == "" || strings.Contains(n, "*") {
			return nil, fmt.Errorf("peer allow-list: DNS name %q is empty or a wildcard", n)
		}
		names[strings.ToLower(n)] = true
	}
	return func(leaf *x509.Certificate) error {
		if fps[Fingerprint(leaf)] {
			return nil
		}
		for _, n := range leaf.DNSNames {
			if !strings.Contains(n, "*") && names[strings.ToLower(n)] {
				return nil
			}
		}
		return fmt.Errorf("peer certificate (sha256 %s, DNS names %v) is not on the allow-list", Fingerprint(leaf), leaf.DNSNames)
	}, nil
}

// ServerTLSOptions configures ServerTLSConfig.
type ServerTLSOptions struct {
	// Certificates are the server's certificate chains. Required unless
	// GetCertificate is set.
	Certificates []tls.Certificate
	// GetCertificate, if set, picks the certificate per handshake (e.g. to
	// reload it from disk).
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// ClientCAs verifies client certificates. Nil: client certificates
	// are not requested.
	ClientCAs *x509.CertPool
	// OptionalClientCert accepts clients without a certificate (they must
	// then authenticate otherwise, e.g. with a token). By default a
	// ClientCAs pool makes the client certificate required (mutual TLS,
	// as the draft specifies).
	OptionalClientCert bool
	// Allow restricts which verified client certificates are accepted.
	Allow PeerAllowList
}

// ServerTLSConfig builds the TLS configuration the draft requires: TLS 1.3
// only (whose cipher suites all have forward secrecy), HTTP/2 and
// HTTP/1.1 over ALPN, and mutual TLS with an optional allow-list of peer
// certificates when ClientCAs is set.
func ServerTLSConfig(opts ServerTLSOptions) (*tls.Config, error) {
	if len(opts.Certificates) == 0 && opts.GetCertificate == nil {
		return nil, errors.New("server TLS: no certificate (set Certificates or GetCertificate)")
	}
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS13,
		MaxVersion:     tls.VersionTLS13,
		Certificates:   opts.Certificates,
		GetCertificate: opts.GetCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
	}
	if opts.ClientCAs == nil {
		if !opts.Allow.empty() {
			return nil, errors.New("server TLS: a peer allow-list needs ClientCAs to verify client certificates")
		}
		return cfg, nil
	}
	cfg.ClientCAs = opts.ClientCAs
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	if opts.OptionalClientCert {
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	if !opts.Allow.empty() {
		allowed, err := opts.Allow.compile()
		if err != nil {
			return nil, fmt.Errorf("server TLS: %w", err)
		}
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return nil // only possible with OptionalClientCert
			}
			return allowed(cs.PeerCertificates[0])
		}
	}
	return cfg, nil
}

// ClientTLSOptions configures ClientTLSConfig.
type ClientTLSOptions struct {
	// Certificates are the client's certificate chains for mutual TLS.
	Certificates []tls.Certificate
	// RootCAs verifies the server. Nil: the system roots.
	RootCAs *x509.CertPool
	// ServerName overrides the name verified in the server certificate
	// (default: the URL's host).
	ServerName string
	// Allow restricts which verified server certificates are accepted.
	Allow PeerAllowList
}

// ClientTLSConfig builds a client TLS configuration: TLS 1.3 only, an
// optional client certificate and an optional allow-list of server
// certificates. Client negotiates HTTP/2 over it by ALPN.
func ClientTLSConfig(opts ClientTLSOptions) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		MaxVersion:   tls.VersionTLS13,
		Certificates: opts.Certificates,
		RootCAs:      opts.RootCAs,
		ServerName:   opts.ServerName,
		// No NextProtos: http.Transport offers h2 and http/1.1 itself,
		// according to the protocols it has enabled.
	}
	if !opts.Allow.empty() {
		allowed, err := opts.Allow.compile()
		if err != nil {
			return nil, fmt.Errorf("client TLS: %w", err)
		}
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return allowed(cs.PeerCertificates[0])
		}
	}
	return cfg, nil
}
