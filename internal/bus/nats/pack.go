package nats

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go"

	"github.com/vigie-siem/vigie/internal/bus"
)

// Packing: PublishBatch stores the messages of one call that share a subject
// as a few NATS messages ("packs") instead of one each. A pack costs the
// stream one store, one delivery and one acknowledgement, however many bus
// messages it carries, which is most of what the bus costs per alert when an
// ingest request brings hundreds of them. Consumers unpack transparently: a
// handler sees one bus.Delivery per packed message, in order, with its own
// Key and Header and its Index in the pack.
//
// A pack is a NATS message with the header headerPack (the number of
// messages in it, in decimal) and this payload:
//
//	version byte (packVersion)
//	for each message:
//	  uvarint len, Key
//	  uvarint number of headers, then per header: uvarint len, name, uvarint len, value
//	  uvarint len, Data
//
// A message too big to share a pack is published on its own, as a plain NATS
// message; so is a call with a single message for a subject.
//
// A compressed pack (Options.CompressPacks) is the version byte
// packVersionS2 followed by an S2 block (github.com/klauspost/compress/s2)
// that decodes to the payload above, version byte included. Alerts are
// JSON with the same member names over and over: a pack shrinks to about a
// fifth, for ≈ 0.5 µs per alert to compress and ≈ 0.15 µs to decompress,
// and every copy the NATS server and clients make, and what the stream
// writes to disk, shrinks with it.
const (
	headerPack    = "Vigie-Bus-Pack"
	packVersion   = 1
	packVersionS2 = 2
	// maxPackDecoded bounds what a compressed pack may decode to whatever
	// the server: the largest NATS payload (64 MiB). Consumers pass the
	// server's own limit, which bounds the uncompressed packs publishers
	// build.
	maxPackDecoded = 64 << 20
	// packOverhead is what the pack's headers and framing may add beyond
	// the members' own sizes, kept out of the server's payload limit.
	packOverhead = 4 << 10
)

// packSize is the framed size of m in a pack.
func packSize(m *bus.Message) int {
	n := uvarintLen(len(m.Key)) + len(m.Key) + uvarintLen(len(m.Header)) + uvarintLen(len(m.Data)) + len(m.Data)
	for k, v := range m.Header {
		n += uvarintLen(len(k)) + len(k) + uvarintLen(len(v)) + len(v)
	}
	return n
}

func uvarintLen(n int) int {
	l := 1
	for n >= 0x80 {
		n >>= 7
		l++
	}
	return l
}

// encodePack frames the messages ms[i] for i in members, appending to buf.
func encodePack(buf []byte, ms []bus.Message, members []int) []byte {
	buf = append(buf, packVersion)
	for _, i := range members {
		m := &ms[i]
		buf = appendString(buf, m.Key)
		buf = binary.AppendUvarint(buf, uint64(len(m.Header)))
		for k, v := range m.Header {
			buf = appendString(buf, k)
			buf = appendString(buf, v)
		}
		buf = binary.AppendUvarint(buf, uint64(len(m.Data)))
		buf = append(buf, m.Data...)
	}
	return buf
}

// compressPack appends the compressed form of the pack payload body to
// dst (whose contents are replaced); body must not alias dst.
func compressPack(dst, body []byte) []byte {
	need := 1 + s2.MaxEncodedLen(len(body))
	if cap(dst) < need {
		dst = make([]byte, need)
	}
	dst = dst[:need]
	dst[0] = packVersionS2
	return dst[:1+len(s2.Encode(dst[1:], body))]
}

// decompressPack returns the payload a compressed pack's S2 block (after
// its version byte) decodes to, in a buffer of its own, refusing one of
// more than limit bytes.
func decompressPack(block []byte, limit int) ([]byte, error) {
	n, err := s2.DecodedLen(block)
	if err != nil {
		return nil, fmt.Errorf("%w: compressed: %w", errBadPack, err)
	}
	if limit = min(limit, maxPackDecoded); n > limit {
		return nil, fmt.Errorf("%w: compressed: decodes to %d bytes, more than %d", errBadPack, n, limit)
	}
	out, err := s2.Decode(make([]byte, n), block)
	if err != nil {
		return nil, fmt.Errorf("%w: compressed: %w", errBadPack, err)
	}
	return out, nil
}

