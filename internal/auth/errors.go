package auth

import (
	"errors"
	"fmt"
	"time"
)

// Sentinels. Store implementations return (wrapped) ErrNotFound and
// ErrExists; the others come from this package.
var (
	// ErrNotFound: no such user, token or session (from the store).
	ErrNotFound = errors.New("not found")
	// ErrExists: a user or token with that name already exists (from the store).
	ErrExists = errors.New("already exists")

	// ErrInvalidCredentials: unknown user, wrong password, unknown token
	// or session. Deliberately one error, so as not to tell which.
	ErrInvalidCredentials = errors.New("invalid credentials")
	// ErrDisabled: the user is disabled (reported only after the password
	// was verified).
	ErrDisabled = errors.New("account disabled")
	// ErrExpired: a token or session is past its end.
	ErrExpired = errors.New("credentials expired")
	// ErrRevoked: a token was revoked.
	ErrRevoked = errors.New("token revoked")
	// ErrLocked: too many failed logins; see LockedError.
	ErrLocked = errors.New("too many failed logins")
	// ErrForbidden: authenticated, but the role does not allow the action.
	ErrForbidden = errors.New("forbidden")
	// ErrWeakPassword: the password breaks the policy; see PolicyError.
	ErrWeakPassword = errors.New("password does not meet the policy")
	// ErrMalformed: a credential is not in its format (e.g. a token
	// without the vgt_ prefix or with a bad checksum).
	ErrMalformed = errors.New("malformed credential")
	// ErrBusy: too many password hashes are being computed; retry later.
	ErrBusy = errors.New("password hashing busy")
)

// LockedError says how long a login is locked out. It matches ErrLocked.
type LockedError struct {
	RetryAfter time.Duration
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed logins; retry in %s", e.RetryAfter.Round(time.Second))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// PolicyError says which password rule was broken. It matches ErrWeakPassword.
type PolicyError struct {
	Rule string
}

func (e *PolicyError) Error() string { return "password does not meet the policy: " + e.Rule }

// Is makes errors.Is(err, ErrWeakPassword) true.
func (e *PolicyError) Is(target error) bool { return target == ErrWeakPassword }
