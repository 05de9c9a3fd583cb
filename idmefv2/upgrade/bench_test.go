package upgrade_test

import (
	"path/filepath"
	"testing"

	"github.com/vigie-siem/vigie/idmefv2/schema"
	"github.com/vigie-siem/vigie/idmefv2/upgrade"
)

// BenchmarkUpgradeV04 upgrades the official V04 Cyb1 example (strict: validate as V04,
// migrate, encode, validate as V08).
func BenchmarkUpgradeV04(b *testing.B) {
	benchUpgrade(b, "v04-cyb1.json", false)
}

// BenchmarkUpgradeV04Lenient upgrades the ModSecurity connector output (lenient repairs).
func BenchmarkUpgradeV04Lenient(b *testing.B) {
	benchUpgrade(b, "v04-modsecurity-defects.json", true)
}

func benchUpgrade(b *testing.B, file string, lenient bool) {
	data := readFile(b, filepath.Join("testdata", file))
	u := newUpgrader(b, schema.New(), lenient)
	if _, _, err := u.Upgrade(data); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := u.Upgrade(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew measures building an Upgrader (reading the V08 model; schemas compile lazily).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := upgrade.New(upgrade.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
