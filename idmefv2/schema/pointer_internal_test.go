package schema

import "testing"

func TestPointerEscapes(t *testing.T) {
	tests := []struct {
		tokens []string
		want   string
	}{
		{nil, ""},
		{[]string{"Source", "0", "IP"}, "/Source/0/IP"},
		{[]string{"a/b", "c~d"}, "/a~1b/c~0d"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := pointer(tt.tokens); got != tt.want {
				t.Errorf("pointer(%q) = %q, want %q", tt.tokens, got, tt.want)
			}
		})
	}
}
