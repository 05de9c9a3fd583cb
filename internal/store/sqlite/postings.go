package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Postings (migration 00011). The value index lists, for each value of an
// indexed path, the alerts that carry it. It used to hold one B-tree row
// per (field, value, alert): about seven per alert, each a B-tree insert
// at one of a few hundred places in the tree, which made it the largest
// part of the writer's work. A batch of alerts repeats its values (2,000
// alertgen alerts carry 14,175 values but only 187 distinct (path, value)
// pairs), so alert_postings holds one row per (field, value, hour of
// CreateTime) per write transaction instead: a posting, whose seqs column
// lists its alerts as a JSONB array of ascending seqs that SQL unnests
// with json_each. Its key is (field, v, tmax, lo): tmax is an upper bound
// of its alerts' CreateTimes, lo its lowest seq; tmin a lower bound.
//
// When alerts leave a posting (retention, re-sent IDs) it is rewritten
// with exact bounds and lo again; (field, v, lo) is unique, as a seq is in
// one posting per value. Every alert of a posting has its CreateTime in the hour of tmax
// (postingHour), so a posting spans less than an hour: walks in time
// order (valueWalk) and deletes find postings from a time.

// postingHour is the hour bucket of a CreateTime in Unix ns (floor, as
// migration 00011's t / 3600e9 - (t % 3600e9 < 0)).
func postingHour(t int64) int64 {
	h := t / hourNS
	if t%hourNS < 0 {
		h--
	}
	return h
}

type postingKey struct {
	field int64
	v     string // valueKey
	hour  int64
}

// buildKey is postingKey for buildPostings, which makes one per value
// written: the value without valueKey's allocation (text as it is, an
// integer apart; an address key's bytes as text, told apart by kind).
type buildKey struct {
	field, hour int64
	s           string
	i           int64
	kind        byte // 's', 'i' or 'b'
}

func newBuildKey(field, hour int64, v any) buildKey {
	k := buildKey{field: field, hour: hour}
	switch x := v.(type) {
	case string:
		k.s, k.kind = x, 's'
	case int64:
		k.i, k.kind = x, 'i'
	case []byte:
		k.s, k.kind = string(x), 'b'
	default:
		k.s, k.kind = valueKey(v), '?'
	}
	return k
}

// posting is one posting being built for a write transaction.
type posting struct {
	field      int64
	v          any
	tmin, tmax int64
	seqs       []int64
}

// buildPostings groups the values of rows into postings, in the order of
// their first value; each posting's seqs ascend.
func buildPostings(rows []*alertRow) []*posting {
	idx := map[buildKey]*posting{}
	var out []*posting
	for _, r := range rows {
		h := postingHour(r.createNS)
		for _, v := range r.values {
			k := newBuildKey(v.field, h, v.v)
			p, ok := idx[k]
			if !ok {
				p = &posting{field: v.field, v: v.v, tmin: r.createNS, tmax: r.createNS}
				idx[k] = p
				out = append(out, p)
			}
			p.tmin, p.tmax = min(p.tmin, r.createNS), max(p.tmax, r.createNS)
			p.seqs = append(p.seqs, r.seq)
		}
	}
	for _, p := range out {
		if !slices.IsSorted(p.seqs) { // updates keep their old seqs
			slices.Sort(p.seqs)
		}
	}
	return out
}

// insertPostings writes the postings of rows.
func (s *Store) insertPostings(ctx context.Context, tx *sql.Tx, rows []*alertRow) error {
	ps := buildPostings(rows)
	args := make([]any, 0, 7*len(ps))
	for _, p := range ps {
		args = append(args, p.field, p.v, p.tmax, p.seqs[0], p.tmin, int64(len(p.seqs)), encodeSeqs(p.seqs))
	}
	return s.insertRows(ctx, tx, insertPostingsHead, "", 7, args)
}

// encodeSeqs writes seqs as a JSONB array of integers.
func encodeSeqs(seqs []int64) []byte {
	var num [20]byte
	size := 0
	for _, q := range seqs {
		n := len(strconv.AppendInt(num[:0], q, 10))
		size += jsonbHeaderSize(n) + n
	}
	b := make([]byte, 0, jsonbHeaderSize(size)+size)
	b = appendJSONBHeader(b, jsonbArray, size)
	for _, q := range seqs {
		d := strconv.AppendInt(num[:0], q, 10)
		b = append(appendJSONBHeader(b, jsonbInt, len(d)), d...)
	}
	return b
}

var errBadPosting = errors.New("not a JSONB array of integers")

// jsonbElement reads the header at b[0]: the element's type and the
// offsets of its payload.
func jsonbElement(b []byte) (typ byte, start, end int, err error) {
	if len(b) == 0 {
		return 0, 0, 0, errBadPosting
	}
	typ, code := b[0]&0x0f, int(b[0]>>4)
	size, hdr := 0, 1
	switch {
	case code <= 11:
		size = code
	case code <= 15:
		nb := 1 << (code - 12) // 1, 2, 4 or 8 bytes of size
		if len(b) < 1+nb {
			return 0, 0, 0, errBadPosting
		}
		for _, c := range b[1 : 1+nb] {
			size = size<<8 | int(c)
		}
		hdr += nb
	}
	if size < 0 || hdr+size > len(b) {
		return 0, 0, 0, errBadPosting
	}
	return typ, hdr, hdr + size, nil
}

