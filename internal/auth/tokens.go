package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode"
)

// TokenRequest describes a new API token.
type TokenRequest struct {
	// Name is a unique label, 1–64 printable characters.
	Name string
	Role Role
	// Sensor is required with RoleSensor and refused otherwise.
	Sensor string
	// TTL is the lifetime; 0: no expiry (or Options.TokenMaxLifetime
	// when set).
	TTL time.Duration
}

// CreateToken makes a token on behalf of by, and returns the token (to be
// shown once) and its stored record. Admins (tokens:manage) may create any
// token; other users may create personal tokens with at most their own
// role (self:manage), never sensor tokens.
func (s *Service) CreateToken(ctx context.Context, by Principal, req TokenRequest) (Secret, Token, error) {
	if err := checkTokenName(req.Name); err != nil {
		return "", Token{}, err
	}
	if _, err := ParseRole(string(req.Role)); err != nil {
		return "", Token{}, fmt.Errorf("token %q: %w", req.Name, err)
	}
	if (req.Role == RoleSensor) != (req.Sensor != "") {
		return "", Token{}, fmt.Errorf("token %q: a sensor name goes with role sensor, and only with it", req.Name)
	}
	if !by.Can(ActionTokensManage) && !(by.Can(ActionSelfManage) && req.Role.UserRole() && req.Role.atMost(by.Role)) {
		return "", Token{}, fmt.Errorf("%s may not create a %s token: %w", by.User(), req.Role, ErrForbidden)
	}
	if req.TTL < 0 {
		return "", Token{}, fmt.Errorf("token %q: negative lifetime", req.Name)
	}
	if limit := s.opts.TokenMaxLifetime; limit > 0 && (req.TTL == 0 || req.TTL > limit) {
		if req.TTL > limit {
			return "", Token{}, fmt.Errorf("token %q: lifetime %s exceeds the maximum %s", req.Name, req.TTL, limit)
		}
		req.TTL = limit
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	secret := newToken()
	now := time.Now().UTC()
	t := Token{
		ID: hex.EncodeToString(id[:]), Name: req.Name, Hash: hashSecret(secret),
		Role: req.Role, Sensor: req.Sensor, Owner: by.User(), CreatedAt: now,
	}
	if req.TTL > 0 {
		t.ExpiresAt = now.Add(req.TTL)
	}
	if err := s.opts.Tokens.CreateToken(ctx, t); err != nil {
		return "", Token{}, fmt.Errorf("create token %q: %w", req.Name, err)
	}
	s.log.Info("api token created", "token", t, "by", by)
	return secret, t, nil
}

func checkTokenName(n string) error {
	if n == "" || len(n) > 64 {
		return fmt.Errorf("token name %q: want 1 to 64 characters", n)
	}
	for _, r := range n {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("token name %q: non-printable character", n)
		}
	}
	return nil
}

// AuthenticateToken resolves an API token to its principal. It refuses,
// before any store lookup, strings that are not tokens (ErrMalformed), and
// then unknown (ErrInvalidCredentials), revoked (ErrRevoked) and expired
// (ErrExpired) tokens, and personal tokens of a disabled or deleted user.
// Every refusal also matches ErrInvalidCredentials.
func (s *Service) AuthenticateToken(ctx context.Context, token Secret) (Principal, error) {
	if err := checkTokenFormat(token.Reveal()); err != nil {
		s.metrics.attempt("token", "invalid")
		return Principal{}, fmt.Errorf("%w: %w: %v", ErrInvalidCredentials, ErrMalformed, err)
	}
	h := hashSecret(token)
	t, err := s.opts.Tokens.TokenByHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		s.metrics.attempt("token", "invalid")
		return Principal{}, ErrInvalidCredentials
	}
	if err != nil {
		return Principal{}, fmt.Errorf("look up token: %w", err)
	}
	// The store found it by hash; comparing again in constant time costs
	// nothing and does not rely on how the store compares.
	if subtle.ConstantTimeCompare(t.Hash[:], h[:]) != 1 {
		return Principal{}, ErrInvalidCredentials
	}
	now := time.Now()
	switch {
	case !t.RevokedAt.IsZero():
		s.metrics.attempt("token", "revoked")
		return Principal{}, fmt.Errorf("token %s: %w: %w", t.ID, ErrInvalidCredentials, ErrRevoked)
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		s.metrics.attempt("token", "expired")
		return Principal{}, fmt.Errorf("token %s: %w: %w", t.ID, ErrInvalidCredentials, ErrExpired)
	}
	if t.Role != RoleSensor && t.Owner != "" {
		u, err := s.opts.Users.UserByName(ctx, t.Owner)
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && u.Disabled):
			s.metrics.attempt("token", "disabled")
			return Principal{}, fmt.Errorf("token %s: owner %q: %w: %w", t.ID, t.Owner, ErrInvalidCredentials, ErrDisabled)
		case err != nil:
			return Principal{}, fmt.Errorf("look up token owner: %w", err)
		}
	}
	if now.Sub(t.LastUsedAt) >= s.opts.TouchInterval {
		if err := s.opts.Tokens.TouchToken(ctx, t.ID, now.UTC()); err != nil {
			s.log.Debug("token last-used update failed", "token_id", t.ID, "err", err)
		}
	}
	s.metrics.attempt("token", "ok")
	return Principal{Name: t.Name, Role: t.Role, Kind: KindToken, Owner: t.Owner, TokenID: t.ID, Sensor: t.Sensor}, nil
}

// RevokeToken revokes token id on behalf of by: admins any token, users
// their own.
func (s *Service) RevokeToken(ctx context.Context, by Principal, id string) error {
	if !by.Can(ActionTokensManage) {
		tokens, err := s.ListTokens(ctx, by)
		if err != nil {
			return err
		}
		owned := false
		for _, t := range tokens {
			owned = owned || t.ID == id
		}
		if !owned {
			return fmt.Errorf("token %s: %w", id, ErrNotFound)
		}
	}
	if err := s.opts.Tokens.RevokeToken(ctx, id, time.Now().UTC()); err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	s.log.Info("api token revoked", "token_id", id, "by", by)
	return nil
}

// ListTokens returns the tokens by may see: all for admins, else their own.
func (s *Service) ListTokens(ctx context.Context, by Principal) ([]Token, error) {
	if !by.Can(ActionTokensManage) && !by.Can(ActionSelfManage) {
		return nil, ErrForbidden
	}
	all, err := s.opts.Tokens.ListTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	if by.Can(ActionTokensManage) {
		return all, nil
	}
	var own []Token
	for _, t := range all {
		if t.Owner == by.User() {
			own = append(own, t)
		}
	}
	return own, nil
}
