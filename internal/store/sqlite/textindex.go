package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/store"
)

// The free-text index of the alerts (alert_text, FTS5) lives in a database
// file of its own, written by a goroutine of its own (textIndex), after the
// alerts' transaction rather than in it: FTS5 tokenising, flushing a
// segment per transaction and merging segments was a third of the single
// writer's time, which now runs on the other core while the writer goes
// on (docs/STORE.md "Free-text index"). The main database's connections
// attach the text database read-only as schema "fts", so the queries name
// alert_text as before and SQLite finds it there.
//
// What makes it safe:
//
//   - Order. The writer queues each transaction's text changes right after
//     its commit, still holding the write lock, so the text index applies
//     them in commit order, one transaction of its own per batch.
//   - Read-your-writes. A search with free text first waits until the index
//     has applied everything queued when the search began (syncText), one
//     text batch at most under load; searches without free text, and reads
//     by ID, do not wait.
//   - Crashes. The text database remembers "through": every alert inserted
//     with a lower seq is indexed. Open indexes again, from the stored
//     documents, the alerts from through on, and those listed in the main
//     database's text_stale table: alerts whose content changed (a re-sent
//     ID), written there in the alerts' own transaction and removed once
//     their new text is indexed. A deletion lost in a crash leaves text
//     whose alert is gone: searches join the alerts, so it matches nothing.
//   - Other processes (vigie import beside vigie serve). The writer learns
//     of their alerts in catchUp and queues their range to be indexed from
//     the documents too, so its through stays true; both index the same
//     text, and re-indexing replaces rather than adds.

// textSchema is the text database's schema, version 1 (user_version).
var textSchema = []string{
	alertTextDDL,
	`CREATE TABLE text_state (
		k       INTEGER PRIMARY KEY CHECK (k = 1),
		through INTEGER NOT NULL
	)`,
	`INSERT INTO text_state(k, through) VALUES (1, 1)`, // seqs start at 1
	`PRAGMA user_version = 1`,
}

// textAttach is the schema name the main database's connections attach
// the text database as.
const textAttach = "fts"

// textPath is the text database next to the main one: "vigie.db" →
// "vigie-text.db".
func textPath(path string) string {
	return strings.TrimSuffix(path, ".db") + "-text.db"
}

type textOpKind uint8

const (
	textPut       textOpKind = iota // index body as seq: a new alert
	textReplace                     // drop seq's text, then index body: changed content
	textDelete                      // drop seq's text: a deleted alert
	textReindex                     // index again the stored alerts with seq in [seq, to)
	textReindexIn                   // index again the stored alerts listed in seqs
)

type textOp struct {
	kind    textOpKind
	seq, to int64
	body    string
	seqs    []int64
}

// queuedOp is an op and the ticket of the submission it came with.
type queuedOp struct {
	ticket int64
	op     textOp
}

// textReindexChunk is the number of documents re-indexed per transaction.
const textReindexChunk = 2000

// textMaxOps bounds the ops of one text transaction.
const textMaxOps = 20000

// textSyncWait bounds how long a free-text search waits for the index.
const textSyncWait = 30 * time.Second

// docReader reads stored alerts back for re-indexing: seq, document and
// priority rank of the alerts with seq in [from, to) (ascending, at most
// limit), or of those listed.
type docReader interface {
	docsRange(ctx context.Context, from, to int64, limit int) ([]storedDoc, error)
	docsIn(ctx context.Context, seqs []int64) ([]storedDoc, error)
}

type storedDoc struct {
	seq, priority int64
	doc           []byte
}

