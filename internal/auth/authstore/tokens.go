package authstore

import (
	"context"
	"fmt"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

func tokenFromStore(t store.Token) (auth.Token, error) {
	h, err := parseHash(t.Hash)
	if err != nil {
		return auth.Token{}, fmt.Errorf("token %s: %w", t.ID, err)
	}
	return auth.Token{
		ID: t.ID, Name: t.Name, Hash: h, Role: auth.Role(t.Role), Sensor: t.Sensor, Owner: t.Owner,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsed, RevokedAt: t.RevokedAt,
	}, nil
}

// CreateToken implements auth.TokenStore. A taken ID, name or hash is
// refused by the store's insert: ErrExists.
func (s *Store) CreateToken(ctx context.Context, t auth.Token) error {
	return mapErr(s.accounts.CreateToken(ctx, store.Token{
		ID: t.ID, Name: t.Name, Owner: t.Owner, Sensor: t.Sensor, Role: string(t.Role), Hash: hashString(t.Hash),
		CreatedAt: t.CreatedAt, LastUsed: t.LastUsedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt,
	}))
}

// TokenByHash implements auth.TokenStore.
func (s *Store) TokenByHash(ctx context.Context, h auth.TokenHash) (auth.Token, error) {
	t, err := s.accounts.TokenByHash(ctx, hashString(h))
	if err != nil {
		return auth.Token{}, mapErr(err)
	}
	return tokenFromStore(t)
}

// ListTokens implements auth.TokenStore.
func (s *Store) ListTokens(ctx context.Context) ([]auth.Token, error) {
	ts, err := s.accounts.Tokens(ctx, "")
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]auth.Token, 0, len(ts))
	for _, st := range ts {
		t, err := tokenFromStore(st)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// RevokeToken implements auth.TokenStore.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	return mapErr(s.accounts.RevokeToken(ctx, id, at))
}

// TouchToken implements auth.TokenStore.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	return mapErr(s.accounts.TouchToken(ctx, id, at))
}
