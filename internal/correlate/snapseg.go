package correlate

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Segmented snapshots (version 3), what SaveSnapshot writes. An alert
// stays in the windows for minutes (duplicate aggregation holds every
// alert for its window plus the allowed lateness), far longer than the
// snapshot interval: writing every alert at every save made each one cost
// several encodings. SaveSnapshot writes each alert once, in a segment
// file beside the snapshot (<path>.seg.<n>, immutable once written), and
// the snapshot file refers to alerts by segment and position:
//
//	magic "VGCS\x03"
//	head (as version 2: clock, mark, overrides, firings, suppressions,
//	  pending alerts)
//	segments: n, (segment number, alerts)…
//	rules (as version 2, an event's alert as segment number, position)
//
// A segment file is "VGCA\x01", a count and the alerts (snapbin.go's
// encoding). A save writes the alerts not yet in a segment, plus the live
// alerts of segments less than a quarter alive (so that dead alerts do
// not keep files alive: the files hold at most about four times the live
// alerts, and an alert is rarely written twice), into one new segment,
// then the snapshot file (written to a temporary file and renamed, as
// segments are), then deletes the segments it no longer refers to. A crash
// at any point
// leaves a snapshot file whose segments exist.
const (
	snapSegMagic = "VGCS\x03"
	segMagic     = "VGCA\x01"
)

// segTable is what the engine knows of the segment files beside its
// snapshot: the alerts written in each.
type segTable struct {
	path  string            // the snapshot's path
	count map[uint32]uint32 // segment → alerts written in it
	next  uint32            // the next segment number
	clean bool              // files of earlier runs not referenced deleted
}

func segPath(path string, n uint32) string { return path + ".seg." + strconv.FormatUint(uint64(n), 10) }

// segFiles lists the segment numbers of the files beside path.
func segFiles(path string) []uint32 {
	names, _ := filepath.Glob(path + ".seg.*")
	var out []uint32
	for _, n := range names {
		if x, err := strconv.ParseUint(strings.TrimPrefix(n, path+".seg."), 10, 32); err == nil && x > 0 {
			out = append(out, uint32(x))
		}
	}
	return out
}

// SaveSnapshot writes the state to path atomically (temporary files
// renamed over their names), its alerts in segment files beside it.
func (e *Engine) SaveSnapshot(path string) error {
	return e.endSave(path, e.beginSave())
}

// beginSave copies the state to save (the engine goes on meanwhile) and
// holds the saving lock until endSave writes it: saves are serialised, in
// the order of their copies.
func (e *Engine) beginSave() *snapshot {
	e.saveMu.Lock()
	e.mu.Lock()
	defer e.mu.Unlock()
	snap := e.capture()
	// What the engine changes in place: events slices (group.insert,
	// dropFront) and the maps. Group values and alert infos do not
	// change once made.
	for _, sr := range snap.Rules {
		for i := range sr.Groups {
			sr.Groups[i].Events = slices.Clone(sr.Groups[i].Events)
		}
	}
	snap.Suppress = maps.Clone(snap.Suppress)
	for k, m := range snap.Suppress {
		snap.Suppress[k] = maps.Clone(m)
	}
	snap.Disabled = maps.Clone(snap.Disabled)
	snap.Firings = maps.Clone(snap.Firings)
	return snap
}

// endSave writes what beginSave copied and releases the saving lock.
func (e *Engine) endSave(path string, snap *snapshot) error {
	defer e.saveMu.Unlock()
	if err := e.saveSegmented(path, snap); err != nil {
		return fmt.Errorf("correlate: snapshot: %w", err)
	}
	return nil
}

