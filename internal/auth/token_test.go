package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestTokenFormat(t *testing.T) {
	tok := newToken().Reveal()
	if !strings.HasPrefix(tok, "vgt_") || len(tok) != tokenLen {
		t.Fatalf("token %q: want vgt_ and %d characters", tok, tokenLen)
	}
	if err := checkTokenFormat(tok); err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct{ name, in, err string }{
		{"no prefix", "xyz_" + tok[4:], "prefix"},
		{"truncated", tok[:len(tok)-1], "length"},
		{"typo in body", flip(tok, 10), "checksum"},
		{"typo in checksum", flip(tok, len(tok)-1), "checksum"},
		{"bad character", tok[:10] + "-" + tok[11:], "character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkTokenFormat(tt.in); err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

// tokenFixture creates, two hours before the test time, a store with
// tokens in every state; it runs inside a synctest bubble.
func tokenFixture(t *testing.T) (*Service, *memStore, map[string]Secret, map[string]Token) {
	ctx := context.Background()
	s, st := newTestService(t, nil)
	secrets, tokens := map[string]Secret{}, map[string]Token{}
	add := func(key string, by Principal, req TokenRequest) {
		sec, tok, err := s.CreateToken(ctx, by, req)
		if err != nil {
			t.Fatal(err)
		}
		secrets[key], tokens[key] = sec, tok
	}
	mustUser(t, s, "alice", RoleAnalyst)
	mustUser(t, s, "bob", RoleAnalyst)
	add("personal", Principal{Name: "alice", Role: RoleAnalyst}, TokenRequest{Name: "alice-script", Role: RoleViewer})
	add("short", admin(), TokenRequest{Name: "short", Role: RoleAdmin, TTL: time.Hour})
	add("revoked", admin(), TokenRequest{Name: "old", Role: RoleAdmin})
	add("sensor", admin(), TokenRequest{Name: "ids-1", Role: RoleSensor, Sensor: "suricata-dmz"})
	add("disabled-owner", Principal{Name: "bob", Role: RoleAnalyst}, TokenRequest{Name: "bob-script", Role: RoleAnalyst})
	if err := s.RevokeToken(ctx, admin(), tokens["revoked"].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SetDisabled(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	secrets["unknown"], secrets["malformed"], secrets["password"] = newToken(), "vgt_nope", goodPassword
	time.Sleep(2 * time.Hour) // "short" is now expired
	return s, st, secrets, tokens
}

func TestAuthenticateToken(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want Principal // TokenID is filled in from the fixture
		errs []error
	}{
		{"personal token", "personal", Principal{Name: "alice-script", Role: RoleViewer, Kind: KindToken, Owner: "alice"}, nil},
		{"sensor token", "sensor", Principal{Name: "ids-1", Role: RoleSensor, Kind: KindToken, Owner: "root", Sensor: "suricata-dmz"}, nil},
		{"expired", "short", Principal{}, []error{ErrInvalidCredentials, ErrExpired}},
		{"revoked", "revoked", Principal{}, []error{ErrInvalidCredentials, ErrRevoked}},
		{"owner disabled", "disabled-owner", Principal{}, []error{ErrInvalidCredentials, ErrDisabled}},
		{"unknown but well-formed", "unknown", Principal{}, []error{ErrInvalidCredentials}},
		{"malformed", "malformed", Principal{}, []error{ErrInvalidCredentials, ErrMalformed}},
		{"a password is not a token", "password", Principal{}, []error{ErrInvalidCredentials, ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, _, secrets, tokens := tokenFixture(t)
				p, err := s.AuthenticateToken(context.Background(), secrets[tt.key])
				for _, e := range tt.errs {
					if !errors.Is(err, e) {
						t.Errorf("error %v does not match %v", err, e)
					}
				}
				if tt.errs == nil {
					if err != nil {
						t.Fatal(err)
					}
					tt.want.TokenID = tokens[tt.key].ID
				}
				if p != tt.want {
					t.Errorf("principal = %+v, want %+v", p, tt.want)
				}
			})
		})
	}
}

func TestTokenLastUsedThrottled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s, st, secrets, _ := tokenFixture(t)
		before := st.touches
		for range 5 {
			if _, err := s.AuthenticateToken(ctx, secrets["personal"]); err != nil {
				t.Fatal(err)
			}
		}
		if got := st.touches - before; got != 1 {
			t.Errorf("5 uses within a minute wrote last-used %d times, want 1", got)
		}
		time.Sleep(time.Minute)
		_, _ = s.AuthenticateToken(ctx, secrets["personal"])
		if got := st.touches - before; got != 2 {
			t.Errorf("after a minute: %d writes, want 2", got)
		}
	})
}

