package securitytrails

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// tlsReason words a certificate verification failure like the OpenSSL
// verify message passed through Python's str.capitalize(), as the original
// relay reports it (SPEC §6.5). ok is false when err is not a TLS
// verification failure.
func tlsReason(err error, now time.Time) (reason string, ok bool) {
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	chain := []*x509.Certificate(nil)
	if errors.As(err, &verify) {
		chain = verify.UnverifiedCertificates
	}
	switch {
	case errors.As(err, &hostErr):
		return fmt.Sprintf("Hostname mismatch, certificate is not valid for '%s'.", strings.ToLower(hostErr.Host)), true
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			if invalid.Cert != nil && now.Before(invalid.Cert.NotBefore) {
				return "Certificate is not yet valid", true
			}
			return "Certificate has expired", true
		}
		return capitalize(invalid.Error()), true
	case errors.As(err, &unknown):
		if len(chain) == 0 && unknown.Cert != nil {
			chain = []*x509.Certificate{unknown.Cert}
		}
		switch {
		case len(chain) > 0 && selfSigned(chain[0]):
			return "Self signed certificate", true
		case len(chain) > 1 && selfSigned(chain[len(chain)-1]):
			return "Self signed certificate in certificate chain", true
		}
		return "Unable to get local issuer certificate", true
	case verify != nil:
		return capitalize(verify.Err.Error()), true
	}
	return "", false
}

// selfSigned reports whether c is signed by its own key.
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// capitalize is Python's str.capitalize: first letter upper-case, the rest
// lower-case.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}
