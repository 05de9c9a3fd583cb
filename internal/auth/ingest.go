package auth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/vigie-siem/vigie/idmefv2/transport"
)

// IngestOptions configures an IngestAuthenticator.
type IngestOptions struct {
	// ClientCerts accepts a verified TLS client certificate as the
	// sensor's identity when the request has no Authorization header
	// (ingest.tls.client_ca set).
	ClientCerts bool
}

// IngestAuthenticator authenticates sensors on the IDMEFv2 ingest
// listener; it implements transport.Authenticator and transport.Challenger.
// A request is accepted with:
//   - Authorization: Bearer <API token> whose role allows alerts:ingest
//     (sensor tokens, admin tokens);
//   - Authorization: Basic with the API token as the password (the user
//     name is ignored), for senders that only know Basic;
//   - with ClientCerts, a verified client certificate (transport.TLSPeer).
//
// The peer name is the sensor name of a sensor token, else the token's
// name, else the certificate's identity.
type IngestAuthenticator struct {
	s    *Service
	opts IngestOptions
}

// IngestAuthenticator returns the ingest adapter of s.
func (s *Service) IngestAuthenticator(opts IngestOptions) *IngestAuthenticator {
	return &IngestAuthenticator{s: s, opts: opts}
}

// Challenges implements transport.Challenger.
func (a *IngestAuthenticator) Challenges() []string { return a.s.challenges() }

// Authenticate implements transport.Authenticator.
func (a *IngestAuthenticator) Authenticate(r *http.Request) (transport.Peer, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if a.opts.ClientCerts {
			if p, ok := transport.TLSPeer(r); ok {
				return p, nil
			}
		}
		return transport.Peer{}, fmt.Errorf("no credentials: %w", transport.ErrUnauthenticated)
	}
	authz, err := parseAuthorization(h)
	if err != nil {
		return transport.Peer{}, fmt.Errorf("%v: %w", err, transport.ErrUnauthenticated)
	}
	token, method := authz.token, transport.AuthBearer
	if authz.scheme == "basic" {
		token, method = authz.password, transport.AuthBasic
	}
	p, err := a.s.AuthenticateToken(r.Context(), token)
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		return transport.Peer{}, fmt.Errorf("%v: %w", err, transport.ErrUnauthenticated)
	case err != nil:
		return transport.Peer{}, fmt.Errorf("%w: %w", transport.ErrUnavailable, err)
	case !p.Can(ActionAlertsIngest):
		return transport.Peer{}, fmt.Errorf("token %s (role %s) may not send alerts: %w", p.TokenID, p.Role, transport.ErrForbidden)
	}
	name := p.Name
	if p.Sensor != "" {
		name = p.Sensor
	}
	return transport.Peer{Name: name, Method: method, Addr: r.RemoteAddr}, nil
}
