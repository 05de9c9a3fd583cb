package authstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/auth/authstore"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

const password = "correct horse battery staple"

var admin = auth.Principal{Name: "admin", Role: auth.RoleAdmin, Kind: auth.KindBasic}

type fixture struct {
	db  *sqlite.Store
	as  *authstore.Store
	svc *auth.Service
}

// newFixture is the real stack: auth.Service over the adapter over SQLite,
// with users admin and ana (analyst).
func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(t.TempDir(), "vigie.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	as, err := authstore.New(db)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(auth.Options{
		Users: as, Tokens: as, Sessions: as,
		Argon2: auth.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1}, // fast for tests
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"admin", auth.RoleAdmin}, {"ana", auth.RoleAnalyst}} {
		if _, err := svc.CreateUser(ctx, u.name, u.role, auth.Secret(password)); err != nil {
			t.Fatalf("create user %s: %v", u.name, err)
		}
	}
	return fixture{db: db, as: as, svc: svc}
}

func (f fixture) login(t *testing.T, name string) auth.Secret {
	t.Helper()
	res, err := f.svc.Login(t.Context(), auth.LoginRequest{Name: name, Password: password, ClientIP: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", name, err)
	}
	return res.SessionID
}

func TestNewRequiresAccounts(t *testing.T) {
	if _, err := authstore.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

// TestSessionsOnUserChanges: a password change or disabling ends the
// user's sessions by deleting them; a role change keeps them, with the new
// role, and another user's sessions are untouched.
func TestSessionsOnUserChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(context.Context, fixture) error
		ended  bool
	}{
		{"role change", func(c context.Context, f fixture) error { return f.svc.SetRole(c, "ana", auth.RoleViewer) }, false},
		{"password change", func(c context.Context, f fixture) error {
			return f.svc.SetPassword(c, "ana", "another long passphrase")
		}, true},
		{"disabled", func(c context.Context, f fixture) error { return f.svc.SetDisabled(c, "ana", true) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, ctx := newFixture(t), t.Context()
			ana, adm := f.login(t, "ana"), f.login(t, "admin")
			if err := tc.change(ctx, f); err != nil {
				t.Fatal(err)
			}
			_, stored := f.db.SessionByHash(ctx, fmt.Sprintf("%x", sha256.Sum256([]byte(ana.Reveal()))))
			if ended := errors.Is(stored, store.ErrNotFound); ended != tc.ended {
				t.Errorf("ana's session row gone = %v (%v), want %v", ended, stored, tc.ended)
			}
			p, err := f.svc.AuthenticateSession(ctx, ana)
			switch {
			case tc.ended && !errors.Is(err, auth.ErrInvalidCredentials):
				t.Errorf("ana's session after %s: %+v, %v; want refused", tc.name, p, err)
			case !tc.ended && (err != nil || p.Role != auth.RoleViewer):
				t.Errorf("ana's session after %s: %+v, %v; want kept, role viewer", tc.name, p, err)
			}
			if _, err := f.svc.AuthenticateSession(ctx, adm); err != nil {
				t.Errorf("admin's session after ana's %s: %v", tc.name, err)
			}
		})
	}
}

