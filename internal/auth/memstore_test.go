package auth

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// memStore is a minimal in-memory UserStore, TokenStore and SessionStore
// for tests, following the interfaces' contracts.
type memStore struct {
	mu       sync.Mutex
	users    map[string]User
	tokens   map[TokenHash]Token
	sessions map[TokenHash]Session
	touches  int // TouchToken + TouchSession calls
}

func newMemStore() *memStore {
	return &memStore{users: map[string]User{}, tokens: map[TokenHash]Token{}, sessions: map[TokenHash]Session{}}
}

func (m *memStore) UserByName(_ context.Context, name string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[name]
	if !ok {
		return User{}, fmt.Errorf("user %q: %w", name, ErrNotFound)
	}
	return u, nil
}

func (m *memStore) CreateUser(_ context.Context, u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.Name]; ok {
		return fmt.Errorf("user %q: %w", u.Name, ErrExists)
	}
	m.users[u.Name] = u
	return nil
}

func (m *memStore) UpdateUser(_ context.Context, u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.users[u.Name]; !ok {
		return fmt.Errorf("user %q: %w", u.Name, ErrNotFound)
	}
	m.users[u.Name] = u
	return nil
}

func (m *memStore) ListUsers(context.Context) ([]User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]User, 0, len(m.users))
	for _, u := range m.users {
		out = append(out, u)
	}
	return out, nil
}

func (m *memStore) CreateToken(_ context.Context, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.tokens {
		if o.ID == t.ID || o.Name == t.Name || o.Hash == t.Hash {
			return fmt.Errorf("token %q: %w", t.Name, ErrExists)
		}
	}
	m.tokens[t.Hash] = t
	return nil
}

func (m *memStore) TokenByHash(_ context.Context, h TokenHash) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[h]
	if !ok {
		return Token{}, ErrNotFound
	}
	return t, nil
}

func (m *memStore) ListTokens(context.Context) ([]Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Token, 0, len(m.tokens))
	for _, t := range m.tokens {
		out = append(out, t)
	}
	return out, nil
}

func (m *memStore) byID(id string, f func(*Token)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, t := range m.tokens {
		if t.ID == id {
			f(&t)
			m.tokens[h] = t
			return nil
		}
	}
	return fmt.Errorf("token %s: %w", id, ErrNotFound)
}

func (m *memStore) RevokeToken(_ context.Context, id string, at time.Time) error {
	return m.byID(id, func(t *Token) {
		if t.RevokedAt.IsZero() {
			t.RevokedAt = at
		}
	})
}

func (m *memStore) TouchToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	m.touches++
	m.mu.Unlock()
	return m.byID(id, func(t *Token) { t.LastUsedAt = at })
}

func (m *memStore) CreateSession(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.sessions[s.Hash]; ok {
		return ErrExists
	}
	m.sessions[s.Hash] = s
	return nil
}

func (m *memStore) SessionByHash(_ context.Context, h TokenHash) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[h]
	if !ok {
		return Session{}, ErrNotFound
	}
	return s, nil
}

func (m *memStore) TouchSession(_ context.Context, h TokenHash, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.touches++
	s, ok := m.sessions[h]
	if !ok {
		return ErrNotFound
	}
	s.LastSeenAt = at
	m.sessions[h] = s
	return nil
}

func (m *memStore) DeleteSession(_ context.Context, h TokenHash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, h)
	return nil
}

func (m *memStore) DeleteUserSessions(_ context.Context, user string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for h, s := range m.sessions {
		if s.User == user {
			delete(m.sessions, h)
			n++
		}
	}
	return n, nil
}

func (m *memStore) DeleteExpiredSessions(_ context.Context, t, idleBefore time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for h, s := range m.sessions {
		if s.ExpiresAt.Before(t) || s.LastSeenAt.Before(idleBefore) {
			delete(m.sessions, h)
			n++
		}
	}
	return n, nil
}

func (m *memStore) sessionCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
}
