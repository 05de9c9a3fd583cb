package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2/transport"
)

func TestIngestAuthenticator(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t, nil)
	mustUser(t, s, "root", RoleAdmin)
	sensor, _, _ := s.CreateToken(ctx, admin(), TokenRequest{Name: "ids-tok", Role: RoleSensor, Sensor: "suricata-dmz"})
	adminTok, _, _ := s.CreateToken(ctx, admin(), TokenRequest{Name: "importer", Role: RoleAdmin})
	viewer, _, _ := s.CreateToken(ctx, admin(), TokenRequest{Name: "dash", Role: RoleViewer})
	withAuth := func(h string) *http.Request {
		r := httptest.NewRequest("POST", "/", nil)
		r.Header.Set("Authorization", h)
		return r
	}
	tests := []struct {
		name  string
		opts  IngestOptions
		req   *http.Request
		want  transport.Peer
		isErr error
	}{
		{"sensor token: peer is the sensor", IngestOptions{}, withAuth("Bearer " + sensor.Reveal()), transport.Peer{Name: "suricata-dmz", Method: transport.AuthBearer}, nil},
		{"token as Basic password", IngestOptions{}, withAuth(basic("anything", sensor.Reveal())), transport.Peer{Name: "suricata-dmz", Method: transport.AuthBasic}, nil},
		{"admin token may ingest", IngestOptions{}, withAuth("Bearer " + adminTok.Reveal()), transport.Peer{Name: "importer", Method: transport.AuthBearer}, nil},
		{"viewer token is forbidden", IngestOptions{}, withAuth("Bearer " + viewer.Reveal()), transport.Peer{}, transport.ErrForbidden},
		{"user password is not accepted", IngestOptions{}, withAuth(basic("alice", goodPassword.Reveal())), transport.Peer{}, transport.ErrUnauthenticated},
		{"unknown token", IngestOptions{}, withAuth("Bearer " + newToken().Reveal()), transport.Peer{}, transport.ErrUnauthenticated},
		{"no credentials", IngestOptions{}, httptest.NewRequest("POST", "/", nil), transport.Peer{}, transport.ErrUnauthenticated},
		{"client certificate when enabled", IngestOptions{ClientCerts: true}, certRequest("sensor-1.example.org"), transport.Peer{Name: "sensor-1.example.org", Method: transport.AuthMTLS}, nil},
		{"client certificate when not enabled", IngestOptions{}, certRequest("sensor-1.example.org"), transport.Peer{}, transport.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := s.IngestAuthenticator(tt.opts)
			p, err := a.Authenticate(tt.req)
			if tt.isErr != nil {
				if !errors.Is(err, tt.isErr) {
					t.Fatalf("error %v, want %v", err, tt.isErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p.Addr = ""
			if p != tt.want {
				t.Errorf("peer %+v, want %+v", p, tt.want)
			}
		})
	}
	var _ transport.Authenticator = s.IngestAuthenticator(IngestOptions{})
	var _ transport.Challenger = s.IngestAuthenticator(IngestOptions{})
}
