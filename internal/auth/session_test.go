package auth

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestSessions(t *testing.T) {
	tests := []struct {
		name string
		// after logs in as alice (analyst) and then acts; it returns the
		// session ID to check.
		after    func(t *testing.T, s *Service, id Secret) Secret
		wantRole Role
		errs     []error
	}{
		{"fresh", func(*testing.T, *Service, Secret) Secret { time.Sleep(59 * time.Minute); return "" }, RoleAnalyst, nil},
		{"idle timeout", func(*testing.T, *Service, Secret) Secret { time.Sleep(time.Hour); return "" }, "", []error{ErrInvalidCredentials, ErrExpired}},
		{"kept alive within the lifetime", func(t *testing.T, s *Service, id Secret) Secret {
			for range 11 { // 11 × 55m = 10h05m < 12h
				time.Sleep(55 * time.Minute)
				if _, err := s.AuthenticateSession(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			}
			return ""
		}, RoleAnalyst, nil},
		{"absolute lifetime", func(t *testing.T, s *Service, id Secret) Secret {
			for range 13 { // 13 × 55m = 11h55m, never idle
				time.Sleep(55 * time.Minute)
				if _, err := s.AuthenticateSession(context.Background(), id); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(5 * time.Minute) // 12h after login
			return ""
		}, "", []error{ErrInvalidCredentials, ErrExpired}},
		{"role change applies at once", func(t *testing.T, s *Service, _ Secret) Secret {
			if err := s.SetRole(context.Background(), "alice", RoleViewer); err != nil {
				t.Fatal(err)
			}
			return ""
		}, RoleViewer, nil},
		{"disabled user", func(t *testing.T, s *Service, _ Secret) Secret {
			if err := s.SetDisabled(context.Background(), "alice", true); err != nil {
				t.Fatal(err)
			}
			return ""
		}, "", []error{ErrInvalidCredentials}},
		{"password change ends sessions", func(t *testing.T, s *Service, _ Secret) Secret {
			if err := s.SetPassword(context.Background(), "alice", "another long passphrase"); err != nil {
				t.Fatal(err)
			}
			return ""
		}, "", []error{ErrInvalidCredentials}},
		{"logout", func(t *testing.T, s *Service, id Secret) Secret {
			if err := s.Logout(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			return ""
		}, "", []error{ErrInvalidCredentials}},
		{"login again rotates the ID: the old one ends", func(t *testing.T, s *Service, id Secret) Secret {
			res, err := s.Login(context.Background(), LoginRequest{Name: "alice", Password: goodPassword, Previous: id})
			if err != nil {
				t.Fatal(err)
			}
			if res.SessionID == id {
				t.Fatal("login reused the session ID")
			}
			return id
		}, "", []error{ErrInvalidCredentials}},
		{"malformed ID", func(*testing.T, *Service, Secret) Secret { return "short" }, "", []error{ErrInvalidCredentials, ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				s, _ := newTestService(t, nil)
				mustUser(t, s, "alice", RoleAnalyst)
				res, err := s.Login(ctx, LoginRequest{Name: "Alice", Password: goodPassword, ClientIP: "192.0.2.1"})
				if err != nil {
					t.Fatal(err)
				}
				if !res.ExpiresAt.Equal(time.Now().Add(12 * time.Hour)) {
					t.Errorf("expires %v, want now + 12h", res.ExpiresAt)
				}
				id := res.SessionID
				if other := tt.after(t, s, id); other != "" {
					id = other
				}
				p, err := s.AuthenticateSession(ctx, id)
				for _, e := range tt.errs {
					if !errors.Is(err, e) {
						t.Errorf("error %v does not match %v", err, e)
					}
				}
				if tt.errs == nil {
					if err != nil {
						t.Fatal(err)
					}
					if p.Role != tt.wantRole || p.Kind != KindSession || p.Name != "alice" || p.CSRFToken() != res.CSRFToken {
						t.Errorf("principal %+v (csrf %q), want alice/%s with the login's CSRF token", p, p.CSRFToken(), tt.wantRole)
					}
				}
			})
		})
	}
}

func TestPurgeSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s, st := newTestService(t, nil)
		mustUser(t, s, "alice", RoleAnalyst)
		for range 3 {
			if _, err := s.Login(ctx, LoginRequest{Name: "alice", Password: goodPassword}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(30 * time.Minute)
		if n, _ := s.PurgeSessions(ctx); n != 0 || st.sessionCount() != 3 {
			t.Fatalf("purged %d live sessions", n)
		}
		time.Sleep(31 * time.Minute)
		if n, err := s.PurgeSessions(ctx); err != nil || n != 3 || st.sessionCount() != 0 {
			t.Fatalf("purge after idle timeout: %d, %v; %d left", n, err, st.sessionCount())
		}
	})
}

func TestCSRFToken(t *testing.T) {
	a, b := newSessionID(), newSessionID()
	if csrfToken(a) == csrfToken(b) {
		t.Fatal("two sessions share a CSRF token")
	}
	for _, tt := range []struct {
		name, presented string
		want            bool
	}{
		{"right", csrfToken(a), true},
		{"missing", "", false},
		{"other session's", csrfToken(b), false},
		{"truncated", csrfToken(a)[:10], false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := validCSRF(a, tt.presented); got != tt.want {
				t.Errorf("validCSRF = %v, want %v", got, tt.want)
			}
		})
	}
}