// TestReenableDoesNotRevive: sessions ended by disabling stay ended.
func TestReenableDoesNotRevive(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	ana := f.login(t, "ana")
	if err := f.svc.SetDisabled(ctx, "ana", true); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetDisabled(ctx, "ana", false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AuthenticateSession(ctx, ana); !errors.Is(err, auth.ErrInvalidCredentials) {
		t.Errorf("session after disable and re-enable: %v, want refused", err)
	}
}

func TestRevokedAtIsTheRevocationTime(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	_, tok, err := f.svc.CreateToken(ctx, admin, auth.TokenRequest{Name: "ci-import", Role: auth.RoleAnalyst})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // so the revocation differs from the creation
	before := time.Now()
	if err := f.svc.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	got, err := f.as.TokenByHash(ctx, tok.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if got.RevokedAt.Before(before) || got.RevokedAt.After(after) {
		t.Errorf("RevokedAt = %v, want within [%v, %v] (CreatedAt is %v)", got.RevokedAt, before, after, got.CreatedAt)
	}
	at := got.RevokedAt
	if err := f.as.RevokeToken(ctx, tok.ID, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.as.TokenByHash(ctx, tok.Hash); !again.RevokedAt.Equal(at) {
		t.Errorf("second revocation moved RevokedAt to %v, want %v", again.RevokedAt, at)
	}
	if err := f.as.RevokeToken(ctx, "0000000000000000", at); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("revoke unknown token: %v, want auth.ErrNotFound", err)
	}
}

func TestSensorTokenKeepsCreator(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	secret, tok, err := f.svc.CreateToken(ctx, admin, auth.TokenRequest{Name: "suricata-dmz", Role: auth.RoleSensor, Sensor: "ids-1"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.ListTokens(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]auth.Token{tok}, list); diff != "" {
		t.Errorf("listed tokens (-created +listed):\n%s", diff)
	}
	p, err := f.svc.AuthenticateToken(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if p.Sensor != "ids-1" || p.Owner != "admin" {
		t.Errorf("principal sensor %q owner %q, want ids-1, admin", p.Sensor, p.Owner)
	}
}

// TestDuplicateTokenNames: of concurrent creations under one name exactly
// one succeeds; the others get auth.ErrExists.
func TestDuplicateTokenNames(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			_, _, errs[i] = f.svc.CreateToken(ctx, admin, auth.TokenRequest{Name: "ci-import", Role: auth.RoleViewer})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, auth.ErrExists):
			t.Errorf("racing creation: %v, want nil or auth.ErrExists", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d creations of one name succeeded, want 1", ok, racers)
	}
	if list, _ := f.svc.ListTokens(ctx, admin); len(list) != 1 {
		t.Errorf("%d tokens stored, want 1", len(list))
	}
}

// sessionID makes a well-formed session ID and its hash, for sessions
// written through the adapter with chosen times.
func sessionID(n int) (auth.Secret, auth.TokenHash) {
	id := auth.Secret(fmt.Sprintf("%043d", n))
	return id, sha256.Sum256([]byte(id.Reveal()))
}

// TestIdleTimeoutUsesLastSeenAt: the idle timeout (1h by default) runs
// from the last use, both when authenticating and when purging.
func TestIdleTimeoutUsesLastSeenAt(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	now := time.Now().UTC()
	created := now.Add(-3 * time.Hour)
	tests := []struct {
		name     string
		lastSeen time.Time
		alive    bool
	}{
		{"used recently", now.Add(-5 * time.Minute), true},
		{"idle", now.Add(-2 * time.Hour), false},
		{"never used since login", created, false},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, h := sessionID(i)
			se := auth.Session{Hash: h, User: "ana", CreatedAt: created, ExpiresAt: created.Add(12 * time.Hour), LastSeenAt: tc.lastSeen}
			if err := f.as.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.AuthenticateSession(ctx, id)
			if alive := err == nil; alive != tc.alive {
				t.Errorf("authenticated = %v (%v), want %v", alive, err, tc.alive)
			}
		})
	}

	// Purging: a touch moves the idle deadline; the store's ExpiresAt
	// stays the absolute end.
	_, touched := sessionID(10)
	_, idle := sessionID(11)
	for _, h := range []auth.TokenHash{touched, idle} {
		if err := f.as.CreateSession(ctx, auth.Session{Hash: h, User: "ana", CreatedAt: created, ExpiresAt: created.Add(12 * time.Hour), LastSeenAt: created}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.as.TouchSession(ctx, touched, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := f.as.SessionByHash(ctx, touched)
	if err != nil || !got.LastSeenAt.Equal(now.Add(-time.Minute)) || !got.ExpiresAt.Equal(created.Add(12*time.Hour)) {
		t.Errorf("touched session = %+v, %v", got, err)
	}
	if _, err := f.svc.PurgeSessions(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as.SessionByHash(ctx, touched); err != nil {
		t.Errorf("touched session purged: %v", err)
	}
	if _, err := f.as.SessionByHash(ctx, idle); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("idle session after purge: %v, want auth.ErrNotFound", err)
	}
}

// TestRoundTrip: every field auth defines comes back as stored.
func TestRoundTrip(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	at := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)
	t.Run("user", func(t *testing.T) {
		u := auth.User{Name: "bob", Role: auth.RoleViewer, PasswordHash: "$argon2id$v=19$x", Disabled: true, CreatedAt: at, PasswordChangedAt: at.Add(time.Hour)}
		if err := f.as.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := f.as.CreateUser(ctx, u); !errors.Is(err, auth.ErrExists) {
			t.Errorf("duplicate user: %v, want auth.ErrExists", err)
		}
		got, err := f.as.UserByName(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(u, got); diff != "" {
			t.Errorf("user (-stored +read):\n%s", diff)
		}
		u.Role, u.Disabled, u.PasswordHash, u.PasswordChangedAt = auth.RoleAnalyst, false, "$argon2id$v=19$y", at.Add(2*time.Hour)
		if err := f.as.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.as.UserByName(ctx, "bob"); !cmp.Equal(u, got) {
			t.Errorf("updated user (-stored +read):\n%s", cmp.Diff(u, got))
		}
		if err := f.as.UpdateUser(ctx, auth.User{Name: "nobody", Role: auth.RoleViewer}); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("update unknown user: %v, want auth.ErrNotFound", err)
		}
	})
	t.Run("token", func(t *testing.T) {
		tok := auth.Token{ID: "00112233445566aa", Name: "round-trip", Hash: sha256.Sum256([]byte("x")), Role: auth.RoleSensor,
			Sensor: "tap-9", Owner: "admin", CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour), LastUsedAt: at.Add(time.Minute), RevokedAt: at.Add(time.Hour)}
		if err := f.as.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		got, err := f.as.TokenByHash(ctx, tok.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tok, got); diff != "" {
			t.Errorf("token (-stored +read):\n%s", diff)
		}
		if _, err := f.as.TokenByHash(ctx, auth.TokenHash{}); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("unknown hash: %v, want auth.ErrNotFound", err)
		}
	})
	t.Run("session", func(t *testing.T) {
		_, h := sessionID(99)
		se := auth.Session{Hash: h, User: "ana", CreatedAt: at, ExpiresAt: at.Add(12 * time.Hour), LastSeenAt: at.Add(time.Minute),
			ClientIP: "2001:db8::1", UserAgent: "Mozilla/5.0"}
		if err := f.as.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		if err := f.as.CreateSession(ctx, se); !errors.Is(err, auth.ErrExists) {
			t.Errorf("duplicate session: %v, want auth.ErrExists", err)
		}
		got, err := f.as.SessionByHash(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(se, got); diff != "" {
			t.Errorf("session (-stored +read):\n%s", diff)
		}
	})
}

// TestCorruptStoredHash: a token hash the adapter did not write is an
// error naming the token, not a zero hash.
func TestCorruptStoredHash(t *testing.T) {
	f, ctx := newFixture(t), t.Context()
	for _, tc := range []struct{ name, hash string }{{"not hex", strings.Repeat("z", 64)}, {"too long", strings.Repeat("a", 66)}, {"short", "abcd"}} {
		t.Run(tc.name, func(t *testing.T) {
			id := "bad-" + strings.ReplaceAll(tc.name, " ", "-")
			if err := f.db.CreateToken(ctx, store.Token{ID: id, Name: id, Role: "viewer", Hash: tc.hash}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = f.db.DeleteToken(ctx, id) })
			if _, err := f.as.ListTokens(ctx); err == nil || !strings.Contains(err.Error(), id) {
				t.Errorf("ListTokens with a corrupt hash: %v, want an error naming %s", err, id)
			}
		})
	}
}
