package lines

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader(strings.Repeat("x", 100)+"\nshort\nlast"), 16)
	var buf []byte
	line, n, tr, err := Read(r, buf, 10)
	if err != nil || string(line) != "xxxxxxxxxx" || n != 101 || !tr {
		t.Fatalf("long line = %q, %d, %v, %v", line, n, tr, err)
	}
	line, n, tr, err = Read(r, line, 10)
	if err != nil || string(line) != "short\n" || n != 6 || tr {
		t.Fatalf("short line = %q, %d, %v, %v", line, n, tr, err)
	}
	line, _, _, err = Read(r, line, 10)
	if !errors.Is(err, io.EOF) || string(line) != "last" {
		t.Fatalf("last = %q, %v", line, err)
	}
}
