package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vigie-siem/vigie/internal/store"
)

func testAccounts(t *testing.T, o Opener) {
	t.Run("users", func(t *testing.T) { testUsers(t, o) })
	t.Run("tokens", func(t *testing.T) { testTokens(t, o) })
	t.Run("token names", func(t *testing.T) { testTokenNames(t, o) })
	t.Run("sessions", func(t *testing.T) { testSessions(t, o) })
	t.Run("expired sessions", func(t *testing.T) { testExpiredSessions(t, o) })
	t.Run("delete user", func(t *testing.T) { testDeleteUser(t, o) })
}

func testUsers(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	if err := s.CreateUser(ctx, store.User{Name: "admin", Role: "admin", PasswordHash: "$argon2id$x"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, store.User{Name: "admin", Role: "viewer"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate user: %v", err)
	}
	if err := s.CreateUser(ctx, store.User{Name: "ana", Role: "analyst", PasswordHash: "h1", CreatedAt: base}); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, "ana"); !u.PasswordChangedAt.Equal(base) {
		t.Errorf("new user's PasswordChangedAt = %v, want its CreatedAt %v", u.PasswordChangedAt, base)
	}

	t.Run("role change keeps PasswordChangedAt", func(t *testing.T) {
		if err := s.UpdateUser(ctx, "ana", store.UserUpdate{Role: ptr("viewer")}); err != nil {
			t.Fatal(err)
		}
		u, err := s.User(ctx, "ana")
		if err != nil || u.Role != "viewer" || !u.PasswordChangedAt.Equal(base) {
			t.Errorf("user = %+v, %v; want role viewer, PasswordChangedAt %v", u, err, base)
		}
	})
	t.Run("password without a time takes the clock", func(t *testing.T) {
		if err := s.UpdateUser(ctx, "ana", store.UserUpdate{PasswordHash: ptr("h2"), Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		u, err := s.User(ctx, "ana")
		if err != nil || u.PasswordHash != "h2" || !u.Disabled || u.Role != "viewer" {
			t.Errorf("user = %+v, %v", u, err)
		}
		if !u.PasswordChangedAt.After(base) {
			t.Errorf("PasswordChangedAt = %v, want after %v", u.PasswordChangedAt, base)
		}
	})
	t.Run("PasswordChangedAt as given", func(t *testing.T) {
		at := base.Add(90 * time.Minute)
		if err := s.UpdateUser(ctx, "ana", store.UserUpdate{PasswordHash: ptr("h3"), PasswordChangedAt: &at}); err != nil {
			t.Fatal(err)
		}
		if u, _ := s.User(ctx, "ana"); !u.PasswordChangedAt.Equal(at) || u.PasswordHash != "h3" {
			t.Errorf("user = %+v; want PasswordChangedAt %v", u, at)
		}
	})
	if err := s.UpdateUser(ctx, "nobody", store.UserUpdate{Disabled: ptr(true)}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
	us, _ := s.Users(ctx)
	if len(us) != 2 || us[0].Name != "admin" {
		t.Errorf("users = %+v", us)
	}
}

func testTokens(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	sensorTok := store.Token{ID: "tk1", Name: "tap-dmz", Owner: "admin", Sensor: "tap-1", Role: "sensor", Hash: "hash1",
		CreatedAt: base, ExpiresAt: base.Add(time.Hour)}
	if err := s.CreateToken(ctx, sensorTok); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "tk2", Name: "other", Role: "sensor", Hash: "hash1"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate hash: %v", err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "tk1", Name: "other", Role: "sensor", Hash: "hash2"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate ID: %v", err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "tk9", Role: "analyst", Hash: "hash9"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("token without a name: %v", err)
	}

	t.Run("sensor token keeps its creator", func(t *testing.T) {
		got, err := s.TokenByHash(ctx, "hash1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(sensorTok, got); diff != "" {
			t.Errorf("token (-want +got):\n%s", diff)
		}
		if list, _ := s.Tokens(ctx, "admin"); len(list) != 1 || list[0].Sensor != "tap-1" {
			t.Errorf("tokens of admin = %+v", list)
		}
	})
	t.Run("touch", func(t *testing.T) {
		if err := s.TouchToken(ctx, "tk1", base.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.TokenByHash(ctx, "hash1"); !got.LastUsed.Equal(base.Add(time.Minute)) {
			t.Errorf("LastUsed = %v", got.LastUsed)
		}
	})
	t.Run("revoke records the time, once", func(t *testing.T) {
		at := base.Add(17 * time.Minute)
		if err := s.RevokeToken(ctx, "tk1", at); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeToken(ctx, "tk1", at.Add(time.Hour)); err != nil {
			t.Fatalf("revoke twice: %v", err)
		}
		got, _ := s.TokenByHash(ctx, "hash1")
		if !got.Revoked() || !got.RevokedAt.Equal(at) {
			t.Errorf("RevokedAt = %v, want %v (the first revocation)", got.RevokedAt, at)
		}
		if err := s.RevokeToken(ctx, "nope", at); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoke unknown: %v", err)
		}
		if list, _ := s.Tokens(ctx, ""); len(list) != 1 || !list[0].Revoked() {
			t.Errorf("revoked token missing from the list: %+v", list)
		}
	})
	if _, err := s.TokenByHash(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	if err := s.DeleteToken(ctx, "tk1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteToken(ctx, "tk1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}

// testTokenNames checks names are unique by the insert itself: of many
// concurrent creations under one name, exactly one succeeds.
func testTokenNames(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	if err := s.CreateToken(ctx, store.Token{ID: "a", Name: "ci-import", Owner: "ana", Role: "analyst", Hash: "ha"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "b", Name: "ci-import", Owner: "bob", Role: "viewer", Hash: "hb"}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate name: %v", err)
	}
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			errs[i] = s.CreateToken(ctx, store.Token{ID: fmt.Sprintf("r%d", i), Name: "race", Role: "analyst", Hash: fmt.Sprintf("hr%d", i)})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("racing creation: %v, want nil or ErrConflict", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d racing creations of one name succeeded, want 1", ok, racers)
	}
}

func testSessions(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	se := store.Session{Hash: "sh1", User: "ana", CSRF: "c", CreatedAt: base, ExpiresAt: base.Add(12 * time.Hour),
		ClientIP: "192.0.2.7", UserAgent: "Firefox/140"}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(ctx, se); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate session: %v", err)
	}
	got, err := s.SessionByHash(ctx, "sh1")
	se.LastSeenAt = base // defaults to CreatedAt
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(se, got); diff != "" {
		t.Errorf("session (-want +got):\n%s", diff)
	}
	if err := s.TouchSession(ctx, "sh1", base.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.TouchSession(ctx, "sh1", base.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SessionByHash(ctx, "sh1"); !got.LastSeenAt.Equal(base.Add(30*time.Minute)) || !got.ExpiresAt.Equal(se.ExpiresAt) {
		t.Errorf("after touches: LastSeenAt %v, ExpiresAt %v; want %v, %v (never back, expiry unchanged)",
			got.LastSeenAt, got.ExpiresAt, base.Add(30*time.Minute), se.ExpiresAt)
	}
	if err := s.TouchSession(ctx, "nope", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("touch unknown: %v", err)
	}

	t.Run("DeleteUserSessions", func(t *testing.T) {
		for _, x := range []store.Session{
			{Hash: "sh2", User: "ana", ExpiresAt: base.Add(time.Hour)},
			{Hash: "sh3", User: "bob", ExpiresAt: base.Add(time.Hour)},
		} {
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.DeleteUserSessions(ctx, "ana"); err != nil || n != 2 {
			t.Errorf("DeleteUserSessions(ana) = %d, %v; want 2", n, err)
		}
		for _, h := range []string{"sh1", "sh2"} {
			if _, err := s.SessionByHash(ctx, h); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("session %s of ana after DeleteUserSessions: %v", h, err)
			}
		}
		if _, err := s.SessionByHash(ctx, "sh3"); err != nil {
			t.Errorf("bob's session after deleting ana's: %v", err)
		}
		if n, err := s.DeleteUserSessions(ctx, "nobody"); err != nil || n != 0 {
			t.Errorf("DeleteUserSessions(nobody) = %d, %v; want 0", n, err)
		}
	})
	if err := s.DeleteSession(ctx, "sh3"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, "sh3"); err != nil {
		t.Errorf("delete absent session: %v", err)
	}
	if _, err := s.SessionByHash(ctx, "sh3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted session: %v", err)
	}
}

// testExpiredSessions checks both limits: the absolute end and the idle
// deadline, the latter measured from LastSeenAt.
func testExpiredSessions(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	now := base.Add(3 * time.Hour)
	idleBefore := now.Add(-time.Hour)
	sessions := []store.Session{
		{Hash: "past-end", User: "ana", CreatedAt: base, ExpiresAt: now.Add(-time.Second), LastSeenAt: now.Add(-time.Minute)},
		{Hash: "idle", User: "ana", CreatedAt: base, ExpiresAt: base.Add(12 * time.Hour), LastSeenAt: base},
		{Hash: "touched", User: "ana", CreatedAt: base, ExpiresAt: base.Add(12 * time.Hour), LastSeenAt: base},
		{Hash: "fresh", User: "bob", CreatedAt: now.Add(-time.Minute), ExpiresAt: now.Add(12 * time.Hour)},
	}
	for _, x := range sessions {
		if err := s.CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	// Created at base like "idle", but used recently: the idle deadline
	// runs from the last use, not from creation.
	if err := s.TouchSession(ctx, "touched", now.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredSessions(ctx, now, idleBefore)
	if err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		hash string
		kept bool
	}{{"past-end", false}, {"idle", false}, {"touched", true}, {"fresh", true}} {
		t.Run(tc.hash, func(t *testing.T) {
			_, err := s.SessionByHash(ctx, tc.hash)
			if kept := err == nil; kept != tc.kept {
				t.Errorf("kept = %v (%v), want %v", kept, err, tc.kept)
			}
		})
	}
	if n, err := s.DeleteExpiredSessions(ctx, now.Add(24*time.Hour), time.Time{}); err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions past every end, no idle limit = %d, %v; want 2", n, err)
	}
}

func testDeleteUser(t *testing.T, o Opener) {
	s, ctx := open(t, o)
	if err := s.CreateUser(ctx, store.User{Name: "ana", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []store.Token{
		{ID: "tk3", Name: "ana-script", Owner: "ana", Role: "analyst", Hash: "hash3"},
		{ID: "tk4", Name: "tap-2", Owner: "ana", Sensor: "tap-2", Role: "sensor", Hash: "hash4"},
	} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, store.Session{Hash: "sh3", User: "ana", ExpiresAt: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByHash(ctx, "hash3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token of a deleted user: %v", err)
	}
	if got, err := s.TokenByHash(ctx, "hash4"); err != nil || got.Owner != "ana" {
		t.Errorf("sensor token created by a deleted user = %+v, %v; want kept", got, err)
	}
	if _, err := s.SessionByHash(ctx, "sh3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session of a deleted user: %v", err)
	}
	if err := s.DeleteUser(ctx, "ana"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
}