func TestCreateTokenPermissions(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t, func(o *Options) { o.TokenMaxLifetime = 24 * time.Hour })
	viewer := Principal{Name: "vic", Role: RoleViewer}
	analyst := Principal{Name: "ann", Role: RoleAnalyst}
	sensorTok := Principal{Name: "ids", Role: RoleSensor, Kind: KindToken}
	tests := []struct {
		name string
		by   Principal
		req  TokenRequest
		err  string
	}{
		{"admin makes a sensor token", admin(), TokenRequest{Name: "s1", Role: RoleSensor, Sensor: "ids-1"}, ""},
		{"analyst makes an analyst token", analyst, TokenRequest{Name: "a1", Role: RoleAnalyst}, ""},
		{"analyst makes a viewer token", analyst, TokenRequest{Name: "a2", Role: RoleViewer}, ""},
		{"analyst may not escalate to admin", analyst, TokenRequest{Name: "a3", Role: RoleAdmin}, "may not create"},
		{"viewer may not make analyst tokens", viewer, TokenRequest{Name: "v1", Role: RoleAnalyst}, "may not create"},
		{"analyst may not make sensor tokens", analyst, TokenRequest{Name: "a4", Role: RoleSensor, Sensor: "x"}, "may not create"},
		{"a sensor token may not make tokens", sensorTok, TokenRequest{Name: "t", Role: RoleSensor, Sensor: "x"}, "may not create"},
		{"sensor role needs a sensor name", admin(), TokenRequest{Name: "s2", Role: RoleSensor}, "sensor name"},
		{"sensor name needs sensor role", admin(), TokenRequest{Name: "s3", Role: RoleAdmin, Sensor: "x"}, "sensor name"},
		{"unknown role", admin(), TokenRequest{Name: "s4", Role: "root"}, "unknown role"},
		{"empty name", admin(), TokenRequest{Role: RoleViewer}, "token name"},
		{"duplicate name", admin(), TokenRequest{Name: "s1", Role: RoleViewer}, "already exists"},
		{"lifetime above the cap", admin(), TokenRequest{Name: "s5", Role: RoleViewer, TTL: 48 * time.Hour}, "exceeds the maximum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secret, tok, err := s.CreateToken(ctx, tt.by, tt.req)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.Hash != hashSecret(secret) || tok.Owner != tt.by.Name {
				t.Errorf("stored token %+v does not match the secret or owner", tok)
			}
			if tok.ExpiresAt.IsZero() {
				t.Error("TokenMaxLifetime set but the token never expires")
			}
		})
	}
	t.Run("users see and revoke only their own tokens", func(t *testing.T) {
		own, err := s.ListTokens(ctx, analyst)
		if err != nil || len(own) != 2 {
			t.Fatalf("analyst sees %d tokens (%v), want their 2", len(own), err)
		}
		all, _ := s.ListTokens(ctx, admin())
		var adminTok string
		for _, tk := range all {
			if tk.Owner == "root" {
				adminTok = tk.ID
			}
		}
		if err := s.RevokeToken(ctx, analyst, adminTok); !errors.Is(err, ErrNotFound) {
			t.Errorf("analyst revoking an admin token: %v, want ErrNotFound", err)
		}
		if err := s.RevokeToken(ctx, analyst, own[0].ID); err != nil {
			t.Errorf("analyst revoking their own token: %v", err)
		}
	})
}

func BenchmarkAuthenticateToken(b *testing.B) {
	ctx := context.Background()
	s, _ := newTestService(b, nil)
	var tok Secret
	for i := range 1000 {
		t, _, err := s.CreateToken(ctx, admin(), TokenRequest{Name: "t" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Role: RoleSensor, Sensor: "s"})
		if err != nil {
			b.Fatal(err)
		}
		tok = t
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AuthenticateToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
