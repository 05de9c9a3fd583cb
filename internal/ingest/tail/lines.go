package tail

import (
	"bufio"
	"errors"
	"io"
)

// lineReader splits a stream into LF-terminated lines of at most max
// bytes (longer ones are cut and the rest skipped).
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next complete line without its LF (and CR), the bytes
// it took in the stream, and whether it was cut. At the end of the stream
// it returns io.EOF, with the partial last line (not counted in n) if
// there is one.
func (l *lineReader) next() (text []byte, n int, truncated bool, err error) {
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		n += len(chunk)
		if room := l.max - len(l.buf); len(chunk) > room {
			l.buf = append(l.buf, chunk[:max(room, 0)]...)
			truncated = true
		} else {
			l.buf = append(l.buf, chunk...)
		}
		switch {
		case err == nil:
			return trimEOL(l.buf), n, truncated, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return l.buf, 0, truncated, err
		}
	}
}

func trimEOL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}
