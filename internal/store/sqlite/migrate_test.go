package sqlite

import (
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/vigie-siem/vigie/internal/store"
)

// legacyDB creates a database at schema version 2 (before the accounts
// columns) and returns it with a goose provider over it.
func legacyDB(t *testing.T, path string) (*sql.DB, *goose.Provider) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, dir, goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations()...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(t.Context(), 2); err != nil {
		t.Fatalf("migrate to 2: %v", err)
	}
	return db, p
}

// TestMigrateAccounts: version 3 carries legacy rows over — sensor tokens'
// sensor out of owner, revocation as a time, clashing names made unique,
// password-change time from the last update — and ends old sessions.
func TestMigrateAccounts(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	db, _ := legacyDB(t, path)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO users VALUES ('ana', 'analyst', 'h', 0, 1, 42)`,
		`INSERT INTO tokens VALUES ('t1', 'dup', 'tap-1', 'sensor', 'h1', ?, 0, 0, 1)`,
		`INSERT INTO tokens VALUES ('t2', 'dup', 'ana', 'analyst', 'h2', ?, 0, 0, 0)`,
		`INSERT INTO tokens VALUES ('t3', '', 'ana', 'analyst', 'h3', ?, 0, 0, 0)`,
		`INSERT INTO sessions VALUES ('s1', 'ana', 'c', ?, ?)`,
	} {
		if _, err := db.ExecContext(ctx, q, created.UnixNano(), created.UnixNano()); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_ = db.Close()

	s, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatalf("open (migrate to 3): %v", err)
	}
	defer s.Close()
	u, err := s.User(ctx, "ana")
	if err != nil || !u.PasswordChangedAt.Equal(unixNS(42)) {
		t.Errorf("user = %+v, %v; want PasswordChangedAt from updated_ns", u, err)
	}
	toks, err := s.Tokens(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID, Name, Owner, Sensor string
		Revoked                 time.Time
	}
	var got []row
	for _, tk := range toks {
		got = append(got, row{tk.ID, tk.Name, tk.Owner, tk.Sensor, tk.RevokedAt})
	}
	want := []row{
		{"t1", "dup", "", "tap-1", created},
		{"t2", "dup (t2)", "ana", "", time.Time{}},
		{"t3", "t3", "ana", "", time.Time{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("migrated tokens (-want +got):\n%s", diff)
	}
	if _, err := s.SessionByHash(ctx, "s1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("legacy session after migration: %v, want ended", err)
	}
}

// TestMigrateAccountsDown: version 3 rolls back to 2 with its data.
func TestMigrateAccountsDown(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "vigie.db")
	db, p := legacyDB(t, path)
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO tokens(id, name, owner, sensor, role, hash, created_ns, revoked_ns) VALUES ('t1', 'n', 'admin', 'tap-1', 'sensor', 'h', 1, 5)`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 2); err != nil {
		t.Fatalf("down to 2: %v", err)
	}
	var owner string
	var revoked int
	if err := db.QueryRowContext(ctx, `SELECT owner, revoked FROM tokens WHERE id = 't1'`).Scan(&owner, &revoked); err != nil {
		t.Fatal(err)
	}
	if owner != "tap-1" || revoked != 1 {
		t.Errorf("after down: owner %q revoked %d, want tap-1, 1", owner, revoked)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Errorf("up again: %v", err)
	}
}
