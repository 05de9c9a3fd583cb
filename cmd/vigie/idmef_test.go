package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/vigie-siem/vigie/internal/sharedtest"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// run executes the vigie command line in-process and returns stdout,
// stderr and the exit status main would use.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return runCtx(t, context.Background(), stdin, args...)
}

func runCtx(t *testing.T, ctx context.Context, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd(strings.NewReader(stdin), &out, &errb)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return out.String(), errb.String(), codeOf(err)
}

// codeOf is exitCode without printing.
func codeOf(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func examples(t *testing.T) string {
	t.Helper()
	return sharedtest.Dir(t, "idmefv2", "examples")
}

func TestValidateMatchesManifest(t *testing.T) {
	dir := examples(t)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest []struct{ File, Expect string }
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "", "idmef", "validate", "--json", dir)
	if code != 1 {
		t.Errorf("exit status %d with invalid examples, want 1", code)
	}
	got := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r validateResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("--json line %q: %v", sc.Text(), err)
		}
		rel, _ := filepath.Rel(dir, r.Input)
		got[filepath.ToSlash(rel)] = r.Valid
	}
	delete(got, "manifest.json") // the manifest itself is a JSON file of the folder, not a message
	if len(got) != len(manifest) {
		t.Errorf("%d verdicts for %d manifest files", len(got), len(manifest))
	}
	for _, m := range manifest {
		valid, ok := got[m.File]
		if !ok {
			t.Errorf("%s: no verdict", m.File)
			continue
		}
		if want := m.Expect == "valid"; valid != want {
			t.Errorf("%s: valid=%v, manifest says %s", m.File, valid, m.Expect)
		}
	}
}

func TestValidateExitStatus(t *testing.T) {
	dir := examples(t)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"valid files", []string{filepath.Join(dir, "valid", "V08"), filepath.Join(dir, "valid", "V04")}, 0},
		{"an invalid file", []string{filepath.Join(dir, "invalid", "semantic", "semantic-02-Port-out-of-range-0-and-70000.json")}, 1},
		{"forced draft that does not fit", []string{"--schema", "V07", filepath.Join(dir, "valid", "V08")}, 1},
		{"missing file", []string{filepath.Join(dir, "nope.json")}, 2},
		{"unknown draft", []string{"--schema", "V1"}, 2},
		{"unknown flag", []string{"--frobnicate"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := run(t, "", append([]string{"idmef", "validate"}, tt.args...)...)
			if code != tt.want {
				t.Errorf("exit status %d, want %d (stderr %q)", code, tt.want, stderr)
			}
		})
	}
}

