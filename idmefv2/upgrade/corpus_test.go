package upgrade_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2/schema"
	"github.com/vigie-siem/vigie/idmefv2/upgrade"
)

// newUpgrader returns an Upgrader sharing the test's validator.
func newUpgrader(t testing.TB, v *schema.Validator, lenient bool) *upgrade.Upgrader {
	t.Helper()
	u, err := upgrade.New(upgrade.Options{Lenient: lenient, Validator: v})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// mustBeV08 fails the test unless out validates against the V08 schema.
func mustBeV08(t testing.TB, v *schema.Validator, out []byte) {
	t.Helper()
	errs, err := v.ValidateJSON("V08", out)
	if err != nil || len(errs) != 0 {
		t.Fatalf("output is not valid V08: %v %v\n%s", errs, err, out)
	}
}

// Every valid example of an older draft upgrades, strictly, to a valid V08 message, and the
// upgrade says so.
func TestValidOlderExamplesUpgradeStrictly(t *testing.T) {
	examples, entries := readManifest(t)
	v := schema.New()
	u := newUpgrader(t, v, false)
	n := 0
	for _, e := range entries {
		if e.Expect != "valid" || e.Schema == "V08" {
			continue
		}
		n++
		t.Run(e.File, func(t *testing.T) {
			out, changes, err := u.Upgrade(readFile(t, filepath.Join(examples, e.File)))
			if err != nil {
				t.Fatal(err)
			}
			mustBeV08(t, v, out)
			if !slices.ContainsFunc(changes, func(c upgrade.Change) bool { return c.Pointer == "/Version" && c.Kind == upgrade.Mapped }) {
				t.Errorf("no Version change reported: %v", changes)
			}
			for _, c := range changes {
				if c.Kind == upgrade.Repaired {
					t.Errorf("strict mode reported a repair: %v", c)
				}
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d older valid examples found", n)
	}
}

// Every connector's output upgrades, leniently, to a valid V08 message.
func TestConnectorOutputsUpgradeLeniently(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(sharedDir(t), "connectors", "*", "*.idmefv2.json"))
	if err != nil || len(files) < 10 {
		t.Fatalf("connector outputs: %d files, %v", len(files), err)
	}
	v := schema.New()
	u := newUpgrader(t, v, true)
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			out, _, err := u.Upgrade(readFile(t, f))
			if err != nil {
				t.Fatal(err)
			}
			mustBeV08(t, v, out)
		})
	}
}

