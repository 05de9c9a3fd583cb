package correlate

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/vigie-siem/vigie/idmefv2"
)

// The binary snapshot (version 2). JSON (version 1) encoded every event's
// alert in full, once per group holding it: with duplicate aggregation
// and the volume presets an alert sits in five groups, and a snapshot of a
// busy server took seconds of CPU. Version 2 writes each alert once, in a
// table that events refer to by index, with varint-prefixed fields:
//
//	magic "VGCS\x02"
//	newest varint, mark uvarint
//	disabled: n, (key, bool)…
//	firings: n, (key, uvarint)…
//	suppress: n, (rule key, m, (key, until varint)…)…
//	pending: n, (alert as IDMEFv2 JSON)…
//	alerts: n, (ID, Desc, Prio, Cat, sources, targets)…
//	rules: n, (key, digest, groups: n, (key, vals, start, newest,
//	  events: n, (T delta, ref, depth, vals, alert index)…)…)…
//
// Strings are a uvarint length and the bytes; lists a uvarint count and
// the elements. Restore reads both versions.
const snapMagic = "VGCS\x02"

// snapWriter appends the binary encoding to a buffer flushed to w.
type snapWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (s *snapWriter) flush() {
	if s.err == nil && len(s.buf) > 0 {
		_, s.err = s.w.Write(s.buf)
	}
	s.buf = s.buf[:0]
}

func (s *snapWriter) maybeFlush() {
	if len(s.buf) >= 64<<10 {
		s.flush()
	}
}

func (s *snapWriter) uvarint(x uint64) { s.buf = binary.AppendUvarint(s.buf, x) }
func (s *snapWriter) varint(x int64)   { s.buf = binary.AppendVarint(s.buf, x) }
func (s *snapWriter) str(x string) {
	s.uvarint(uint64(len(x)))
	s.buf = append(s.buf, x...)
}

func strs[T ~string](s *snapWriter, xs []T) {
	s.uvarint(uint64(len(xs)))
	for _, x := range xs {
		s.str(string(x))
	}
}

func (s *snapWriter) ints(xs []int) {
	s.uvarint(uint64(len(xs)))
	for _, x := range xs {
		s.varint(int64(x))
	}
}

func (s *snapWriter) source(x *idmefv2.Source) {
	s.str(x.ID)
	s.str(x.IP)
	s.str(x.Hostname)
	strs(s, x.Category)
	s.str(x.Note)
	strs(s, x.TI)
	s.str(x.User)
	s.str(x.Email)
	strs(s, x.Protocol)
	s.ints(x.Port)
	s.str(x.GeoLocation)
	s.str(x.UnLocation)
	s.str(x.Location)
	strs(s, x.Attachment)
}

func (s *snapWriter) target(x *idmefv2.Target) {
	s.str(x.ID)
	s.str(x.IP)
	s.str(x.Hostname)
	strs(s, x.Category)
	s.str(x.Note)
	s.str(x.Service)
	s.str(x.User)
	s.str(x.Email)
	s.ints(x.Port)
	s.str(x.GeoLocation)
	s.str(x.UnLocation)
	s.str(x.Location)
	strs(s, x.Attachment)
}

func (s *snapWriter) alert(a *alertInfo) {
	s.str(a.ID)
	s.str(a.Desc)
	s.str(string(a.Prio))
	strs(s, a.Cat)
	s.uvarint(uint64(len(a.Src)))
	for i := range a.Src {
		s.source(&a.Src[i])
	}
	s.uvarint(uint64(len(a.Tgt)))
	for i := range a.Tgt {
		s.target(&a.Tgt[i])
	}
}

// snapReader decodes what snapWriter wrote; the first error sticks.
type snapReader struct {
	r   *bufio.Reader
	err error
}

var errSnapCorrupt = errors.New("corrupt binary snapshot")

func (s *snapReader) fail(err error) {
	if s.err == nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		s.err = err
	}
}

func (s *snapReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	x, err := binary.ReadUvarint(s.r)
	if err != nil {
		s.fail(err)
	}
	return x
}

func (s *snapReader) varint() int64 {
	if s.err != nil {
		return 0
	}
	x, err := binary.ReadVarint(s.r)
	if err != nil {
		s.fail(err)
	}
	return x
}

// count reads a list length, bounded so that a corrupt file cannot make
// Restore allocate without limit.
func (s *snapReader) count() int {
	n := s.uvarint()
	if n > math.MaxInt32 {
		s.fail(errSnapCorrupt)
		return 0
	}
	return int(n)
}

