package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
	"math/bits"
	"time"
)

// idMatch is the condition that finds alert ID ? among alerts a through
// the ID index, keyed (seq >> 15, id) (migration 00007): one index seek per
// bucket of 32,768 seqs listed in alert_id_buckets. The "+ 0" makes the
// list a subquery result rather than the table itself: given the table,
// SQLite's planner (without ANALYZE statistics, as in a new store) tested
// each alert's bucket against it, a scan of every alert, instead of seeking
// each bucket (TestIDLookupsSeek).
const idMatch = `a.seq >> 15 IN (SELECT k + 0 FROM alert_id_buckets) AND a.id`

// The statements that find alerts by ID (TestIDLookupsSeek checks their
// plans).
const (
	alertByIDSQL     = `SELECT ` + alertColumns + ` FROM alerts a JOIN alert_docs d ON d.seq = a.seq WHERE ` + idMatch + ` = ?`
	seqByIDSQL       = `SELECT a.seq FROM alerts a WHERE ` + idMatch + ` = ?`
	supersedeByIDSQL = `UPDATE alerts SET superseded_by = ?, changed_ns = ? WHERE seq = (` + seqByIDSQL + `)`
)

// lookupIDsSQL reads what PutAlerts needs of n stored IDs.
func lookupIDsSQL(n int) string {
	return `SELECT a.id, a.seq, a.hash, a.create_ns, a.received_ns FROM alerts a WHERE ` + idMatch + ` IN (` + placeholders(n) + `)`
}

// lifecycleRowsSQL reads what UpdateAlerts needs of n IDs.
func lifecycleRowsSQL(n int) string {
	return `SELECT a.seq, a.id, a.state, coalesce(a.assignee, '') FROM alerts a WHERE ` + idMatch + ` IN (` + placeholders(n) + `)`
}

// idBucketShift is the 15 of idMatch and migration 00007.
const idBucketShift = 15

// addIDBuckets lists the buckets of seqs [from, to) in alert_id_buckets.
func addIDBuckets(ctx context.Context, tx *sql.Tx, from, to int64) error {
	if from >= to {
		return nil
	}
	for k := from >> idBucketShift; k <= (to-1)>>idBucketShift; k++ {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alert_id_buckets(k) VALUES (?)`, k); err != nil {
			return fmt.Errorf("ID bucket %d: %w", k, err)
		}
	}
	return nil
}

// idFilter is a Bloom filter of the stored alert IDs: mayContain is never
// false for an ID that was added, and true for an ID that was not with a
// probability of about 1 % (per layer). The store keeps IDs unique with it
// (the ID index is not unique): the IDs of a batch that the filter rules
// out are new and inserted without a lookup; only the others are looked up.
//
// Deleted alerts stay in the filter (they only cost a lookup when their ID
// comes again); Open builds it afresh (loadIDs). It grows by layers, each twice the
// capacity of the previous one, so adding never stops to rebuild.
//
// Not safe for concurrent use: the store uses it under its write mutex.
type idFilter struct {
	seed   maphash.Seed
	layers []bloomLayer
}

type bloomLayer struct {
	words []uint64
	mask  uint64 // bit count − 1 (a power of two)
	n     int    // IDs added
	cap   int    // IDs the layer is sized for
}

const (
	bloomBitsPerID = 10 // at least: a layer's bit count is rounded up to a power of two
	bloomProbes    = 7  // the count that minimises false positives at 10 bits per ID
	bloomMinCap    = 1 << 16
)

// newIDFilter returns a filter sized for capacity IDs; filters whose layers
// are combined share a seed.
func newIDFilter(capacity int, seed maphash.Seed) *idFilter {
	f := &idFilter{seed: seed}
	f.grow(max(capacity, bloomMinCap))
	return f
}

func (f *idFilter) grow(capacity int) {
	nbits := uint64(1) << bits.Len64(uint64(capacity*bloomBitsPerID-1))
	f.layers = append(f.layers, bloomLayer{words: make([]uint64, nbits/64), mask: nbits - 1, cap: capacity})
}

// probes returns the two hashes whose combinations h1 + i·h2 are the bit
// positions of an ID hashed to h (Kirsch–Mitzenmacher double hashing).
func probes(h uint64) (h1, h2 uint64) {
	return h, bits.RotateLeft64(h, 32) | 1
}

// add adds an ID given as bytes (maphash.Bytes and maphash.String agree).
func (f *idFilter) add(id []byte) { f.addHash(maphash.Bytes(f.seed, id)) }

func (f *idFilter) addString(id string) { f.addHash(maphash.String(f.seed, id)) }

func (f *idFilter) addHash(h uint64) {
	l := &f.layers[len(f.layers)-1]
	if l.n >= l.cap {
		f.grow(2 * l.cap)
		l = &f.layers[len(f.layers)-1]
	}
	h1, h2 := probes(h)
	for i := range uint64(bloomProbes) {
		b := (h1 + i*h2) & l.mask
		l.words[b/64] |= 1 << (b % 64)
	}
	l.n++
}

func (f *idFilter) mayContain(id string) bool {
	h1, h2 := probes(maphash.String(f.seed, id))
layers:
	for i := range f.layers {
		l := &f.layers[i]
		if l.n == 0 {
			continue
		}
		for j := range uint64(bloomProbes) {
			b := (h1 + j*h2) & l.mask
			if l.words[b/64]&(1<<(b%64)) == 0 {
				continue layers
			}
		}
		return true
	}
	return false
}

// bytes is the memory the filter holds.
func (f *idFilter) bytes() int {
	n := 0
	for _, l := range f.layers {
		n += 8 * len(l.words)
	}
	return n
}

// loadIDs builds, on a reader connection, the filter of the stored IDs,
// and then adds to it the layers of s.ids, which hold the IDs written
// since Open (an ID in both is harmless); until then lookupIDs looks every ID up. Open
// starts it in the background so that opening a large store does not wait
// for a scan of its IDs (about 1 µs each).
func (s *Store) loadIDs(ctx context.Context) {
	start := time.Now()
	f, n, err := s.scanIDs(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("alert ID filter not loaded: every written ID is looked up", "err", err)
		}
		return
	}
	s.wmu.Lock()
	f.layers = append(f.layers, s.ids.layers...)
	s.ids, s.idsLoaded = f, true
	s.wmu.Unlock()
	s.log.Info("alert ID filter loaded", "ids", n, "bytes", f.bytes(), "duration", time.Since(start))
}

func (s *Store) scanIDs(ctx context.Context) (*idFilter, int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM alerts`).Scan(&n); err != nil {
		return nil, 0, fmt.Errorf("count alerts: %w", err)
	}
	f := newIDFilter(2*n, s.ids.seed)
	rs, err := s.r.QueryContext(ctx, `SELECT id FROM alerts`)
	if err != nil {
		return nil, 0, fmt.Errorf("read alert IDs: %w", err)
	}
	defer rs.Close()
	var id sql.RawBytes
	for rs.Next() {
		if err := rs.Scan(&id); err != nil {
			return nil, 0, fmt.Errorf("read alert IDs: %w", err)
		}
		f.add(id)
	}
	if err := rs.Err(); err != nil {
		return nil, 0, fmt.Errorf("read alert IDs: %w", err)
	}
	return f, n, nil
}
