package transport

import (
	"encoding/binary"
	"encoding/json"
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

// TestPlainBytes8 checks the word-at-a-time string scan against the byte
// rule it stands for, for every byte value at every position.
func TestPlainBytes8(t *testing.T) {
	for p := range 8 {
		for b := range 256 {
			w := []byte("abcdefgh")
			w[p] = byte(b)
			want := b >= 0x20 && b != '"' && b != '\\'
			if got := plainBytes8(binary.LittleEndian.Uint64(w)); got != want {
				t.Errorf("byte %#x at %d: plainBytes8 = %v, want %v", b, p, got, want)
			}
		}
	}
}
