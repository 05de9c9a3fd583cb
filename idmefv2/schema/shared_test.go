package schema_test

import (
	"testing"

	"github.com/vigie-siem/vigie/internal/sharedtest"
)

// sharedDir returns the shared IDMEFv2 reference data (../shared/idmefv2).
func sharedDir(t testing.TB) string { return sharedtest.Dir(t, "idmefv2") }

// manifestEntry is one line of examples/manifest.json.
type manifestEntry = sharedtest.ManifestEntry

// readManifest loads examples/manifest.json.
func readManifest(t testing.TB) (string, []manifestEntry) { return sharedtest.Manifest(t) }
