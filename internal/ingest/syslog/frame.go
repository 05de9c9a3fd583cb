package syslog

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/vigie-siem/vigie/internal/ingest/lines"
)

// Framing is how messages are delimited on a stream.
type Framing int

// The framings of RFC 6587.
const (
	FramingUnknown        Framing = iota // not detected yet
	FramingOctetCounting                 // "LEN SP MSG"
	FramingNonTransparent                // MSG terminated by LF (or CR LF)
)

func (f Framing) String() string {
	switch f {
	case FramingOctetCounting:
		return "octet-counting"
	case FramingNonTransparent:
		return "non-transparent"
	}
	return "unknown"
}

// maxLenDigits bounds the MSG-LEN field of octet counting (RFC 5425 allows
// any length; ten digits exceed every sensible message).
const maxLenDigits = 10

// errBadLength is returned when an octet-counting frame has no valid
// MSG-LEN: the stream can no longer be delimited.
var errBadLength = errors.New("octet counting: invalid MSG-LEN")

// frameReader splits a stream into frames of at most max bytes. The
// framing is detected from the first byte unless set.
type frameReader struct {
	r       *bufio.Reader
	max     int
	framing Framing
	buf     []byte
}

func newFrameReader(r io.Reader, max int, framing Framing) *frameReader {
	return &frameReader{r: bufio.NewReaderSize(r, min(max+16, 64<<10)), max: max, framing: framing}
}

// Next returns the next frame, valid until the following call, and whether
// it was cut at max bytes. It returns io.EOF at the clean end of the
// stream; a partial non-transparent frame before the end is returned as a
// frame first.
func (f *frameReader) Next() (frame []byte, truncated bool, err error) {
	for {
		if f.framing == FramingUnknown {
			b, err := f.r.Peek(1)
			if err != nil {
				return nil, false, err
			}
			if b[0] >= '1' && b[0] <= '9' {
				f.framing = FramingOctetCounting
			} else {
				f.framing = FramingNonTransparent
			}
		}
		if f.framing == FramingOctetCounting {
			return f.octet()
		}
		frame, truncated, err = f.line()
		if err == nil && len(frame) == 0 && !truncated {
			continue // empty lines between messages
		}
		return frame, truncated, err
	}
}

// octet reads "LEN SP MSG".
func (f *frameReader) octet() ([]byte, bool, error) {
	n := 0
	for i := 0; ; i++ {
		c, err := f.r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return nil, false, fmt.Errorf("%w: stream ended inside MSG-LEN", errBadLength)
			}
			return nil, false, err
		}
		if c == ' ' && i > 0 {
			break
		}
		// Tolerate a LF left between frames by some senders.
		if i == 0 && (c == '\n' || c == '\r') {
			i = -1
			continue
		}
		if c < '0' || c > '9' || i >= maxLenDigits || (i == 0 && c == '0') {
			return nil, false, fmt.Errorf("%w: unexpected byte %q after %d digits", errBadLength, c, i)
		}
		n = n*10 + int(c-'0')
	}
	keep := min(n, f.max)
	if cap(f.buf) < keep {
		f.buf = make([]byte, keep)
	}
	f.buf = f.buf[:keep]
	if _, err := io.ReadFull(f.r, f.buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, false, fmt.Errorf("octet counting: frame of %d bytes: %w", n, err)
	}
	if n > keep {
		if _, err := f.r.Discard(n - keep); err != nil {
			return f.buf, true, fmt.Errorf("octet counting: frame of %d bytes: %w", n, err)
		}
		return f.buf, true, nil
	}
	return f.buf, false, nil
}

// line reads up to LF, stripping the trailer.
func (f *frameReader) line() ([]byte, bool, error) {
	var err error
	var truncated bool
	f.buf, _, truncated, err = lines.Read(f.r, f.buf, f.max)
	switch {
	case err == nil:
		return trimTrailer(f.buf), truncated, nil
	case errors.Is(err, io.EOF) && (len(f.buf) > 0 || truncated):
		return trimTrailer(f.buf), truncated, nil
	default:
		return nil, false, err
	}
}

// trimTrailer strips the frame's trailer (LF, CR LF, NUL).
func trimTrailer(b []byte) []byte {
	for len(b) > 0 {
		switch b[len(b)-1] {
		case '\n', '\r', 0:
			b = b[:len(b)-1]
		default:
			return b
		}
	}
	return b
}
