package ui

import (
	"errors"

	"github.com/vigie-siem/vigie/internal/store"
)

// isUserError reports errors the user caused and can fix (a bad query).
func isUserError(err error) bool {
	return errors.Is(err, store.ErrInvalidQuery) || errors.Is(err, store.ErrInvalid)
}