// textIndex writes alert_text in the text database. Its methods are safe
// for concurrent use; run applies the queue in a goroutine of its own.
type textIndex struct {
	db      *sql.DB // the text database, one connection
	log     *slog.Logger
	docs    docReader
	metrics *metrics
	raw     rawStmts // run's bulk statements

	// replaceBelow: a put of a lower seq first drops text the seq may still
	// have (a seq used again after its alert was deleted, when that
	// deletion was lost in a crash).
	replaceBelow int64
	syncWait     time.Duration // textSyncWait; tests shorten it

	mu        sync.Mutex
	queue     []queuedOp
	submitted int64         // the last ticket handed out
	applied   int64         // every ticket up to this one is applied
	progress  chan struct{} // closed and replaced when applied grows or the index stops
	wake      chan struct{} // run has something to do
	closing   bool
	stop      chan struct{} // closed by close
	stopped   bool          // run has returned: nothing more will be applied
	lastErr   error         // the last failure to apply, nil once applying works again
	done      chan struct{} // closed when run returns
	// held, set by tests only, holds run back before it applies anything:
	// the queue stays as a crash would find it.
	held bool
}

func newTextIndex(db *sql.DB, log *slog.Logger, docs docReader, m *metrics) *textIndex {
	return &textIndex{
		db: db, log: log, docs: docs, metrics: m,
		syncWait: textSyncWait,
		progress: make(chan struct{}),
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// inTx runs fn in a transaction of db.
func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// recover prepares the index for a main database whose next seq is
// nextSeq and whose text_stale table lists stale: it queues the alerts the
// index may lack, and returns the ticket that covers them.
func (t *textIndex) recover(ctx context.Context, nextSeq int64, stale []int64) (int64, error) {
	var through, top int64
	if err := t.db.QueryRowContext(ctx, `SELECT through FROM text_state`).Scan(&through); err != nil {
		return 0, fmt.Errorf("sqlite: text index: %w", err)
	}
	if err := t.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM alert_text_docsize`).Scan(&top); err != nil {
		return 0, fmt.Errorf("sqlite: text index: %w", err)
	}
	if top >= nextSeq {
		// Text of seqs that will be used again (their alerts were deleted).
		t.replaceBelow = top + 1
	}
	through = min(through, nextSeq)
	if _, err := t.db.ExecContext(ctx, `UPDATE text_state SET through = ?`, through); err != nil {
		return 0, fmt.Errorf("sqlite: text index: %w", err)
	}
	var ops []textOp
	if through < nextSeq {
		ops = append(ops, textOp{kind: textReindex, seq: through, to: nextSeq})
	}
	if len(stale) > 0 {
		ops = append(ops, textOp{kind: textReindexIn, seqs: stale})
	}
	if through+1 < nextSeq || len(stale) > 0 {
		t.log.Info("free-text index catching up", "from_seq", through, "to_seq", nextSeq, "changed", len(stale))
	}
	return t.submit(ops), nil
}

// submit queues ops and returns their ticket.
func (t *textIndex) submit(ops []textOp) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(ops) == 0 {
		return t.submitted
	}
	t.submitted++
	for _, op := range ops {
		t.queue = append(t.queue, queuedOp{t.submitted, op})
	}
	t.metrics.textQueue.Set(float64(len(t.queue)))
	select {
	case t.wake <- struct{}{}:
	default:
	}
	return t.submitted
}

// isApplied reports whether every op of ticket and before is applied.
func (t *textIndex) isApplied(ticket int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.applied >= ticket
}

// sync waits until everything submitted so far is applied, or ctx ends,
// or textSyncWait passes.
func (t *textIndex) sync(ctx context.Context) error {
	t.mu.Lock()
	target := t.submitted
	t.mu.Unlock()
	timer := time.NewTimer(t.syncWait)
	defer timer.Stop()
	for {
		t.mu.Lock()
		applied, progress, stopped, lastErr, left := t.applied, t.progress, t.stopped, t.lastErr, len(t.queue)
		t.mu.Unlock()
		switch {
		case applied >= target:
			return nil
		case stopped:
			return fmt.Errorf("sqlite: free-text index is closed: %w", store.ErrUnavailable)
		}
		select {
		case <-progress:
		case <-ctx.Done():
			return fmt.Errorf("sqlite: waiting for the free-text index: %w", ctx.Err())
		case <-timer.C:
			msg := fmt.Sprintf("sqlite: the free-text index is %d changes behind", left)
			if lastErr != nil {
				msg += fmt.Sprintf(" (it failed to write: %v)", lastErr)
			}
			return fmt.Errorf("%s: %w", msg, store.ErrUnavailable)
		}
	}
}

// close stops run once it has applied what is queued, re-indexing left
// aside (Open resumes it), and waits for it. Closing again waits only.
func (t *textIndex) close() {
	t.mu.Lock()
	closing := t.closing
	t.closing = true
	t.mu.Unlock()
	if !closing {
		close(t.stop)
	}
	<-t.done
}

// run applies the queue until close. A failure is logged and retried
// after a pause: the ops stay queued, and searches with free text wait.
func (t *textIndex) run(ctx context.Context) {
	defer func() {
		t.mu.Lock()
		t.stopped = true
		close(t.progress)
		t.progress = make(chan struct{})
		t.mu.Unlock()
		close(t.done)
	}()
	backoff := time.Duration(0)
	for {
		t.mu.Lock()
		ops := t.queue[:min(len(t.queue), textMaxOps)]
		ops = append([]queuedOp(nil), ops...)
		closing := t.closing
		if t.held {
			ops = nil
		}
		t.mu.Unlock()
		if len(ops) == 0 {
			if closing {
				return
			}
			select {
			case <-t.wake:
			case <-t.stop:
			}
			continue
		}
		if closing && (ops[0].op.kind == textReindex || ops[0].op.kind == textReindexIn) {
			return // Open resumes it
		}
		start := time.Now()
		n, rest, err := t.apply(ctx, ops)
		if err != nil {
			t.failed(err, &backoff)
			select {
			case <-time.After(backoff):
			case <-t.stop:
				return // what is left is recovered by Open, as after a crash
			}
			continue
		}
		t.metrics.observe("put_text", start)
		t.mu.Lock()
		clear(t.queue[:n]) // let their texts go
		t.queue = t.queue[n:]
		if rest != nil {
			t.queue[0].op = *rest
		}
		switch {
		case len(t.queue) > 0:
			t.applied = t.queue[0].ticket - 1
		case n > 0:
			t.applied = ops[n-1].ticket
		}
		if len(t.queue) == 0 {
			t.queue = nil
		}
		t.metrics.textQueue.Set(float64(len(t.queue)))
		close(t.progress)
		t.progress = make(chan struct{})
		if t.lastErr != nil {
			t.log.Info("free-text index writes again")
			t.lastErr, backoff = nil, 0
		}
		t.mu.Unlock()
	}
}

func (t *textIndex) failed(err error, backoff *time.Duration) {
	t.mu.Lock()
	first := t.lastErr == nil
	t.lastErr = err
	t.mu.Unlock()
	*backoff = min(max(2**backoff, 100*time.Millisecond), 30*time.Second)
	if first || *backoff == 30*time.Second {
		t.log.Error("free-text index write failed; retrying", "err", err, "retry_in", *backoff)
	}
}

// apply applies a prefix of ops in one transaction of the text database:
// it returns how many ops it completed and, when it re-indexed only part
// of the next one, what is left of that op.
func (t *textIndex) apply(ctx context.Context, ops []queuedOp) (n int, rest *textOp, err error) {
	c, err := t.db.Conn(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	tx, err := c.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	w := textWriter{t: t, c: c, tx: tx}
	for n < len(ops) && rest == nil {
		op := ops[n].op
		switch op.kind {
		case textPut:
			w.put(op.seq, op.body, op.seq < t.replaceBelow)
		case textReplace:
			w.put(op.seq, op.body, true)
		case textDelete:
			w.deletes = append(w.deletes, op.seq)
		case textReindex, textReindexIn:
			if n > 0 {
				return w.commit(ctx, n, nil) // a re-index chunk gets a transaction of its own
			}
			if rest, err = w.reindex(ctx, op); err != nil {
				return 0, nil, err
			}
		}
		if rest == nil {
			n++
		}
		if err := w.flushIfBig(ctx); err != nil {
			return 0, nil, err
		}
	}
	return w.commit(ctx, n, rest)
}

// textWriter gathers the statements of one text transaction.
type textWriter struct {
	t       *textIndex
	c       *sql.Conn
	tx      *sql.Tx
	deletes []int64 // seqs whose text to drop before the inserts
	inserts []any   // rowid, body pairs
	through int64   // the highest seq inserted + 1
}

func (w *textWriter) put(seq int64, body string, replace bool) {
	if replace {
		w.deletes = append(w.deletes, seq)
	}
	if body != "" {
		w.inserts = append(w.inserts, seq, body)
	}
	w.through = max(w.through, seq+1)
}

// flushIfBig writes what is gathered when it has grown large.
func (w *textWriter) flushIfBig(ctx context.Context) error {
	if len(w.inserts) < 2*4*bulkRows && len(w.deletes) < 4*bulkRows {
		return nil
	}
	return w.flush(ctx)
}

// flush drops the text of the gathered deletes, then inserts the gathered
// text: an op's deletion precedes its insertion, and a later op's
// deletion is never of a seq an earlier op of the same flush inserted
// (deletions are of existing or re-sent alerts, inserts of new ones, and
// a replaced seq flushes first, below).
func (w *textWriter) flush(ctx context.Context) error {
	for start := 0; start < len(w.deletes); start += maxInParams {
		chunk := w.deletes[start:min(start+maxInParams, len(w.deletes))]
		args := make([]any, len(chunk))
		for i, s := range chunk {
			args[i] = s
		}
		if _, err := w.tx.ExecContext(ctx, `DELETE FROM alert_text WHERE rowid IN (`+placeholders(len(args))+`)`, args...); err != nil {
			return fmt.Errorf("drop text: %w", err)
		}
	}
	w.deletes = w.deletes[:0]
	if err := w.t.raw.insert(ctx, w.c, insertTextHead, "", 2, w.inserts); err != nil {
		return err
	}
	w.inserts = w.inserts[:0]
	return nil
}

func (w *textWriter) commit(ctx context.Context, n int, rest *textOp) (int, *textOp, error) {
	if err := w.flush(ctx); err != nil {
		return 0, nil, err
	}
	if w.through > 0 {
		if _, err := w.tx.ExecContext(ctx, `UPDATE text_state SET through = max(through, ?)`, w.through); err != nil {
			return 0, nil, err
		}
	}
	if err := w.tx.Commit(); err != nil {
		return 0, nil, err
	}
	return n, rest, nil
}

// reindex indexes again up to textReindexChunk of the alerts op names,
// from their stored documents; it returns what is left of op, or nil.
func (w *textWriter) reindex(ctx context.Context, op textOp) (*textOp, error) {
	var docs []storedDoc
	var err error
	rest := op
	switch op.kind {
	case textReindex:
		if docs, err = w.t.docs.docsRange(ctx, op.seq, op.to, textReindexChunk); err != nil {
			return nil, err
		}
		rest.seq = op.to
		if len(docs) == textReindexChunk {
			rest.seq = docs[len(docs)-1].seq + 1
		}
		// Every seq of the range read is covered, stored or not.
		w.through = max(w.through, rest.seq)
	case textReindexIn:
		k := min(len(op.seqs), textReindexChunk)
		if docs, err = w.t.docs.docsIn(ctx, op.seqs[:k]); err != nil {
			return nil, err
		}
		rest.seqs = op.seqs[k:]
	}
	for _, d := range docs {
		a, err := idmefv2.DecodeShared(d.doc)
		if err != nil {
			return nil, fmt.Errorf("re-index alert seq %d: %w", d.seq, err)
		}
		w.deletes = append(w.deletes, d.seq)
		if body := indexedText(extractText(a), d.priority); body != "" {
			w.inserts = append(w.inserts, d.seq, body)
		}
	}
	if (op.kind == textReindex && rest.seq >= op.to) || (op.kind == textReindexIn && len(rest.seqs) == 0) {
		return nil, nil
	}
	return &rest, nil
}
