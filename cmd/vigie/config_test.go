package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCommands(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(good, []byte("version: 1\ningest:\n  addr: \":4691\"\n"), 0o600)
	_ = os.WriteFile(bad, []byte("version: 1\ningest:\n  adr: x\nlog:\n  level: loud\n"), 0o600)
	def, _, code := run(t, "", "config", "default")
	if code != 0 {
		t.Fatalf("config default: exit %d", code)
	}
	fromDefault := filepath.Join(dir, "default.yaml")
	_ = os.WriteFile(fromDefault, []byte(def), 0o600)

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
	}{
		{"good file by flag", []string{"config", "check", "--config", good}, 0, []string{"OK: " + good}},
		{"good file by argument", []string{"config", "check", good}, 0, []string{"OK"}},
		{"no file: defaults", []string{"config", "check"}, 0, []string{"OK: defaults and environment"}},
		{"the printed defaults check", []string{"config", "check", fromDefault}, 0, []string{"OK"}},
		{"the documented example checks", []string{"config", "check", "../../docs/vigie.example.yaml"}, 0, []string{"OK"}},
		{"bad file lists every problem", []string{"config", "check", bad}, 1, []string{"2 problems", `line 3: ingest.adr: unknown setting; did you mean "addr"?`, `line 5: log.level = "loud": want one of`}},
		{"missing file", []string{"config", "check", filepath.Join(dir, "none.yaml")}, 2, nil},
		{"flag and argument", []string{"config", "check", "--config", good, good}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code := run(t, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.wantCode, out)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output does not contain %q:\n%s", w, out)
				}
			}
		})
	}
}