// The real-world messages with repairable defects pass in lenient mode, with a warning for
// each repair, and fail in strict mode with an error naming the defect.
func TestRepairableDefects(t *testing.T) {
	shared := sharedDir(t)
	tests := []struct {
		file       string
		strictPtr  string // a pointer the strict error must name
		repairPtrs []string
	}{
		{"examples/invalid/real-world/examples-repo-V4-IDMEFv2-Cyb1.json", "/Analyzer/Type", []string{"/Analyzer/Type", "/Analyzer/Method/0"}},
		{"examples/invalid/real-world/examples-repo-V4-IDMEFv2-Cyb2.json", "/Analyzer/Type", []string{"/Analyzer/Type"}},
		{"examples/invalid/real-world/examples-repo-V4-IDMEFv2-Phy1.json", "/Analyzer/Type", []string{"/Analyzer/Type"}},
		{"examples/invalid/real-world/examples-repo-V4-IDMEFv2-Phy2.json", "/Analyzer/Type", []string{"/Analyzer/Type"}},
		{"examples/invalid/real-world/is-gateway-test_idmefv2.json", "/Analyzer/Method/0", []string{"/Analyzer/Method/0"}},
		{"examples/invalid/real-world/connectors-doc-suricata-idmefv2.json", "/Analyzer/Type", []string{"/Analyzer/Type"}},
		{"examples/invalid/real-world/draft08-appendix-B1-physical-intrusion.json", "/Type", []string{"/Type", "/Analyzer/Category/1"}},
		{"examples/invalid/real-world/draft08-appendix-B3-server-outage.json", "/Type", []string{"/Type"}},
		{"examples/invalid/real-world/draft08-appendix-B5-hazard-incident.json", "/Source/0", nil},
		{"connectors/suricata/eve-alert-1.idmefv2.json", "/Analyzer/Type", []string{"/Analyzer/Type"}},
		{"connectors/clamav/clamav-alert-1.idmefv2.json", "/Analyzer/Type", []string{"/Analyzer/Type"}},
		{"connectors/modsecurity/sample-event.idmefv2.json", "/Target/0", []string{"/Analyzer/Type", "/CreateTime"}},
		{"connectors/samhain/line-1.idmefv2.json", "/Category/0", []string{"/Category/0"}},
		{"connectors/motion/5-camera-lost.idmefv2.json", "/Target/0/ID", []string{"/Target/0/ID", "/CreateTime"}},
		{"connectors/motion/1-event-start.idmefv2.json", "/Attachment/0/ExternalURI/0", []string{"/CreateTime"}},
	}
	v := schema.New()
	strict, lenient := newUpgrader(t, v, false), newUpgrader(t, v, true)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFile(t, filepath.Join(shared, tt.file))
			out, _, err := strict.Upgrade(data)
			var inv *upgrade.InvalidError
			if !errors.As(err, &inv) || !inv.Input || out != nil {
				t.Fatalf("strict: want an input InvalidError, got %v", err)
			}
			if !slices.ContainsFunc(inv.Errors, func(e schema.Error) bool { return e.Pointer == tt.strictPtr }) {
				t.Errorf("strict error does not name %s: %v", tt.strictPtr, err)
			}
			out, changes, err := lenient.Upgrade(data)
			if err != nil {
				t.Fatalf("lenient: %v", err)
			}
			mustBeV08(t, v, out)
			for _, p := range tt.repairPtrs {
				if !slices.ContainsFunc(changes, func(c upgrade.Change) bool { return c.Pointer == p && c.Kind == upgrade.Repaired }) {
					t.Errorf("no repair reported at %s: %v", p, changes)
				}
			}
		})
	}
}

// A valid V08 message needs nothing: the same bytes come back, with no change, in both modes.
func TestV08Unchanged(t *testing.T) {
	examples, entries := readManifest(t)
	v := schema.New()
	for _, lenient := range []bool{false, true} {
		u := newUpgrader(t, v, lenient)
		for _, e := range entries {
			if e.Expect != "valid" || e.Schema != "V08" {
				continue
			}
			t.Run(e.File, func(t *testing.T) {
				data := readFile(t, filepath.Join(examples, e.File))
				out, changes, err := u.Upgrade(data)
				if err != nil || len(changes) != 0 || !bytes.Equal(out, data) {
					t.Errorf("lenient=%v: changes %v, err %v, same bytes %v", lenient, changes, err, bytes.Equal(out, data))
				}
			})
		}
	}
}

// Upgrading an upgraded message changes nothing.
func TestIdempotent(t *testing.T) {
	shared := sharedDir(t)
	var files []string
	for _, pattern := range []string{"examples/valid/*/*.json", "examples/invalid/real-world/*.json", "connectors/*/*.idmefv2.json"} {
		m, _ := filepath.Glob(filepath.Join(shared, pattern))
		files = append(files, m...)
	}
	v := schema.New()
	u := newUpgrader(t, v, true)
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, shared), func(t *testing.T) {
			once, _, err := u.Upgrade(readFile(t, f))
			if err != nil {
				t.Skipf("not upgradable: %v", err)
			}
			twice, changes, err := u.Upgrade(once)
			if err != nil || len(changes) != 0 || !bytes.Equal(once, twice) {
				t.Errorf("second upgrade: changes %v, err %v\nonce:  %s\ntwice: %s", changes, err, once, twice)
			}
		})
	}
}
