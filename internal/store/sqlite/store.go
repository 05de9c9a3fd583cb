package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/prometheus/client_golang/prometheus"
	msqlite "modernc.org/sqlite" // also registers the "sqlite" driver

	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/query"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Compile-time checks that Store implements every store interface.
var (
	_ store.Store          = (*Store)(nil)
	_ store.Alerts         = (*Store)(nil)
	_ store.LifecycleStore = (*Store)(nil)
	_ store.DeadLetters    = (*Store)(nil)
	_ store.Sensors        = (*Store)(nil)
	_ store.Accounts       = (*Store)(nil)
	_ store.Events         = (*Store)(nil)
)

// Options configures Open. Zero values mean defaults.
type Options struct {
	Path       string                // database file (required); created when missing
	Logger     *slog.Logger          // nil: discard
	Registerer prometheus.Registerer // nil: metrics are not registered
	// TextPath is the free-text index's database file; "" means next to
	// Path ("vigie.db" → "vigie-text.db").
	TextPath string
	// Readers is the size of the read connection pool; 0 means
	// max(2, GOMAXPROCS).
	Readers int
	// BusyTimeout is how long a connection waits for a lock; 0 means 5 s.
	BusyTimeout time.Duration
	// CacheBytes is the page cache of each connection; 0 means 64 MiB.
	CacheBytes int64
	// MaxDeadLetterBytes bounds the raw input kept per dead letter; 0
	// means 64 KiB.
	MaxDeadLetterBytes int
	// PageSize is the page size of a database Open creates, a power of
	// two from 512 to 65536; 0 means 16 KiB. An existing database keeps
	// the page size it was created with.
	PageSize int
	// Now is the clock for stored/changed times; nil means time.Now.
	Now func() time.Time

	// checkpointEvery and walLimit, set by tests only, replace
	// checkpointEvery and walCheckpointBytes for the checkpointer.
	checkpointEvery time.Duration
	walLimit        int64
}

// DefaultPageSize is the page size of new databases. Against SQLite's
// 4 KiB, 16 KiB pages cut the writer's CPU per alert by ≈ 10 % on a grown
// store (fewer WAL frames, so fewer system calls per commit, and fewer
// B-tree pages to balance); 64 KiB costs more than it saves
// (docs/PERFORMANCE.md "Session 8").
const DefaultPageSize = 16 << 10

// walCheckpointBytes is the size of the WAL at which the writer
// checkpoints (wal_autocheckpoint, in pages of the database).
const walCheckpointBytes = 64 << 20

// Store is the SQLite engine. It is safe for concurrent use.
type Store struct {
	opts    Options
	log     *slog.Logger
	w       *sql.DB // one connection: SQLite has one writer at a time
	r       *sql.DB // readers, query_only
	textDB  *sql.DB // the free-text index's database, one connection
	text    *textIndex
	ckpt    *checkpointer
	metrics *metrics

	wmu     sync.Mutex // serialises write transactions and guards the fields below
	nextSeq int64
	// dataVersion is PRAGMA data_version after the last write transaction
	// (catchUp).
	dataVersion int64
	pending     int64 // rows in pending_supersessions; 0 skips the lookup
	// ids holds the stored alert IDs once idsLoaded; before, the IDs
	// written since Open (loadIDs).
	ids       *idFilter
	idsLoaded bool
	stopLoad  context.CancelFunc
	loading   sync.WaitGroup
	// wc is the writer connection while writeTx runs; raw its bulk
	// statements (insertRows).
	wc  *sql.Conn
	raw rawStmts
	// textOps are the text index's changes of the write transaction
	// running, submitted once it commits; textStale the seqs among them
	// listed in text_stale.
	textOps   []textOp
	textStale []int64
	// staleTickets maps the seqs listed in text_stale to the ticket of
	// their re-indexing: once applied, the writer removes them from the
	// table (cleanStale).
	staleTickets map[int64]int64

	// forcePlan, set by tests only, replaces planSearch so that every
	// plan can be compared with planPlain.
	forcePlan func(ctx context.Context, tx *sql.Tx, e query.Expr, req store.SearchRequest, w *where) (searchPlan, error)
	// noRollup, set by tests only, makes group-by ignore alert_rollup.
	noRollup bool
	// afterRepairRead, set by tests only, runs between the read and the
	// write of a rollup hour's repair.
	afterRepairRead func(hour int64)
}

