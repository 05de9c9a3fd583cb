package authstore_test

import (
	"crypto/sha256"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/auth/authstore"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

// BenchmarkLookups measures the per-request lookups, through the adapter,
// over SQLite: one per authenticated request.
func BenchmarkLookups(b *testing.B) {
	ctx := b.Context()
	db, err := sqlite.Open(ctx, sqlite.Options{Path: filepath.Join(b.TempDir(), "vigie.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	as, err := authstore.New(db)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	h := auth.TokenHash(sha256.Sum256([]byte("bench")))
	if err := as.CreateToken(ctx, auth.Token{ID: "0011223344556677", Name: "bench", Hash: h, Role: auth.RoleAnalyst, Owner: "ana", CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	if err := as.CreateSession(ctx, auth.Session{Hash: h, User: "ana", CreatedAt: now, ExpiresAt: now.Add(time.Hour), LastSeenAt: now}); err != nil {
		b.Fatal(err)
	}
	b.Run("TokenByHash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := as.TokenByHash(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SessionByHash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := as.SessionByHash(ctx, h); err != nil {
				b.Fatal(err)
			}
		}
	})
}
