package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the
// WAL's new frames into the database.
const checkpointEvery = 100 * time.Millisecond

// walSafetyFactor multiplies walCheckpointBytes for the writer's own
// wal_autocheckpoint, the safety net should the checkpointer fall behind.
const walSafetyFactor = 4

// checkpointer copies the main database's WAL back into the database file
// from a connection of its own, so that the writer does not spend its
// time in the fsyncs of its checkpoints: most of the copying and syncing
// happens beside it, in PASSIVE checkpoints that never block it.
//
// A checkpoint running beside the writer can never catch up with it under
// sustained load, and SQLite starts the WAL over only once a checkpoint
// has copied all of it. So once the WAL holds limit frames, the
// checkpointer marks it full, and the writer, after its next commits,
// runs a PASSIVE checkpoint itself (afterCommit): nothing is written
// meanwhile, it copies the few frames the background left, and the next
// write transaction starts the WAL over.
type checkpointer struct {
	db       *sql.DB // one connection to the main database
	log      *slog.Logger
	metrics  *metrics
	pageSize int64
	// limit is the WAL size, in frames, at which the writer finishes the
	// checkpoint.
	limit int64
	// state is walGrowing, walFull or walRestarting.
	state atomic.Int32
	// finished is the WAL's size, in frames, when the writer's checkpoint
	// last copied all of it: until the writer's next transaction starts the
	// WAL over, it still reads that size.
	finished atomic.Int64

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	// lastLog and lastDone are the background's previous result; lastErr
	// its last error logged (run only).
	lastLog, lastDone int64
	lastErr           string
}

// The checkpointer's states: the background checkpoints while the WAL
// grows; once it is full, the writer checkpoints after its commits; once
// the writer has copied all of it, its next transaction starts the WAL
// over (restarting), and the background waits until that transaction has
// committed: a checkpoint running at its start, which needs the readers'
// locks for a moment, would make it append to the WAL instead.
const (
	walGrowing int32 = iota
	walFull
	walRestarting
)

// walResult is the answer of PRAGMA wal_checkpoint: whether the
// checkpoint was blocked, the frames in the WAL and those copied back.
type walResult struct {
	busy        bool
	log, copied int64
}

func walCheckpoint(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) (walResult, error) {
	var busy int
	var r walResult
	if err := q.QueryRowContext(ctx, `PRAGMA main.wal_checkpoint(PASSIVE)`).Scan(&busy, &r.log, &r.copied); err != nil {
		return r, fmt.Errorf("sqlite: wal checkpoint: %w", err)
	}
	r.busy = busy != 0
	return r, nil
}

// startCheckpointer opens the checkpointer's connection to the database
// at path and starts it.
func (s *Store) startCheckpointer(ctx context.Context, pageSize int) error {
	db, err := sql.Open("sqlite", s.dsn(s.opts.Path))
	if err != nil {
		return fmt.Errorf("sqlite: open %s for checkpoints: %w", s.opts.Path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("sqlite: open %s for checkpoints: %w", s.opts.Path, err)
	}
	c := &checkpointer{
		db: db, log: s.log, metrics: s.metrics, pageSize: int64(pageSize),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	limit, every := int64(walCheckpointBytes), checkpointEvery
	if s.opts.walLimit > 0 {
		limit = s.opts.walLimit
	}
	if s.opts.checkpointEvery > 0 {
		every = s.opts.checkpointEvery
	}
	c.limit = limit / int64(pageSize)
	s.ckpt = c
	go c.run(every)
	return nil
}

func (c *checkpointer) run(every time.Duration) {
	defer close(c.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if c.state.Load() == walGrowing {
			c.background()
		}
	}
}

// background runs one checkpoint beside the writer.
func (c *checkpointer) background() {
	r, err := walCheckpoint(context.Background(), c.db)
	if err != nil {
		if msg := err.Error(); msg != c.lastErr {
			c.log.Warn("store: background checkpoint failed; the writer's own checkpoints at a larger WAL remain", "err", err)
			c.lastErr = msg
		}
		return
	}
	c.lastErr = ""
	c.metrics.walBytes.Set(float64(r.log * c.pageSize))
	if r.copied > 0 && (r.log != c.lastLog || r.copied != c.lastDone) {
		c.metrics.checkpoints.WithLabelValues("background").Inc()
	}
	c.lastLog, c.lastDone = r.log, r.copied
	// A background checkpoint often copies all the frames there were when
	// it began; the WAL starts over only if the writer's next transaction
	// begins before another commit, which it seldom does under load. So
	// the size decides, not what was copied.
	if r.log >= c.limit && r.log != c.finished.Load() {
		c.state.CompareAndSwap(walGrowing, walFull)
	}
}

// afterCommit runs on the writer's connection, holding the write lock,
// after a commit: when the WAL is full, it checkpoints there, until a
// checkpoint has copied all of the WAL back.
func (c *checkpointer) afterCommit(ctx context.Context, conn *sql.Conn) {
	switch c.state.Load() {
	case walGrowing:
		return
	case walRestarting: // this commit started the WAL over, or the background will see it did not
		c.state.Store(walGrowing)
		return
	}
	r, err := walCheckpoint(ctx, conn)
	if err != nil {
		c.log.Warn("store: checkpoint after commit failed", "err", err)
		return
	}
	c.metrics.checkpoints.WithLabelValues("writer").Inc()
	c.metrics.walBytes.Set(float64(r.log * c.pageSize))
	if !r.busy && r.copied == r.log {
		c.finished.Store(r.log)
		c.state.Store(walRestarting)
	}
}

// close stops the checkpointer and closes its connection; it may be
// called more than once.
func (c *checkpointer) close() error {
	var err error
	c.stopOnce.Do(func() {
		close(c.stop)
		<-c.done
		err = c.db.Close()
	})
	return err
}
