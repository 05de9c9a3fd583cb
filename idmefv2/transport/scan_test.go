package transport

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
)

// TestScanJSONDepth checks the nesting limit against encoding/json's.
func TestScanJSONDepth(t *testing.T) {
	for _, n := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			body := []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
			_, ok := scanJSON(body, 0)
			if want := json.Valid(body); ok != want {
				t.Errorf("depth %d of %q: scanJSON = %v, json.Valid = %v", n, open, ok, want)
			}
		}
	}
}

// TestStopBytes8 checks that the lowest byte stopBytes8 flags is the first
// byte the string scan must stop at, for every byte value at every
// position, with plain bytes before it and plain or flagged bytes after it
// (a borrow from a flagged byte must not hide it or flag an earlier one).
func TestStopBytes8(t *testing.T) {
	stop := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	for p := range 8 {
		for b := range 256 {
			for _, after := range []byte{'h', 0, 0x1f, '"', '\\', 0x80, 0xff, 0x20} {
				w := []byte("abcdefgh")
				w[p] = byte(b)
				for i := p + 1; i < 8; i++ {
					w[i] = after
				}
				want := 8
				for i, c := range w {
					if stop(c) {
						want = i
						break
					}
				}
				got := 8
				if m := stopBytes8(binary.LittleEndian.Uint64(w)); m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != want {
					t.Errorf("%q: first stop at %d, want %d", w, got, want)
				}
			}
		}
	}
}
