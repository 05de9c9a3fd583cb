package auth

import (
	"context"
	"testing"
)

// fastParams keep tests quick; the benchmark measures the defaults.
var fastParams = Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1}

const goodPassword = Secret("correct horse battery")

func newTestService(t testing.TB, mod func(*Options)) (*Service, *memStore) {
	t.Helper()
	st := newMemStore()
	opts := Options{Users: st, Tokens: st, Sessions: st, Argon2: fastParams}
	if mod != nil {
		mod(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

func mustUser(t testing.TB, s *Service, name string, role Role) {
	t.Helper()
	if _, err := s.CreateUser(context.Background(), name, role, goodPassword); err != nil {
		t.Fatal(err)
	}
}

func admin() Principal { return Principal{Name: "root", Role: RoleAdmin, Kind: KindSession} }
