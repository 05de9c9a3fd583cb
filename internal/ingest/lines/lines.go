package lines

import (
	"bufio"
	"errors"
)

// Read reads one line from r into buf[:0], up to and including its LF,
// keeping at most max bytes (the rest of a longer line is consumed and
// dropped: truncated is then true). n is the number of bytes consumed from
// r. err is nil when the LF was found; otherwise the error of r (io.EOF at
// the end), with what was read of a last, unterminated line in line.
func Read(r *bufio.Reader, buf []byte, max int) (line []byte, n int, truncated bool, err error) {
	line = buf[:0]
	for {
		chunk, err := r.ReadSlice('\n')
		n += len(chunk)
		if room := max - len(line); len(chunk) > room {
			line = append(line, chunk[:room]...)
			truncated = true
		} else {
			line = append(line, chunk...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return line, n, truncated, err
		}
	}
}
