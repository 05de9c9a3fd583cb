package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestCheckPassword(t *testing.T) {
	ctx := context.Background()
	s, st := newTestService(t, nil)
	mustUser(t, s, "alice", RoleAnalyst)
	mustUser(t, s, "dave", RoleViewer)
	if err := s.SetDisabled(ctx, "dave", true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user string
		pw         Secret
		err        error
	}{
		{"right", "alice", goodPassword, nil},
		{"name is case-insensitive", "ALICE", goodPassword, nil},
		{"wrong password", "alice", "not the password", ErrInvalidCredentials},
		{"unknown user: the same error", "mallory", goodPassword, ErrInvalidCredentials},
		{"disabled user, right password", "dave", goodPassword, ErrDisabled},
		{"disabled user, wrong password: nothing revealed", "dave", "not the password", ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.CheckPassword(ctx, tt.user, tt.pw, "192.0.2.7")
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if tt.err == nil && u.Name != "alice" {
				t.Errorf("user %q", u.Name)
			}
		})
	}
	t.Run("rehash on new parameters", func(t *testing.T) {
		stronger := fastParams
		stronger.Iterations = 2
		s2, err := New(Options{Users: st, Tokens: st, Sessions: st, Argon2: stronger})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s2.CheckPassword(ctx, "alice", goodPassword, ""); err != nil {
			t.Fatal(err)
		}
		u, _ := st.UserByName(ctx, "alice")
		if !strings.Contains(u.PasswordHash, ",t=2,") {
			t.Errorf("hash not upgraded: %s", u.PasswordHash)
		}
		if _, err := s2.CheckPassword(ctx, "alice", goodPassword, ""); err != nil {
			t.Errorf("upgraded hash does not verify: %v", err)
		}
	})
}

func TestCreateUserErrors(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t, nil)
	mustUser(t, s, "alice", RoleAnalyst)
	tests := []struct {
		name, user string
		role       Role
		pw         Secret
		err        string
	}{
		{"duplicate, other case", "Alice", RoleViewer, goodPassword, "already exists"},
		{"sensor is not a user role", "ids", RoleSensor, goodPassword, "want admin, analyst or viewer"},
		{"weak password", "bob", RoleViewer, "short", "at least 12"},
		{"bad name", "bob smith", RoleViewer, goodPassword, "want letters"},
		{"name starting with a dot", ".bob", RoleViewer, goodPassword, "want letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.user, tt.role, tt.pw)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want %q", err, tt.err)
			}
		})
	}
}

func TestLockout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := newTestService(t, func(o *Options) {
			o.Lockout = LockoutOptions{MaxFailures: 3, Window: 10 * time.Minute, Duration: 15 * time.Minute}
		})
		mustUser(t, s, "alice", RoleAnalyst)
		for range 3 {
			if _, err := s.CheckPassword(ctx, "alice", "guess guess guess", "198.51.100.9"); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatalf("guess: %v", err)
			}
		}
		_, err := s.CheckPassword(ctx, "alice", goodPassword, "198.51.100.9")
		var le *LockedError
		if !errors.As(err, &le) || le.RetryAfter != 15*time.Minute {
			t.Fatalf("after 3 failures the right password gives %v, want a 15m lockout", err)
		}
		if _, err := s.CheckPassword(ctx, "alice", goodPassword, "192.0.2.1"); err != nil {
			t.Errorf("another address is locked out too: %v", err)
		}
		time.Sleep(15 * time.Minute)
		if _, err := s.CheckPassword(ctx, "alice", goodPassword, "198.51.100.9"); err != nil {
			t.Errorf("after the lockout: %v", err)
		}
		// Failures spread wider than the window never lock.
		for range 5 {
			_, _ = s.CheckPassword(ctx, "alice", "guess guess guess", "203.0.113.5")
			time.Sleep(6 * time.Minute)
			_, _ = s.CheckPassword(ctx, "alice", "guess guess guess", "203.0.113.5")
			time.Sleep(11 * time.Minute)
		}
		if _, err := s.CheckPassword(ctx, "alice", goodPassword, "203.0.113.5"); err != nil {
			t.Errorf("slow failures locked out: %v", err)
		}
	})
}

func TestLockoutIsBounded(t *testing.T) {
	l, err := newLockout(LockoutOptions{MaxFailures: 2, MaxEntries: 3})
	if err != nil {
		t.Fatal(err)
	}
	l.fail("a")
	l.fail("a") // locks a
	for _, k := range []string{"b", "c", "d"} {
		l.fail(k)
	}
	if len(l.byID) != 3 || l.lru.Len() != 3 {
		t.Fatalf("%d entries, want at most 3", len(l.byID))
	}
	if l.locked("a") != 0 {
		t.Error("the least recent entry was not the one evicted")
	}
}

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		existing    Role // a user created first; "" none
		pw          Secret
		wantCreated bool
		wantShown   bool // a generated password is returned
		err         string
	}{
		{"empty store, generated password", "", "", true, true, ""},
		{"empty store, password from the environment", "", "from the environment!", true, false, ""},
		{"weak environment password", "", "admin", false, false, "VIGIE_ADMIN_PASSWORD: password does not meet the policy"},
		{"an admin exists: nothing changes", RoleAdmin, "from the environment!", false, false, ""},
		{"only an analyst exists: admin created", RoleAnalyst, "", true, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, st := newTestService(t, nil)
			if tt.existing != "" {
				mustUser(t, s, "first", tt.existing)
			}
			res, err := s.Bootstrap(ctx, BootstrapOptions{Password: tt.pw})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != tt.wantCreated || (res.Password != "") != tt.wantShown {
				t.Fatalf("result %+v (password shown: %v)", res, res.Password != "")
			}
			if !tt.wantCreated {
				if _, err := st.UserByName(ctx, "admin"); !errors.Is(err, ErrNotFound) {
					t.Error("an admin was created although one existed")
				}
				return
			}
			login := tt.pw
			if tt.wantShown {
				login = res.Password
			}
			u, err := s.CheckPassword(ctx, "admin", login, "")
			if err != nil || u.Role != RoleAdmin {
				t.Errorf("the bootstrapped admin cannot log in: %v (%+v)", err, u)
			}
			if again, _ := s.Bootstrap(ctx, BootstrapOptions{}); again.Created {
				t.Error("a second Bootstrap created another admin")
			}
		})
	}
}
