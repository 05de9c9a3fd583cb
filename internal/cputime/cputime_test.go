package cputime

import (
	"runtime"
	"testing"
)

func TestProcessGrowsWithWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("not measured on this platform")
	}
	before := Process()
	x := 0
	for i := range 50_000_000 {
		x ^= i * 31
	}
	after := Process()
	if after <= before {
		t.Fatalf("CPU time did not grow over a busy loop: %v then %v (x=%d)", before, after, x)
	}
}
