package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2"
)

func TestParseLintBuiltin(t *testing.T) {
	out, errOut, code := run(t, "", "parse", "lint")
	if code != 0 || !strings.Contains(out, "ok: ") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

func TestParseLintProblems(t *testing.T) {
	dir := t.TempDir()
	bad := "ruleset: x\nrules:\n  - id: x.a\n    grok: 'a'\n    colour: red\n"
	if err := os.WriteFile(filepath.Join(dir, "x.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "", "parse", "lint", dir)
	if code != 1 || !strings.Contains(out, "x.yaml:5: field colour not found") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, _, code := run(t, "", "parse", "lint", filepath.Join(dir, "missing")); code != 2 {
		t.Fatalf("missing rule set: exit %d, want 2", code)
	}
}

func TestParseTest(t *testing.T) {
	log := "Nov 23 10:00:00 bastion sshd[4242]: Failed password for root from 203.0.113.7 port 52144 ssh2\n" +
		"Nov 23 10:00:01 bastion sshd[4242]: Server listening on :: port 22.\n" +
		"pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)\n"
	out, errOut, code := run(t, log, "parse", "test", "sshd", "-")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"line 1: rule sshd.failed-password: alert {",
		"line 2: no rule matched",
		`rule sshd.failed-password: pre-filter: "Failed " is not in the message`,
		"line 3: rule sshd.session: recognised, no alert",
		"3 lines: 2 matched, 1 alerts, 0 mapping failures",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// --json prints only valid alerts.
	out, _, code = run(t, log, "parse", "test", "--json", "sshd")
	if code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 1 {
		t.Fatalf("--json: %d lines:\n%s", len(lines), out)
	}
	if rep := idmefv2.ValidateJSON([]byte(lines[0])); !rep.Valid() {
		t.Fatalf("invalid alert: %v", rep.Errors())
	}
	var a struct{ Analyzer struct{ Hostname string } }
	if err := json.Unmarshal([]byte(lines[0]), &a); err != nil || a.Analyzer.Hostname != "bastion" {
		t.Fatalf("analyzer hostname from the syslog header: %+v %v", a, err)
	}
}
