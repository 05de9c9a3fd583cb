package tail

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// position is where reading a file stopped.
type position struct {
	Path   string `json:"path"`
	Offset int64  `json:"offset"`
	Line   int64  `json:"line"`
	// Fingerprint hashes the first FingerprintLen bytes, so that a
	// re-used inode is not mistaken for the file read before.
	Fingerprint    string `json:"fingerprint"`
	FingerprintLen int    `json:"fingerprint_len"`
}

// positions are kept in a JSON file keyed by "device:inode", rewritten
// atomically (temporary file, fsync, rename).
type positions struct {
	path  string
	m     map[string]position
	dirty bool
}

func loadPositions(path string) (*positions, error) {
	p := &positions{path: path, m: map[string]position{}}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return p, nil
	case err != nil:
		return nil, fmt.Errorf("tail: read positions: %w", err)
	}
	if err := json.Unmarshal(b, &p.m); err != nil {
		return nil, fmt.Errorf("tail: positions file %s: %w", path, err)
	}
	return p, nil
}

func (p *positions) get(key string) (position, bool) {
	v, ok := p.m[key]
	return v, ok
}

func (p *positions) set(key string, v position) { p.m[key] = v; p.dirty = true }

func (p *positions) drop(key string) {
	if _, ok := p.m[key]; ok {
		delete(p.m, key)
		p.dirty = true
	}
}

func (p *positions) save() error {
	if !p.dirty {
		return nil
	}
	b, err := json.MarshalIndent(p.m, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return fmt.Errorf("tail: positions directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".positions-*")
	if err != nil {
		return fmt.Errorf("tail: save positions: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("tail: save positions: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("tail: save positions: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("tail: save positions: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		return fmt.Errorf("tail: save positions: %w", err)
	}
	p.dirty = false
	return nil
}
