package alertgen

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// templateTime is the fixed-width RFC 3339 layout of the times Templates
// rewrite in place (microseconds, UTC).
const templateTime = "2006-01-02T15:04:05.000000Z"

// Templates replays the alerts of a Generator cheaply, for load generators
// that share the machine with what they load: a pool of consecutive
// generated alerts, encoded once, handed out in turn with a fresh random ID,
// CreateTime and StartTime written over the template's. The stream keeps the
// generator's variety and bursts; every alert is valid and has its own ID.
// Safe for concurrent use.
type Templates struct {
	now   func() time.Time
	seed  uint64
	items []template
	next  atomic.Uint64
}

// template is one encoded alert and where its rewritten values lie.
type template struct {
	data              []byte
	id, create, start int           // offsets of the values (after the quote)
	startBeforeCreate time.Duration // StartTime is this much before CreateTime
}

// NewTemplates encodes n alerts of g (n <= 0 means 1000) and returns a
// Templates replaying them. now gives the alerts' times (nil: time.Now);
// seed seeds the IDs.
func NewTemplates(g *Generator, n int, seed uint64, now func() time.Time) (*Templates, error) {
	if n <= 0 {
		n = 1000
	}
	if now == nil {
		now = time.Now
	}
	t := &Templates{now: now, seed: seed, items: make([]template, 0, n)}
	for range n {
		a := g.Next()
		tp, err := newTemplate(a)
		if err != nil {
			return nil, fmt.Errorf("alertgen templates: alert %s: %w", a.ID, err)
		}
		t.items = append(t.items, tp)
	}
	return t, nil
}

func newTemplate(a *idmefv2.Alert) (template, error) {
	var tp template
	create, err := idmefv2.ParseTime(a.CreateTime)
	if err != nil {
		return tp, fmt.Errorf("CreateTime: %w", err)
	}
	start, err := idmefv2.ParseTime(a.StartTime)
	if err != nil {
		return tp, fmt.Errorf("StartTime: %w", err)
	}
	tp.startBeforeCreate = create.Sub(start)
	// Fixed-width times, so that each alert's are written in place.
	a.CreateTime = create.UTC().Format(templateTime)
	a.StartTime = start.UTC().Format(templateTime)
	if tp.data, err = idmefv2.Encode(a); err != nil {
		return tp, err
	}
	find := func(name, value string) (int, error) {
		i := bytes.Index(tp.data, []byte(`"`+name+`":"`+value+`"`))
		if i < 0 {
			return 0, fmt.Errorf("%s not found in the encoding", name)
		}
		return i + len(name) + 4, nil
	}
	if len(a.ID) != 36 {
		return tp, fmt.Errorf("ID %q is not a UUID", a.ID)
	}
	if tp.id, err = find("ID", a.ID); err != nil {
		return tp, err
	}
	if tp.create, err = find("CreateTime", a.CreateTime); err != nil {
		return tp, err
	}
	if tp.start, err = find("StartTime", a.StartTime); err != nil {
		return tp, err
	}
	return tp, nil
}

// Len is the number of templates.
func (t *Templates) Len() int { return len(t.items) }

// Append appends the next alert's JSON to dst and returns it and the
// alert's ID.
func (t *Templates) Append(dst []byte) ([]byte, string) {
	n := t.next.Add(1) - 1
	tp := &t.items[n%uint64(len(t.items))]
	at := len(dst)
	dst = append(dst, tp.data...)
	msg := dst[at:]
	putUUID(msg[tp.id:tp.id+36], mix(t.seed, 2*n), mix(t.seed, 2*n+1))
	// Formatted aside: AppendFormat may write past the end of what it
	// returns.
	var buf [40]byte
	now := t.now().UTC()
	copy(msg[tp.create:tp.create+len(templateTime)], now.AppendFormat(buf[:0], templateTime))
	copy(msg[tp.start:tp.start+len(templateTime)], now.Add(-tp.startBeforeCreate).AppendFormat(buf[:0], templateTime))
	return dst, string(msg[tp.id : tp.id+36])
}

// mix is SplitMix64 of seed+i: distinct i give distinct, well-spread values.
func mix(seed, i uint64) uint64 {
	z := seed + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// putUUID writes the version-4 UUID made of hi and lo into dst (36 bytes).
func putUUID(dst []byte, hi, lo uint64) {
	var b [16]byte
	for j := range 8 {
		b[j] = byte(hi >> (8 * j))
		b[8+j] = byte(lo >> (8 * j))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	hex.Encode(dst[0:8], b[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], b[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], b[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], b[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:36], b[10:16])
}