func (s *snapReader) str() string {
	n := s.count()
	if s.err != nil || n == 0 {
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.fail(err)
		return ""
	}
	return string(b)
}

func readStrs[T ~string](s *snapReader) []T {
	n := s.count()
	if n == 0 {
		return nil
	}
	out := make([]T, 0, min(n, 1024))
	for range n {
		if s.err != nil {
			return nil
		}
		out = append(out, T(s.str()))
	}
	return out
}

func (s *snapReader) ints() []int {
	n := s.count()
	if n == 0 {
		return nil
	}
	out := make([]int, 0, min(n, 1024))
	for range n {
		if s.err != nil {
			return nil
		}
		out = append(out, int(s.varint()))
	}
	return out
}

func (s *snapReader) source(x *idmefv2.Source) {
	x.ID = s.str()
	x.IP = s.str()
	x.Hostname = s.str()
	x.Category = readStrs[idmefv2.SourceCategory](s)
	x.Note = s.str()
	x.TI = readStrs[string](s)
	x.User = s.str()
	x.Email = s.str()
	x.Protocol = readStrs[string](s)
	x.Port = s.ints()
	x.GeoLocation = s.str()
	x.UnLocation = s.str()
	x.Location = s.str()
	x.Attachment = readStrs[string](s)
}

func (s *snapReader) target(x *idmefv2.Target) {
	x.ID = s.str()
	x.IP = s.str()
	x.Hostname = s.str()
	x.Category = readStrs[idmefv2.TargetCategory](s)
	x.Note = s.str()
	x.Service = s.str()
	x.User = s.str()
	x.Email = s.str()
	x.Port = s.ints()
	x.GeoLocation = s.str()
	x.UnLocation = s.str()
	x.Location = s.str()
	x.Attachment = readStrs[string](s)
}

func (s *snapReader) alert() *alertInfo {
	a := &alertInfo{ID: s.str(), Desc: s.str(), Prio: idmefv2.Priority(s.str()), Cat: readStrs[idmefv2.Category](s)}
	if n := s.count(); n > 0 && s.err == nil {
		a.Src = make([]idmefv2.Source, 0, min(n, 1024))
		for range n {
			if s.err != nil {
				break
			}
			a.Src = append(a.Src, idmefv2.Source{})
			s.source(&a.Src[len(a.Src)-1])
		}
	}
	if n := s.count(); n > 0 && s.err == nil {
		a.Tgt = make([]idmefv2.Target, 0, min(n, 1024))
		for range n {
			if s.err != nil {
				break
			}
			a.Tgt = append(a.Tgt, idmefv2.Target{})
			s.target(&a.Tgt[len(a.Tgt)-1])
		}
	}
	return a
}

// writeBinary encodes snap (whose groups' events point at shared alert
// infos) in version 2.
func writeBinary(w io.Writer, snap *snapshot) error {
	s := newSnapWriter(w, snapMagic)
	s.head(snap)
	// The alert table: every alert info once, in order of first use.
	index := make(map[*alertInfo]uint64)
	var table []*alertInfo
	for _, k := range snap.order {
		for _, g := range snap.Rules[k].Groups {
			for i := range g.Events {
				a := g.Events[i].Alert
				if _, ok := index[a]; !ok {
					index[a] = uint64(len(table))
					table = append(table, a)
				}
			}
		}
	}
	s.uvarint(uint64(len(table)))
	for _, a := range table {
		if a == nil {
			a = &alertInfo{}
		}
		s.alert(a)
		s.maybeFlush()
	}
	s.rules(snap, func(a *alertInfo) { s.uvarint(index[a]) })
	return s.close()
}

func newSnapWriter(w io.Writer, magic string) *snapWriter {
	s := &snapWriter{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 80<<10)}
	s.buf = append(s.buf, magic...)
	return s
}

