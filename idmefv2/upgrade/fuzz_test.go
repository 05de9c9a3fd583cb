package upgrade_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-siem/vigie/idmefv2/schema"
	"github.com/vigie-siem/vigie/idmefv2/upgrade"
)

// FuzzUpgrade: no panic; a successful upgrade gives one JSON object that validates against
// V08 (the upgrade checks this itself; the fuzz target re-checks it independently) and that a
// second upgrade leaves unchanged; the same input always gives the same output.
func FuzzUpgrade(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, true)
		f.Add(data, false)
	}
	f.Add([]byte(`{"Analyzer":{"Name":"a","Type":"Cyber"},"Target":{"ID":"1","Port":"80"}}`), true)
	v := schema.New()
	now := func() time.Time { return time.Date(2026, 5, 10, 8, 0, 0, 0, time.UTC) } // a missing CreateTime gets "now"
	lenient, err := upgrade.New(upgrade.Options{Lenient: true, Validator: v, Now: now})
	if err != nil {
		f.Fatal(err)
	}
	strict, err := upgrade.New(upgrade.Options{Validator: v})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, isLenient bool) {
		u := strict
		if isLenient {
			u = lenient
		}
		out, _, err := u.Upgrade(data)
		if err != nil {
			if out != nil {
				t.Fatalf("output with error %v", err)
			}
			return
		}
		if !json.Valid(out) {
			t.Fatalf("output is not JSON: %s", out)
		}
		if errs, err := v.ValidateJSON("V08", out); err != nil || len(errs) != 0 {
			t.Fatalf("output is not valid V08: %v %v\n%s", errs, err, out)
		}
		again, _, err := u.Upgrade(data)
		if err != nil || !bytes.Equal(out, again) {
			t.Fatalf("not deterministic: %v\n%s\n%s", err, out, again)
		}
		twice, changes, err := u.Upgrade(out)
		if err != nil || len(changes) != 0 || !bytes.Equal(out, twice) {
			t.Fatalf("not idempotent: %v %v\n%s\n%s", err, changes, out, twice)
		}
	})
}
