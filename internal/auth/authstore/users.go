package authstore

import (
	"context"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

func userFromStore(u store.User) auth.User {
	return auth.User{
		Name: u.Name, Role: auth.Role(u.Role), PasswordHash: u.PasswordHash, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, PasswordChangedAt: u.PasswordChangedAt,
	}
}

// UserByName implements auth.UserStore.
func (s *Store) UserByName(ctx context.Context, name string) (auth.User, error) {
	u, err := s.accounts.User(ctx, name)
	if err != nil {
		return auth.User{}, mapErr(err)
	}
	return userFromStore(u), nil
}

// CreateUser implements auth.UserStore.
func (s *Store) CreateUser(ctx context.Context, u auth.User) error {
	return mapErr(s.accounts.CreateUser(ctx, store.User{
		Name: u.Name, Role: string(u.Role), PasswordHash: u.PasswordHash, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, PasswordChangedAt: u.PasswordChangedAt,
	}))
}

// UpdateUser implements auth.UserStore: every field but the name and
// creation time is replaced.
func (s *Store) UpdateUser(ctx context.Context, u auth.User) error {
	role := string(u.Role)
	up := store.UserUpdate{Role: &role, PasswordHash: &u.PasswordHash, Disabled: &u.Disabled}
	if !u.PasswordChangedAt.IsZero() {
		up.PasswordChangedAt = &u.PasswordChangedAt
	}
	return mapErr(s.accounts.UpdateUser(ctx, u.Name, up))
}

// ListUsers implements auth.UserStore.
func (s *Store) ListUsers(ctx context.Context) ([]auth.User, error) {
	us, err := s.accounts.Users(ctx)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]auth.User, 0, len(us))
	for _, u := range us {
		out = append(out, userFromStore(u))
	}
	return out, nil
}