func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// errBadPack is wrapped by every decodePack error.
var errBadPack = errors.New("malformed pack")

// packCount reads the number of members a NATS message announces: 0 for a
// plain message.
func packCount(h nats.Header) (int, error) {
	v := h.Get(headerPack)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPackMembers {
		return 0, fmt.Errorf("%w: header %s %q: want a count from 1 to %d", errBadPack, headerPack, v, maxPackMembers)
	}
	return n, nil
}

// maxPackMembers bounds what a pack may carry (and what Delivery.Index may
// be: see bus.Delivery.Position).
const maxPackMembers = 1<<16 - 1

// decodePack returns the n messages of a pack's payload, compressed or not;
// a compressed one may decode to maxDecoded bytes at most.
// Their Data alias data, which must be the consumer's own (a NATS message's
// payload is: the client gives each message a buffer of its own, which
// plain deliveries alias too), or the buffer a compressed pack decodes to;
// no two members share bytes, so handlers may keep Data.
// Each member has a Header map of its own; the members of a pack usually
// carry the same headers (those of one ingest request), so a header name or
// value equal to the previous member's is that member's string, not a new
// one.
func decodePack(data []byte, n, maxDecoded int) ([]bus.Message, error) {
	if len(data) > 0 && data[0] == packVersionS2 {
		var err error
		if data, err = decompressPack(data[1:], maxDecoded); err != nil {
			return nil, err
		}
	}
	if len(data) == 0 || data[0] != packVersion {
		return nil, fmt.Errorf("%w: unknown version", errBadPack)
	}
	out := make([]bus.Message, n)
	r := packReader{b: data[1:]}
	var (
		prev  map[string]string // the previous member's headers
		names []string          // header names seen in this pack
	)
	for i := range out {
		m := &out[i]
		m.Key = string(r.bytes())
		nh := r.uvarint()
		if nh > uint64(len(r.b)) { // each header takes at least 2 bytes
			return nil, fmt.Errorf("%w: member %d: %d headers in %d bytes", errBadPack, i, nh, len(r.b))
		}
		if nh > 0 {
			m.Header = make(map[string]string, nh)
			for range nh {
				var k string
				k, names = internName(names, r.bytes())
				m.Header[k] = sameValue(prev, k, r.bytes())
			}
			prev = m.Header
		}
		m.Data = r.bytes()
		if r.err != nil {
			return nil, fmt.Errorf("%w: member %d: %w", errBadPack, i, r.err)
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last of %d members", errBadPack, len(r.b), n)
	}
	return out, nil
}

// internName returns name as a string, one of names when it is there, and
// names with it added (up to maxInterned names).
func internName(names []string, name []byte) (string, []string) {
	for _, s := range names {
		if s == string(name) {
			return s, names
		}
	}
	s := string(name)
	if len(names) < maxInterned {
		names = append(names, s)
	}
	return s, names
}

// maxInterned bounds the header names decodePack remembers.
const maxInterned = 16

// sameValue is the value v of header k as a string: prev's when equal.
func sameValue(prev map[string]string, k string, v []byte) string {
	if pv, ok := prev[k]; ok && pv == string(v) {
		return pv
	}
	return string(v)
}

type packReader struct {
	b   []byte
	err error
}

func (r *packReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errors.New("truncated length")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes reads a length-prefixed field, aliasing the reader's buffer.
func (r *packReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.err = fmt.Errorf("field of %d bytes with %d left", n, len(r.b))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// packID is the de-duplication ID of a pack: a digest of its members' keys
// and data (headers vary between retries: they hold receive times), so that
// publishing the same messages again (a retried request) is recognised by
// the stream within its duplicate window.
func packID(ms []bus.Message, members []int) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, i := range members {
		m := &ms[i]
		h.Write(binary.AppendUvarint(n[:0], uint64(len(m.Key))))
		h.Write([]byte(m.Key))
		h.Write(binary.AppendUvarint(n[:0], uint64(len(m.Data))))
		h.Write(m.Data)
	}
	return "pack:" + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}
