package parse

import (
	"testing"
)

// TestBuiltinSamples walks every shipped rule file: each sample must be
// matched by its own rule and give its expected alert, valid V08.
func TestBuiltinSamples(t *testing.T) {
	srcs, err := BuiltinSources()
	if err != nil {
		t.Fatal(err)
	}
	if len(srcs) == 0 {
		t.Fatal("no shipped rule files")
	}
	for _, e := range Lint(srcs) {
		t.Error(e)
	}
}