// Open opens or creates the database at opts.Path and migrates it to the
// current schema.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("sqlite: open: Options.Path is empty")
	}
	if strings.ContainsAny(opts.Path, "?#") {
		return nil, fmt.Errorf("sqlite: open: path %q: ? and # are not allowed", opts.Path)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Readers <= 0 {
		opts.Readers = max(2, runtime.GOMAXPROCS(0))
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = 64 << 20
	}
	if opts.MaxDeadLetterBytes <= 0 {
		opts.MaxDeadLetterBytes = 64 << 10
	}
	if opts.PageSize == 0 {
		opts.PageSize = DefaultPageSize
	}
	if ps := opts.PageSize; ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("sqlite: open: page size %d: want a power of two from 512 to 65536", ps)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TextPath == "" {
		opts.TextPath = textPath(opts.Path)
	}
	if strings.ContainsAny(opts.TextPath, "?#") || opts.TextPath == opts.Path {
		return nil, fmt.Errorf("sqlite: open: text path %q: ? and # are not allowed, nor the store's own path", opts.TextPath)
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Store{opts: opts, log: opts.Logger, metrics: m}
	if err := s.open(ctx); err != nil {
		s.closeDBs()
		return nil, err
	}
	return s, nil
}

// dsn is the DSN of the database at path with the store's settings and
// extra parameters.
func (s *Store) dsn(path string, extra ...string) string {
	p := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", s.opts.BusyTimeout.Milliseconds()),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(NORMAL)",
		"_pragma=temp_store(MEMORY)",
		fmt.Sprintf("_pragma=cache_size(%d)", -s.opts.CacheBytes/1024),
	}
	return path + "?" + strings.Join(append(p, extra...), "&")
}

func (s *Store) open(ctx context.Context) error {
	pageSize, err := s.create(ctx, s.opts.Path)
	if err != nil {
		return err
	}
	if s.textDB, err = s.openTextDB(ctx, s.opts.TextPath); err != nil {
		return err
	}
	// The checkpointer copies the WAL back beside the writer and hands the
	// end of the copy to the writer once the WAL holds walCheckpointBytes
	// (checkpoint.go). The writer's own wal_autocheckpoint, at a multiple
	// of that, is the safety net: a checkpoint that races the writer
	// under sustained load never completes, and the WAL would then grow
	// without bound. 64 MiB rather than 16 MiB: pages written again
	// between two checkpoints (index tails) are copied to the database
	// once (docs/STORE.md).
	autocheckpoint := fmt.Sprintf("_pragma=wal_autocheckpoint(%d)", walSafetyFactor*walCheckpointBytes/pageSize)
	s.w = sql.OpenDB(s.attaching(s.dsn(s.opts.Path, autocheckpoint, "_txlock=immediate")))
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", s.opts.Path, err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.r = sql.OpenDB(s.attaching(s.dsn(s.opts.Path, "_pragma=query_only(1)")))
	s.r.SetMaxOpenConns(s.opts.Readers)
	s.r.SetMaxIdleConns(s.opts.Readers)
	if err := s.w.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM alerts`).Scan(&s.nextSeq); err != nil {
		return fmt.Errorf("sqlite: open: read last seq: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM pending_supersessions`).Scan(&s.pending); err != nil {
		return fmt.Errorf("sqlite: open: count pending supersessions: %w", err)
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&s.dataVersion); err != nil {
		return fmt.Errorf("sqlite: open: data version: %w", err)
	}
	if err := s.startText(ctx); err != nil {
		return err
	}
	if err := s.startCheckpointer(ctx, pageSize); err != nil {
		return err
	}
	s.ids = newIDFilter(0, maphash.MakeSeed())
	if s.idsLoaded = s.nextSeq == 1; !s.idsLoaded {
		ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		s.stopLoad = cancel
		s.loading.Go(func() { s.loadIDs(ctx) })
	}
	return nil
}

// create sets up a database that has no page yet (a new file): its page
// size and auto_vacuum mode, which SQLite fixes with the first write, then
// WAL. It runs on a connection of its own, before any other: the DSN's
// journal_mode(WAL) is such a first write, after which a page_size pragma
// no longer applies. An existing database is left as it is. It returns
// the database's page size.
func (s *Store) create(ctx context.Context, path string) (pageSize int, err error) {
	db, err := sql.Open("sqlite", path+fmt.Sprintf("?_pragma=busy_timeout(%d)", s.opts.BusyTimeout.Milliseconds()))
	if err != nil {
		return 0, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var pages int64
	if err := db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		return 0, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if pages > 0 {
		if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
			return 0, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		return pageSize, nil
	}
	for _, q := range []string{
		fmt.Sprintf("PRAGMA page_size = %d", s.opts.PageSize),
		// Retention gives pages back to the file system (incremental_vacuum).
		"PRAGMA auto_vacuum = INCREMENTAL",
		"PRAGMA journal_mode = WAL",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return 0, fmt.Errorf("sqlite: create %s: %s: %w", path, q, err)
		}
	}
	return s.opts.PageSize, nil
}