// saveSegmented writes snap; e.saveMu is held (it guards e.segs,
// e.saveEpoch and the alert infos' seg, idx and seen).
func (e *Engine) saveSegmented(path string, snap *snapshot) error {
	t := e.segs
	if t == nil || t.path != path {
		// First save to path: number segments after any file there (a
		// snapshot being replaced may still refer to them).
		t = &segTable{path: path, count: make(map[uint32]uint32), next: 1}
		for _, n := range segFiles(path) {
			t.next = max(t.next, n+1)
		}
		e.segs = t
	}
	// Which alerts are live, and in which segments.
	e.saveEpoch++
	epoch := e.saveEpoch
	live := make(map[uint32]uint32)
	var fresh, kept []*alertInfo
	for _, k := range snap.order {
		for _, g := range snap.Rules[k].Groups {
			for i := range g.Events {
				a := g.Events[i].Alert
				if a.seen == epoch {
					continue
				}
				a.seen = epoch
				if _, ok := t.count[a.seg]; !ok {
					fresh = append(fresh, a)
					continue
				}
				live[a.seg]++
				kept = append(kept, a)
			}
		}
	}
	sparse := func(seg uint32) bool { return 4*live[seg] < t.count[seg] }
	for _, a := range kept {
		if sparse(a.seg) {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) > 0 {
		n := t.next
		if err := writeSegment(segPath(path, n), fresh); err != nil {
			return err
		}
		t.next++
		t.count[n] = uint32(len(fresh))
		live[n] = uint32(len(fresh))
		for i, a := range fresh {
			a.seg, a.idx = n, uint32(i)
		}
	}
	var segs []uint32
	for seg := range t.count {
		if live[seg] > 0 && !sparse(seg) {
			segs = append(segs, seg)
		}
	}
	slices.Sort(segs)
	err := writeAtomic(path, func(f *os.File) error {
		s := newSnapWriter(f, snapSegMagic)
		s.head(snap)
		s.uvarint(uint64(len(segs)))
		for _, seg := range segs {
			s.uvarint(uint64(seg))
			s.uvarint(uint64(t.count[seg]))
		}
		s.rules(snap, func(a *alertInfo) {
			s.uvarint(uint64(a.seg))
			s.uvarint(uint64(a.idx))
		})
		return s.close()
	})
	if err != nil {
		return err
	}
	// The snapshot on disk refers to segs only.
	for seg := range t.count {
		if !slices.Contains(segs, seg) {
			if err := os.Remove(segPath(path, seg)); err != nil && !errors.Is(err, os.ErrNotExist) {
				e.log.Warn("correlation snapshot: stale segment not removed", "err", err)
			}
			delete(t.count, seg)
		}
	}
	if !t.clean {
		// Segments of earlier runs that this snapshot does not use.
		for _, seg := range segFiles(path) {
			if _, ok := t.count[seg]; !ok {
				_ = os.Remove(segPath(path, seg))
			}
		}
		t.clean = true
	}
	return nil
}

// writeSegment writes alerts to a new segment file.
func writeSegment(name string, alerts []*alertInfo) error {
	return writeAtomic(name, func(f *os.File) error {
		s := newSnapWriter(f, segMagic)
		s.uvarint(uint64(len(alerts)))
		for _, a := range alerts {
			s.alert(a)
			s.maybeFlush()
		}
		return s.close()
	})
}

// writeAtomic writes a file with write, synced, under a temporary name
// renamed to name.
func writeAtomic(name string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".correlation-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// readSegmented reads a version 3 snapshot (its magic already read) and
// the segments it refers to.
func readSegmented(r *bufio.Reader, path string) (*snapshot, *segTable, error) {
	s := &snapReader{r: r}
	snap := s.head()
	t := &segTable{path: path, count: make(map[uint32]uint32), next: 1}
	tables := make(map[uint32][]*alertInfo)
	for range s.count() {
		if s.err != nil {
			break
		}
		seg, n := s.uvarint(), s.uvarint()
		if s.err != nil {
			break
		}
		if seg == 0 || seg > 1<<32-1 || n > 1<<32-1 {
			return nil, nil, errSnapCorrupt
		}
		alerts, err := readSegment(segPath(path, uint32(seg)), uint32(seg))
		if err != nil {
			return nil, nil, err
		}
		if uint64(len(alerts)) != n {
			return nil, nil, fmt.Errorf("segment %d: %d alerts, want %d", seg, len(alerts), n)
		}
		tables[uint32(seg)] = alerts
		t.count[uint32(seg)] = uint32(n)
		t.next = max(t.next, uint32(seg)+1)
	}
	s.rules(snap, func() *alertInfo {
		seg, i := s.uvarint(), s.uvarint()
		tab := tables[uint32(seg)]
		if seg > 1<<32-1 || i >= uint64(len(tab)) {
			s.fail(errSnapCorrupt)
			return nil
		}
		return tab[i]
	})
	if s.err != nil {
		return nil, nil, fmt.Errorf("binary snapshot: %w", s.err)
	}
	// Files beside path numbered higher (written by a save that did not
	// complete) must not be overwritten while this snapshot refers to
	// lower ones: number after them too.
	for _, n := range segFiles(path) {
		t.next = max(t.next, n+1)
	}
	return snap, t, nil
}

// readSegment reads the alerts of a segment file.
func readSegment(name string, seg uint32) ([]*alertInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head := make([]byte, len(segMagic))
	if _, err := io.ReadFull(br, head); err != nil || string(head) != segMagic {
		return nil, fmt.Errorf("%s: not a correlation segment", name)
	}
	s := &snapReader{r: br}
	n := s.count()
	alerts := make([]*alertInfo, 0, min(n, 1<<16))
	for i := range n {
		if s.err != nil {
			break
		}
		a := s.alert()
		a.seg, a.idx = seg, uint32(i)
		alerts = append(alerts, a)
	}
	if s.err != nil {
		return nil, fmt.Errorf("%s: %w", name, s.err)
	}
	return alerts, nil
}