func TestValidateHumanOutputNamesPointerAndRule(t *testing.T) {
	in := `{"Version":"2.D.V08","ID":"5a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","CreateTime":"2026-01-02T03:04:05",
	"Analyzer":{"Name":"x"},"Target":[{"ID":"6a0f0b5c-1b2c-4d3e-8f90-a1b2c3d4e5f6","Port":[0]}]}`
	out, _, code := run(t, in, "idmef", "validate", "-")
	if code != 1 {
		t.Fatalf("exit status %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"stdin: INVALID (1 error)", "/Target/0/Port/0", "spec.port-range", "warning", "/CreateTime", "1 message: 0 valid, 1 invalid, 1 with warnings"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestGenOutputValidates(t *testing.T) {
	out, _, code := run(t, "", "idmef", "gen", "-n", "300", "--seed", "9")
	if code != 0 {
		t.Fatalf("gen exit status %d", code)
	}
	if n := strings.Count(out, "\n"); n != 300 {
		t.Fatalf("gen printed %d lines, want 300", n)
	}
	vout, _, code := run(t, out, "idmef", "validate", "-q")
	if code != 0 {
		t.Fatalf("generated alerts are not valid:\n%s", vout)
	}
	if !strings.Contains(vout, "300 messages: 300 valid") {
		t.Errorf("summary: %s", vout)
	}
}

func TestUpgradeCommand(t *testing.T) {
	dir := examples(t)
	v04 := filepath.Join(dir, "valid", "V04")
	out, stderr, code := run(t, "", "idmef", "upgrade", v04)
	if code != 0 {
		t.Fatalf("upgrade exit status %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "2.D.V08") {
		t.Errorf("changes do not mention the new Version:\n%s", stderr)
	}
	vout, _, code := run(t, out, "idmef", "validate", "-")
	if code != 0 {
		t.Errorf("upgraded messages are not valid V08:\n%s", vout)
	}

	broken := filepath.Join(dir, "invalid", "real-world", "examples-repo-V4-IDMEFv2-Cyb2.json")
	if _, stderr, code := run(t, "", "idmef", "upgrade", broken); code != 1 || !strings.Contains(stderr, "/Analyzer/Type") {
		t.Errorf("strict upgrade of a defective message: exit %d, stderr %q; want 1 naming /Analyzer/Type", code, stderr)
	}
	out, stderr, code = run(t, "", "idmef", "upgrade", "--lenient", broken)
	if code != 0 || !strings.Contains(stderr, "repaired") {
		t.Fatalf("lenient upgrade: exit %d, stderr %q", code, stderr)
	}
	if rep := idmefv2.ValidateJSON([]byte(strings.TrimSpace(out))); !rep.Valid() {
		t.Errorf("lenient output invalid: %v", rep.Errors())
	}
}

// TestSendReceive runs `idmef receive` and sends it generated alerts and an
// invalid one with `idmef send`, over loopback HTTP.
func TestSendReceive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := freeAddr(t)
	pr, pw := io.Pipe()
	var recvOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		root := newRootCmd(strings.NewReader(""), &recvOut, pw)
		root.SetArgs([]string{"idmef", "receive", "--listen", addr, "--count", "25"})
		done <- codeOf(root.ExecuteContext(ctx))
		pw.Close()
	}()
	// Wait for the listener announcement on stderr, then keep draining it.
	stderr := bufio.NewReader(pr)
	line, err := stderr.ReadString('\n')
	if err != nil || !strings.Contains(line, "receiving IDMEFv2 on http://") {
		t.Fatalf("receiver did not start: %q %v", line, err)
	}
	var recvErr bytes.Buffer
	go func() { _, _ = io.Copy(&recvErr, stderr) }()

	alerts, _, _ := run(t, "", "idmef", "gen", "-n", "25")
	invalid := strings.Replace(strings.SplitN(alerts, "\n", 2)[0], `"Version":"2.D.V08"`, `"Version":"2.D.V08","Severity":"high"`, 1)
	out, serr, code := run(t, invalid+"\n"+alerts, "idmef", "send", "--url", "http://"+addr+"/", "--batch", "10")
	if code != 1 {
		t.Errorf("send with one invalid message: exit %d, want 1 (%s)", code, serr)
	}
	if !strings.Contains(out, "26 messages: 25 accepted, 1 rejected") || !strings.Contains(serr, `unknown attribute "Severity"`) {
		t.Errorf("send report: %q / %q", out, serr)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("receive exit status %d", code)
		}
	case <-ctx.Done():
		t.Fatal("receiver did not stop after --count messages")
	}
	if n := strings.Count(recvOut.String(), "\n"); n != 25 {
		t.Errorf("receiver printed %d messages, want 25", n)
	}
	if !strings.Contains(recvErr.String(), "Severity") {
		t.Errorf("receiver did not report the refused message: %q", recvErr.String())
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestImport(t *testing.T) {
	dir := examples(t)
	data := t.TempDir()
	alerts, _, _ := run(t, "", "idmef", "gen", "-n", "250", "--seed", "4")
	out, stderr, code := run(t, alerts, "import", "--data-dir", data, "-")
	if code != 0 || !strings.Contains(out, "250 alerts imported (250 new") {
		t.Fatalf("import of generated alerts: exit %d\n%s\n%s", code, out, stderr)
	}
	// Re-importing updates nothing; invalid examples are refused into the dead letters.
	out, _, code = run(t, alerts, "import", "--data-dir", data, "-")
	if code != 0 || !strings.Contains(out, "0 new, 0 updated, 250 unchanged") {
		t.Errorf("re-import: exit %d: %s", code, out)
	}
	out, _, code = run(t, "", "import", "--data-dir", data, filepath.Join(dir, "invalid", "semantic"), filepath.Join(dir, "valid", "V04"))
	if code != 1 || !strings.Contains(out, "7 refused") {
		t.Errorf("import with invalid messages: exit %d: %s", code, out)
	}
}
