package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestRelayConfigContract checks the environment variables of the
// issue's configuration contract and their defaults.
func TestRelayConfigContract(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want func(*relayConfig)
	}{
		{"defaults", nil, func(c *relayConfig) {}},
		{"PORT", map[string]string{"PORT": "8080"}, func(c *relayConfig) { c.listen = ":8080" }},
		{"VIGIE_RELAY_LISTEN wins over PORT", map[string]string{"PORT": "8080", "VIGIE_RELAY_LISTEN": "127.0.0.1:7000"},
			func(c *relayConfig) { c.listen = "127.0.0.1:7000" }},
		{"API URL", map[string]string{"SECURITYTRAILS_API_URL": "http://127.0.0.1:1/v1/"},
			func(c *relayConfig) { c.apiURL = "http://127.0.0.1:1/v1/" }},
		{"pacing off", map[string]string{"SECURITYTRAILS_PACING": "false"}, func(c *relayConfig) { c.pacing = "false" }},
		{"allowed hosts", map[string]string{"RELAY_JWKS_ALLOWED_HOSTS": "127.0.0.1:8443,*"},
			func(c *relayConfig) { c.allowedHosts = "127.0.0.1:8443,*" }},
		{"cache ttl", map[string]string{"RELAY_JWKS_CACHE_TTL": "5m"}, func(c *relayConfig) { c.jwksCacheTTL = 5 * time.Minute }},
	}
	base := relayConfig{
		listen: ":9090", apiURL: "https://api.securitytrails.com/v1/", pacing: "true",
		allowedHosts: "visibility.amp.cisco.com,visibility.eu.amp.cisco.com,visibility.apjc.amp.cisco.com",
		timeout:      30 * time.Second, logLevel: "info",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := base
			tt.want(&want)
			got := defaultRelayConfig(env(tt.env))
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(relayConfig{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRelayConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad pacing", map[string]string{"SECURITYTRAILS_PACING": "maybe"}, "SECURITYTRAILS_PACING"},
		{"bad hosts", map[string]string{"RELAY_JWKS_ALLOWED_HOSTS": "https://x/"}, "RELAY_JWKS_ALLOWED_HOSTS"},
		{"bad api url", map[string]string{"SECURITYTRAILS_API_URL": "ftp://x"}, "SECURITYTRAILS_API_URL"},
		{"bad duration", map[string]string{"SECURITYTRAILS_TIMEOUT": "soon"}, "SECURITYTRAILS_TIMEOUT"},
		{"bad log level", map[string]string{"VIGIE_LOG_LEVEL": "loud"}, "--log-level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildRelay(defaultRelayConfig(env(tt.env)), io.Discard)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error naming %s", err, tt.want)
			}
		})
	}
}

// TestRelayServesAndStops runs the command's server on a loopback port,
// calls it, then cancels the context as SIGTERM does.
func TestRelayServesAndStops(t *testing.T) {
	cfg := defaultRelayConfig(env(map[string]string{"SECURITYTRAILS_PACING": "false"}))
	s, err := buildRelay(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln) }()

	base := "http://" + ln.Addr().String()
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"POST", "/version", 200, `{"version":"2.0.5"}`},
		{"GET", "/metrics", 404, `"reason":"werkzeug.exceptions.NotFound"`},
		{"POST", "/health", 200, `Authorization header is missing`},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), tc.method, base+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.body) {
			t.Errorf("%s %s = %d %s", tc.method, tc.path, resp.StatusCode, b)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("relay did not stop")
	}
}

func TestRelayCommandRegistered(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	cmd, _, err := root.Find([]string{"relay", "securitytrails"})
	if err != nil || cmd.Name() != "securitytrails" {
		t.Fatalf("vigie relay securitytrails not found: %v", err)
	}
	for _, f := range []string{"listen", "api-url", "pacing", "jwks-allowed-hosts", "metrics-listen"} {
		if cmd.Flags().Lookup(f) == nil {
			t.Errorf("flag --%s missing", f)
		}
	}
}