func (s *Store) migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, dir,
		goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations()...), goose.WithSlog(s.log))
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", s.opts.Path, err)
	}
	for _, r := range res {
		s.log.Info("store migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// Close closes the database. Write methods running concurrently may fail.
func (s *Store) Close() error {
	if s.stopLoad != nil {
		s.stopLoad()
	}
	s.loading.Wait()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.text != nil {
		s.text.close()
		if c, err := s.textDB.Conn(context.Background()); err == nil {
			_ = c.Raw(func(any) error { s.text.raw.close(); return nil })
			c.Close()
		}
	}
	if c, err := s.w.Conn(context.Background()); err == nil {
		_ = c.Raw(func(any) error { s.raw.close(); return nil })
		c.Close()
	}
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.ckpt != nil {
		errs = append(errs, s.ckpt.close())
	}
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	// Fold the WALs back so the files are self-contained after Close.
	if s.w != nil {
		_, _ = s.w.Exec(`PRAGMA main.wal_checkpoint(TRUNCATE)`) // not the attached text database
		errs = append(errs, s.w.Close())
	}
	if s.textDB != nil {
		_, _ = s.textDB.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		errs = append(errs, s.textDB.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// writeTx runs fn in a write transaction holding wmu. fn gets the context
// its statements run under: ctx without its cancellation (see below).
func (s *Store) writeTx(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	start := time.Now()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.metrics.lockWait.WithLabelValues(op).Observe(time.Since(start).Seconds())
	c, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: %s: writer connection: %w", op, err)
	}
	defer c.Close()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	// Once begun, a write transaction runs to its end: with a context that
	// can be cancelled, database/sql and the driver watch it with a
	// goroutine and a progress handler per statement. Its lock waits are
	// bounded by the busy timeout, and the writer's transactions are short.
	wctx := context.WithoutCancel(ctx)
	tx, err := c.BeginTx(wctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	s.wc = c
	defer func() {
		clear(s.textOps) // the index has its own copies
		s.wc, s.textOps, s.textStale = nil, s.textOps[:0], s.textStale[:0]
	}()
	if err := s.catchUp(wctx, tx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("sqlite: %s: %w", op, err)
	}
	if err := fn(wctx, tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: commit: %w", op, err)
	}
	// Still under wmu: the text index gets the changes in commit order.
	if len(s.textOps) > 0 {
		ticket := s.text.submit(s.textOps)
		for _, seq := range s.textStale {
			s.staleTickets[seq] = ticket
		}
	}
	s.ckpt.afterCommit(wctx, c)
	s.metrics.observe(op, start)
	return nil
}

// catchUp brings the writer's memory up to date with what other processes
// committed since its last write transaction (vigie import may write
// while vigie serve runs): the next seq, the IDs they stored and the count
// of pending supersessions. PRAGMA data_version changes only with commits
// of other connections; tx holds the write lock, so nothing else commits
// until it ends, and seqs keep growing in commit order across processes.
func (s *Store) catchUp(ctx context.Context, tx *sql.Tx) error {
	var v int64
	if err := tx.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
		return fmt.Errorf("data version: %w", err)
	}
	if v == s.dataVersion {
		return nil
	}
	from := s.nextSeq
	rs, err := tx.QueryContext(ctx, `SELECT seq, id FROM alerts WHERE seq >= ?`, s.nextSeq)
	if err != nil {
		return fmt.Errorf("alerts written by another process: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var seq int64
		var id string
		if err := rs.Scan(&seq, &id); err != nil {
			return fmt.Errorf("alerts written by another process: %w", err)
		}
		s.ids.addString(id)
		s.nextSeq = max(s.nextSeq, seq+1)
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("alerts written by another process: %w", err)
	}
	if s.nextSeq > from {
		// Their text too, so that the index's through stays true here;
		// the other process indexes it as well, and re-indexing replaces.
		s.text.submit([]textOp{{kind: textReindex, seq: from, to: s.nextSeq}})
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pending_supersessions`).Scan(&s.pending); err != nil {
		return fmt.Errorf("count pending supersessions: %w", err)
	}
	s.dataVersion = v
	return nil
}

// readTx runs fn in a read transaction, so that its queries see one snapshot.
func (s *Store) readTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	start := time.Now()
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: %s: begin: %w", op, err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if err := fn(tx); err != nil {
		return err
	}
	s.metrics.observe(op, start)
	return nil
}

func (s *Store) now() time.Time { return s.opts.Now() }

// isConstraint reports whether err is a SQLite constraint violation
// (SQLITE_CONSTRAINT and its extended codes).
func isConstraint(err error) bool {
	se, ok := errors.AsType[*msqlite.Error](err)
	return ok && se.Code()&0xff == 19
}