func (s *snapWriter) close() error {
	s.flush()
	if s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

// head writes what precedes the alerts: clock, mark, overrides, firing
// counts, suppressions and pending alerts.
func (s *snapWriter) head(snap *snapshot) {
	s.varint(snap.Newest)
	s.uvarint(snap.Mark)
	s.uvarint(uint64(len(snap.Disabled)))
	for k, d := range snap.Disabled {
		s.str(k)
		if d {
			s.uvarint(1)
		} else {
			s.uvarint(0)
		}
	}
	s.uvarint(uint64(len(snap.Firings)))
	for k, n := range snap.Firings {
		s.str(k)
		s.uvarint(n)
	}
	s.uvarint(uint64(len(snap.Suppress)))
	for k, m := range snap.Suppress {
		s.str(k)
		s.uvarint(uint64(len(m)))
		for sk, until := range m {
			s.str(sk)
			s.varint(until)
			s.maybeFlush()
		}
	}
	s.uvarint(uint64(len(snap.Pending)))
	for _, p := range snap.Pending {
		s.str(string(p))
		s.maybeFlush()
	}
}

// rules writes the windows; ref writes the reference to an event's alert.
func (s *snapWriter) rules(snap *snapshot, ref func(*alertInfo)) {
	s.uvarint(uint64(len(snap.order)))
	for _, k := range snap.order {
		sr := snap.Rules[k]
		s.str(k)
		s.str(sr.Digest)
		s.uvarint(uint64(len(sr.Groups)))
		for _, g := range sr.Groups {
			s.str(g.Key)
			strs(s, g.Vals)
			s.varint(g.Start)
			s.varint(g.Newest)
			s.uvarint(uint64(len(g.Events)))
			prev := g.Start
			for i := range g.Events {
				ev := &g.Events[i]
				s.varint(ev.T - prev)
				prev = ev.T
				s.uvarint(uint64(ev.Ref))
				s.uvarint(uint64(ev.Depth))
				strs(s, ev.Vals)
				ref(ev.Alert)
			}
			s.maybeFlush()
		}
	}
}

// readBinary decodes a version 2 snapshot (its magic already read).
func readBinary(r *bufio.Reader) (*snapshot, error) {
	s := &snapReader{r: r}
	snap := s.head()
	var table []*alertInfo
	for range s.count() {
		if s.err != nil {
			break
		}
		table = append(table, s.alert())
	}
	s.rules(snap, func() *alertInfo {
		i := s.uvarint()
		if i >= uint64(len(table)) {
			s.fail(errSnapCorrupt)
			return nil
		}
		return table[i]
	})
	if s.err != nil {
		return nil, fmt.Errorf("binary snapshot: %w", s.err)
	}
	return snap, nil
}

func (s *snapReader) head() *snapshot {
	snap := &snapshot{Version: snapshotVersion, Rules: make(map[string]snapRule)}
	snap.Newest = s.varint()
	snap.Mark = s.uvarint()
	if n := s.count(); n > 0 {
		snap.Disabled = make(map[string]bool)
		for range n {
			if s.err != nil {
				break
			}
			k := s.str()
			snap.Disabled[k] = s.uvarint() != 0
		}
	}
	if n := s.count(); n > 0 {
		snap.Firings = make(map[string]uint64)
		for range n {
			if s.err != nil {
				break
			}
			k := s.str()
			snap.Firings[k] = s.uvarint()
		}
	}
	if n := s.count(); n > 0 {
		snap.Suppress = make(map[string]map[string]int64)
		for range n {
			if s.err != nil {
				break
			}
			k := s.str()
			m := make(map[string]int64)
			for range s.count() {
				if s.err != nil {
					break
				}
				sk := s.str()
				m[sk] = s.varint()
			}
			snap.Suppress[k] = m
		}
	}
	for range s.count() {
		if s.err != nil {
			break
		}
		snap.Pending = append(snap.Pending, []byte(s.str()))
	}
	return snap
}

// rules reads the windows; ref reads the reference to an event's alert.
func (s *snapReader) rules(snap *snapshot, ref func() *alertInfo) {
	for range s.count() {
		if s.err != nil {
			break
		}
		k := s.str()
		sr := snapRule{Digest: s.str()}
		for range s.count() {
			if s.err != nil {
				break
			}
			g := snapGroup{Key: s.str(), Vals: readStrs[string](s), Start: s.varint(), Newest: s.varint()}
			prev := g.Start
			for range s.count() {
				if s.err != nil {
					break
				}
				ev := event{T: prev + s.varint()}
				prev = ev.T
				ev.Ref = ref32(int64(min(s.uvarint(), math.MaxInt64)))
				ev.Depth = int32(min(s.uvarint(), math.MaxInt32))
				ev.Vals = readStrs[string](s)
				ev.Alert = ref()
				g.Events = append(g.Events, ev)
			}
			sr.Groups = append(sr.Groups, g)
		}
		snap.Rules[k] = sr
		snap.order = append(snap.order, k)
	}
}
