package syslog

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

type frame struct {
	text      string
	truncated bool
}

func readAll(t testing.TB, in string, max int) ([]frame, error) {
	fr := newFrameReader(strings.NewReader(in), max, FramingUnknown)
	var out []frame
	for {
		b, tr, err := fr.Next()
		if b != nil {
			out = append(out, frame{string(b), tr})
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if len(out) > 10000 {
			t.Fatal("frame reader does not advance")
		}
	}
}

func TestFrames(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      int
		want     []frame
		wantErr  bool
	}{
		{"lf", "<13>a\n<14>b\r\n\n<15>c", 100, []frame{{"<13>a", false}, {"<14>b", false}, {"<15>c", false}}, false},
		{"octet", "5 <13>a6 <14>bc", 100, []frame{{"<13>a", false}, {"<14>bc", false}}, false},
		{"octet with LF in message", "7 <13>a\nb", 100, []frame{{"<13>a\nb", false}}, false},
		{"octet LF between frames", "5 <13>a\n5 <14>b", 100, []frame{{"<13>a", false}, {"<14>b", false}}, false},
		{"octet truncated", "10 0123456789" + "3 abc", 4, []frame{{"0123", true}, {"abc", false}}, false},
		{"lf truncated", "0123456789\nab\n", 4, []frame{{"0123", true}, {"ab", false}}, false},
		{"octet bad length", "12x <13>a", 100, nil, true},
		{"octet short", "50 <13>a", 100, nil, true},
		{"octet cut in length", "12", 100, nil, true},
		{"empty", "", 100, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, tc.max)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("frames = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("frame %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestLongLineBeyondBuffer: a line longer than the reader's buffer is kept
// up to max and the rest skipped up to its LF.
func TestLongLineBeyondBuffer(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	got, err := readAll(t, long+"\nnext\n", 100<<10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[0].text) != 100<<10 || !got[0].truncated || got[1].text != "next" {
		t.Fatalf("got %d frames, first %d bytes truncated=%v", len(got), len(got[0].text), got[0].truncated)
	}
}

// FuzzFrame: any input is split without panic, frames never exceed the
// maximum, and an octet-counted encoding of frames reads back the same.
func FuzzFrame(f *testing.F) {
	for _, s := range []string{"<13>a\n<14>b", "5 <13>a6 <14>bc", "9999999999 x", "0 ", "1 \n", "\r\n\r\n", "12x"} {
		f.Add([]byte(s), uint16(16))
	}
	f.Fuzz(func(t *testing.T, in []byte, max uint16) {
		m := int(max%512) + 1
		fr := newFrameReader(bytes.NewReader(in), m, FramingUnknown)
		var frames [][]byte
		for range len(in) + 2 {
			b, _, err := fr.Next()
			if len(b) > m {
				t.Fatalf("frame of %d bytes, max %d", len(b), m)
			}
			if b != nil {
				frames = append(frames, append([]byte(nil), b...))
			}
			if err != nil {
				break
			}
		}
		// Round trip through octet counting.
		var enc bytes.Buffer
		for _, b := range frames {
			if len(b) == 0 {
				continue
			}
			enc.WriteString(strconv.Itoa(len(b)) + " ")
			enc.Write(b)
		}
		rd := newFrameReader(&enc, m, FramingOctetCounting)
		for _, want := range frames {
			if len(want) == 0 {
				continue
			}
			got, tr, err := rd.Next()
			if err != nil || tr || !bytes.Equal(got, want) {
				t.Fatalf("round trip: got %q (truncated %v, err %v), want %q", got, tr, err, want)
			}
		}
	})
}
