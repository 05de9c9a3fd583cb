package correlate

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	"github.com/vigie-siem/vigie/idmefv2"
)

// snapshotVersion is the version of the JSON snapshots written before
// the binary format (see snapbin.go); Restore still reads them.
const snapshotVersion = 1

type snapshot struct {
	Version  int                         `json:"version"`
	Newest   int64                       `json:"newest"`
	Mark     uint64                      `json:"mark,omitempty"`
	Rules    map[string]snapRule         `json:"rules"`
	Suppress map[string]map[string]int64 `json:"suppress,omitempty"`
	Disabled map[string]bool             `json:"disabled,omitempty"`
	Firings  map[string]uint64           `json:"firings,omitempty"`
	// Pending holds emitted alerts not yet published (the stage's
	// outbox), so that a stop while the bus refused them loses nothing.
	Pending []json.RawMessage `json:"pending,omitempty"`

	order []string // rule keys in Rules, in writing order
}

type snapRule struct {
	Digest string      `json:"digest"`
	Groups []snapGroup `json:"groups"`
}

type snapGroup struct {
	Key    string   `json:"key"`
	Vals   []string `json:"vals,omitempty"`
	Start  int64    `json:"start"`
	Newest int64    `json:"newest"`
	Events []event  `json:"events"`
}

// Snapshot writes the engine's state (open windows, suppressions, rule
// overrides and firing counts) in the binary format of snapbin.go, self-
// contained (SaveSnapshot writes the alerts apart, see snapseg.go).
func (e *Engine) Snapshot(w io.Writer) error {
	e.mu.Lock()
	snap := e.capture()
	// Encode under the lock: the maps are the engine's own.
	err := writeBinary(w, snap)
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("correlate: snapshot: %w", err)
	}
	return nil
}

// capture gathers the state to save; e.mu is held.
func (e *Engine) capture() *snapshot {
	snap := &snapshot{
		Version: snapshotVersion, Newest: e.newest, Mark: e.mark, Rules: make(map[string]snapRule),
		Suppress: e.suppress, Disabled: e.disabled, Firings: e.firings,
	}
	for _, a := range e.pending {
		if data, err := idmefv2.Encode(a); err == nil {
			snap.Pending = append(snap.Pending, data)
		}
	}
	for k, st := range e.cors {
		sr := snapRule{Digest: e.digests[k]}
		for _, g := range st.byAge() {
			g.settle(&e.events) // snapshots hold events in order
			sr.Groups = append(sr.Groups, snapGroup{Key: g.key, Vals: g.vals, Start: g.start, Newest: g.newest, Events: g.events})
		}
		snap.Rules[k] = sr
		snap.order = append(snap.order, k)
	}
	return snap
}

// Restore loads a snapshot written by Snapshot. Windows of rules that are
// no longer loaded, or whose definition changed, are dropped.
func (e *Engine) Restore(r io.Reader) error { return e.restore(r, "") }

// restore is Restore for a snapshot saved at path by SaveSnapshot, whose
// alerts are in segment files beside it ("" when there is no such file:
// only self-contained snapshots are read).
func (e *Engine) restore(r io.Reader, path string) error {
	var snap snapshot
	var segs *segTable
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(len(snapMagic))
	switch string(head) {
	case snapMagic:
		_, _ = br.Discard(len(snapMagic))
		bs, err := readBinary(br)
		if err != nil {
			return fmt.Errorf("correlate: restore: %w", err)
		}
		snap = *bs
	case snapSegMagic:
		if path == "" {
			return errors.New("correlate: restore: a segmented snapshot needs its segment files (LoadSnapshot)")
		}
		_, _ = br.Discard(len(snapSegMagic))
		bs, t, err := readSegmented(br, path)
		if err != nil {
			return fmt.Errorf("correlate: restore: %w", err)
		}
		snap, segs = *bs, t
	default:
		// Version 1: JSON.
		if err := json.NewDecoder(br).Decode(&snap); err != nil {
			return fmt.Errorf("correlate: restore: %w", err)
		}
		if snap.Version != snapshotVersion {
			return fmt.Errorf("correlate: restore: snapshot version %d, want %d", snap.Version, snapshotVersion)
		}
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if segs != nil {
		// The segments stay in use: their alerts are not written again.
		e.segs = segs
	}
	if snap.Newest > e.newest {
		e.newest = snap.Newest
	}
	e.mark = snap.Mark
	byKey := make(map[string]*corRule)
	for _, c := range e.allCors() {
		byKey[c.rule.Key()] = c
	}
	for k, sr := range snap.Rules {
		c := byKey[k]
		if c == nil || (c != e.dedup && sr.Digest != e.digests[k]) {
			continue
		}
		if st := e.cors[k]; st != nil {
			e.m.groups.Sub(float64(len(st.groups)))
		}
		st := newCorState()
		e.cors[k] = st
		e.stOf = nil
		for _, sg := range sr.Groups {
			if len(st.groups) >= e.opts.MaxGroups {
				break
			}
			sg.Events = slices.DeleteFunc(sg.Events, func(ev event) bool {
				return ev.Ref < 0 || int(ev.Ref) >= len(c.refKeys) || ev.Alert == nil // damaged
			})
			sort.SliceStable(sg.Events, func(i, j int) bool { return sg.Events[i].T < sg.Events[j].T })
			g := &group{key: sg.Key, vals: sg.Vals, start: sg.Start, newest: sg.Newest, events: sg.Events}
			g.rebuild(c)
			st.groups[g.key] = g
			st.added(g)
			e.m.groups.Inc()
			if c.atEnd {
				e.scheduleClose(c, g)
			}
		}
	}
	for k, m := range snap.Suppress {
		if _, ok := byKey[k]; ok || e.rs.hasKey(k) {
			e.suppress[k] = m
		}
	}
	for k, d := range snap.Disabled {
		e.disabled[k] = d
	}
	for k, n := range snap.Firings {
		e.firings[k] = n
	}
	e.pending = nil
	for _, raw := range snap.Pending {
		a, err := idmefv2.Decode(raw)
		if err != nil {
			return fmt.Errorf("correlate: restore: pending alert: %w", err)
		}
		e.pending = append(e.pending, a)
	}
	return nil
}

// SetPending records the emitted alerts the caller could not publish yet;
// they are saved in snapshots.
func (e *Engine) SetPending(as []*idmefv2.Alert) {
	e.mu.Lock()
	e.pending = as
	e.mu.Unlock()
}

// TakePending returns the pending alerts restored from a snapshot (or set
// with SetPending) and forgets them.
func (e *Engine) TakePending() []*idmefv2.Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending
	e.pending = nil
	return p
}

func (rs *Ruleset) hasKey(k string) bool {
	_, ok := rs.Rule(k)
	return ok
}

// LoadSnapshot restores the state saved at path; a missing file is not an
// error (first start).
func (e *Engine) LoadSnapshot(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("correlate: load snapshot: %w", err)
	}
	defer f.Close()
	return e.restore(f, path)
}
