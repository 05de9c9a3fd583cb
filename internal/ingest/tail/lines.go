package tail

import (
	"bufio"
	"io"

	"github.com/vigie-siem/vigie/internal/ingest/lines"
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
	l.buf, n, truncated, err = lines.Read(l.r, l.buf, l.max)
	if err != nil {
		return l.buf, 0, truncated, err
	}
	return trimEOL(l.buf), n, truncated, nil
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
