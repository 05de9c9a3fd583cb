package authstore

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/store"
)

// Store adapts a store.Accounts to the auth layer's storage interfaces.
type Store struct {
	accounts store.Accounts
}

// Compile-time checks.
var (
	_ auth.UserStore    = (*Store)(nil)
	_ auth.TokenStore   = (*Store)(nil)
	_ auth.SessionStore = (*Store)(nil)
)

// New adapts accounts for the auth layer.
func New(accounts store.Accounts) (*Store, error) {
	if accounts == nil {
		return nil, errors.New("authstore: accounts are required")
	}
	return &Store{accounts: accounts}, nil
}

// mapErr makes the store's sentinels match the auth layer's too.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", auth.ErrNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w: %w", auth.ErrExists, err)
	}
	return err
}

func hashString(h auth.TokenHash) string { return hex.EncodeToString(h[:]) }

// parseHash reads back a hash stored by hashString.
func parseHash(s string) (auth.TokenHash, error) {
	var h auth.TokenHash
	// Length first: hex.Decode would write past h for a longer string.
	if len(s) != hex.EncodedLen(len(h)) {
		return auth.TokenHash{}, fmt.Errorf("authstore: stored hash has %d characters, want %d hex", len(s), hex.EncodedLen(len(h)))
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return auth.TokenHash{}, fmt.Errorf("authstore: stored hash: %w", err)
	}
	return h, nil
}