// decodeSeqs appends the integers of a JSONB array (encodeSeqs's, or
// SQLite's jsonb_group_array) to out.
func decodeSeqs(b []byte, out []int64) ([]int64, error) {
	typ, start, end, err := jsonbElement(b)
	if err != nil || typ != jsonbArray {
		return out, errBadPosting
	}
	for p := b[start:end]; len(p) > 0; {
		typ, s, e, err := jsonbElement(p)
		if err != nil || typ != jsonbInt {
			return out, errBadPosting
		}
		q, err := strconv.ParseInt(string(p[s:e]), 10, 64)
		if err != nil {
			return out, errBadPosting
		}
		out = append(out, q)
		p = p[e:]
	}
	return out, nil
}

// appendJSONInts appends seqs to b as a JSON text array.
func appendJSONInts(b []byte, seqs []int64) []byte {
	b = append(b, '[')
	for i, q := range seqs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, q, 10)
	}
	return append(b, ']')
}

// deletePostingEntries removes the alerts seqs from the postings of their
// values, read from their value sets and CreateTimes: run it before those
// change. Each posting is rewritten once.
func deletePostingEntries(ctx context.Context, tx *sql.Tx, seqs []any) error {
	if len(seqs) == 0 {
		return nil
	}
	type group struct {
		field int64
		v     any
		hour  int64
		seqs  map[int64]bool
	}
	groups := map[postingKey]*group{}
	var order []postingKey
	for start := 0; start < len(seqs); start += maxInParams {
		chunk := seqs[start:min(start+maxInParams, len(seqs))]
		rs, err := tx.QueryContext(ctx, `SELECT CAST(substr(f.key, 2) AS INTEGER), `+anyValueExpr("e")+`, a.create_ns, a.seq
			FROM alerts a JOIN alert_value_sets s ON s.seq = a.seq JOIN json_each(s.vals) f JOIN json_each(f.value) e
			WHERE a.seq IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return fmt.Errorf("read value sets: %w", err)
		}
		for rs.Next() {
			var field, t, seq int64
			var v any
			if err := rs.Scan(&field, &v, &t, &seq); err != nil {
				rs.Close()
				return fmt.Errorf("read value sets: %w", err)
			}
			k := postingKey{field, valueKey(v), postingHour(t)}
			g, ok := groups[k]
			if !ok {
				g = &group{field: field, v: v, hour: k.hour, seqs: map[int64]bool{}}
				groups[k] = g
				order = append(order, k)
			}
			g.seqs[seq] = true
		}
		if err := rs.Close(); err != nil {
			return fmt.Errorf("read value sets: %w", err)
		}
	}
	type change struct {
		tmax, lo int64
		seqs     []int64
	}
	for _, k := range order {
		g := groups[k]
		lo := g.hour * hourNS
		rs, err := tx.QueryContext(ctx, postingsInHourSQL, g.field, g.v, lo, lo+hourNS-1)
		if err != nil {
			return fmt.Errorf("read postings: %w", err)
		}
		var changes []change
		left := len(g.seqs)
		for left > 0 && rs.Next() {
			var c change
			var blob []byte
			if err := rs.Scan(&c.tmax, &c.lo, &blob); err != nil {
				rs.Close()
				return fmt.Errorf("read postings: %w", err)
			}
			all, err := decodeSeqs(blob, nil)
			if err != nil {
				rs.Close()
				return fmt.Errorf("posting (%d, %v, %d, %d): %w", g.field, g.v, c.tmax, c.lo, err)
			}
			before := len(all)
			c.seqs = slices.DeleteFunc(all, func(q int64) bool { return g.seqs[q] })
			if removed := before - len(c.seqs); removed > 0 {
				left -= removed
				changes = append(changes, c)
			}
		}
		if err := rs.Close(); err != nil {
			return fmt.Errorf("read postings: %w", err)
		}
		for _, c := range changes {
			if err := rewritePosting(ctx, tx, g.field, g.v, c.tmax, c.lo, c.seqs); err != nil {
				return err
			}
		}
	}
	return nil
}

// postingsInHourSQL lists the postings of (field ?, value ?) whose
// alerts are in the hour [?, ?].
const postingsInHourSQL = `SELECT tmax, lo, seqs FROM alert_postings WHERE field = ? AND v = ? AND tmax >= ? AND tmax <= ?`

// rewritePosting replaces the seqs of posting (field, v, tmax, lo) with
// seqs, a subset: it deletes the posting when none is left, and otherwise
// sets its bounds and lo from what is left, so that they stay exact.
func rewritePosting(ctx context.Context, tx *sql.Tx, field int64, v any, tmax, lo int64, seqs []int64) error {
	if len(seqs) == 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM alert_postings WHERE field = ? AND v = ? AND tmax = ? AND lo = ?`, field, v, tmax, lo); err != nil {
			return fmt.Errorf("delete posting: %w", err)
		}
		return nil
	}
	blob := encodeSeqs(seqs)
	var tmin, newMax int64
	if err := tx.QueryRowContext(ctx, `SELECT min(a.create_ns), max(a.create_ns) FROM json_each(?) j CROSS JOIN alerts a ON a.seq = j.value`,
		blob).Scan(&tmin, &newMax); err != nil {
		return fmt.Errorf("rewrite posting: times of its alerts: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE alert_postings SET tmax = ?, lo = ?, tmin = ?, n = ?, seqs = ?
		WHERE field = ? AND v = ? AND tmax = ? AND lo = ?`, newMax, seqs[0], tmin, len(seqs), blob, field, v, tmax, lo); err != nil {
		return fmt.Errorf("rewrite posting: %w", err)
	}
	return nil
}
