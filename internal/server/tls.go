package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/config"
)

// serverTLS builds a listener's TLS configuration (TLS 1.3, optional mutual
// TLS with an allow-list); nil when TLS is off.
func serverTLS(c config.TLS) (*tls.Config, error) {
	if !c.Enabled() {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(c.Cert, c.Key)
	if err != nil {
		return nil, fmt.Errorf("load certificate: %w", err)
	}
	opts := transport.ServerTLSOptions{
		Certificates:       []tls.Certificate{cert},
		OptionalClientCert: c.ClientCertOptional,
		Allow:              transport.PeerAllowList{Fingerprints: c.AllowFingerprints, DNSNames: c.AllowDNSNames},
	}
	if c.ClientCA != "" {
		pem, err := os.ReadFile(c.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("read client CA: %w", err)
		}
		opts.ClientCAs = x509.NewCertPool()
		if !opts.ClientCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client CA %s: no PEM certificate", c.ClientCA)
		}
	}
	return transport.ServerTLSConfig(opts)
}
