package authstore

import (
	"context"
	"time"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// CreateSession implements auth.SessionStore.
func (s *Store) CreateSession(ctx context.Context, se auth.Session) error {
	return mapErr(s.accounts.CreateSession(ctx, store.Session{
		Hash: hashString(se.Hash), User: se.User, CreatedAt: se.CreatedAt, ExpiresAt: se.ExpiresAt,
		LastSeenAt: se.LastSeenAt, ClientIP: se.ClientIP, UserAgent: se.UserAgent,
	}))
}

// SessionByHash implements auth.SessionStore.
func (s *Store) SessionByHash(ctx context.Context, h auth.TokenHash) (auth.Session, error) {
	se, err := s.accounts.SessionByHash(ctx, hashString(h))
	if err != nil {
		return auth.Session{}, mapErr(err)
	}
	return auth.Session{
		Hash: h, User: se.User, CreatedAt: se.CreatedAt, ExpiresAt: se.ExpiresAt,
		LastSeenAt: se.LastSeenAt, ClientIP: se.ClientIP, UserAgent: se.UserAgent,
	}, nil
}

// TouchSession implements auth.SessionStore.
func (s *Store) TouchSession(ctx context.Context, h auth.TokenHash, at time.Time) error {
	return mapErr(s.accounts.TouchSession(ctx, hashString(h), at))
}

// DeleteSession implements auth.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, h auth.TokenHash) error {
	return mapErr(s.accounts.DeleteSession(ctx, hashString(h)))
}

// DeleteUserSessions implements auth.SessionStore.
func (s *Store) DeleteUserSessions(ctx context.Context, user string) (int, error) {
	n, err := s.accounts.DeleteUserSessions(ctx, user)
	return n, mapErr(err)
}

// DeleteExpiredSessions implements auth.SessionStore.
func (s *Store) DeleteExpiredSessions(ctx context.Context, t, idleBefore time.Time) (int, error) {
	n, err := s.accounts.DeleteExpiredSessions(ctx, t, idleBefore)
	return n, mapErr(err)
}
