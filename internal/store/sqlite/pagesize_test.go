package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// TestPageSize checks that a new database gets Options.PageSize (16 KiB by
// default), auto_vacuum and WAL, and that an existing one keeps the page
// size it was created with.
func TestPageSize(t *testing.T) {
	pragmas := func(t *testing.T, path string) (pageSize, autoVacuum int, journal string) {
		t.Helper()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for q, dst := range map[string]any{"page_size": &pageSize, "auto_vacuum": &autoVacuum, "journal_mode": &journal} {
			if err := db.QueryRow("PRAGMA " + q).Scan(dst); err != nil {
				t.Fatal(err)
			}
		}
		return pageSize, autoVacuum, journal
	}
	open := func(t *testing.T, path string, pageSize int) {
		t.Helper()
		s, err := Open(t.Context(), Options{Path: path, PageSize: pageSize})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PutAlerts(t.Context(), genAlerts(t, 1, 10, time.Now())); err != nil {
			t.Fatal(err)
		}
		// The writer checkpoints at 64 MiB of WAL, whatever the page size.
		var ps, cp int
		if err := s.w.QueryRow(`PRAGMA page_size`).Scan(&ps); err != nil {
			t.Fatal(err)
		}
		if err := s.w.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&cp); err != nil {
			t.Fatal(err)
		}
		if cp*ps != walSafetyFactor*walCheckpointBytes {
			t.Errorf("wal_autocheckpoint %d pages of %d bytes, want %d bytes", cp, ps, walSafetyFactor*walCheckpointBytes)
		}
		if limit := s.ckpt.limit; limit*int64(ps) != walCheckpointBytes {
			t.Errorf("checkpointer's limit %d pages of %d bytes, want %d bytes", limit, ps, walCheckpointBytes)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name       string
		create     int // page size asked for when the database is created
		reopen     int // then when it is opened again
		wantCreate int
	}{
		{"default", 0, 0, DefaultPageSize},
		{"4KiB kept", 4096, 0, 4096},
		{"64KiB", 65536, 1024, 65536},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".db")
			open(t, path, c.create)
			open(t, path, c.reopen)
			ps, av, jm := pragmas(t, path)
			if ps != c.wantCreate || av != 2 || jm != "wal" {
				t.Errorf("page_size %d, auto_vacuum %d, journal_mode %s; want %d, 2 (incremental), wal", ps, av, jm, c.wantCreate)
			}
		})
	}
	if _, err := Open(t.Context(), Options{Path: filepath.Join(dir, "bad.db"), PageSize: 3000}); err == nil {
		t.Error("page size 3000 accepted")
	}
}
