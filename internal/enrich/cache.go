package enrich

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Loader looks key up in a remote service. found false with a nil error
// means the service knows nothing about key (cached for the negative TTL).
type Loader[V any] func(ctx context.Context, key string) (v V, found bool, err error)

// Status says what a Cache.Get returned.
type Status int

// Get results.
const (
	// Hit: the value is known (from the cache, or loaded within the budget).
	Hit Status = iota
	// NotFound: the service knows nothing about the key.
	NotFound
	// Pending: the look-up runs in the background; a later Get will know.
	Pending
	// Failed: the last look-up failed, or the queue was full; it will be
	// retried after the error TTL.
	Failed
)

// CacheOptions configures a Cache. Zero values get the defaults noted.
type CacheOptions struct {
	// Name labels the metrics and logs (the enricher's name).
	Name string
	// TTL keeps answers (default 1h); NegativeTTL keeps "nothing known"
	// (default 10m); ErrorTTL keeps a failure before retrying (default 1m).
	TTL, NegativeTTL, ErrorTTL time.Duration
	// Timeout bounds one look-up (default 5s).
	Timeout time.Duration
	// Workers run look-ups at once (default 4); QueueSize bounds the
	// look-ups waiting for a worker (default 10000): beyond, a miss is
	// counted as an overflow and retried after the error TTL.
	Workers, QueueSize int
	// MaxEntries bounds the cache (default 100000).
	MaxEntries int
	// Budget is how long Get waits for a missing key before answering
	// Pending (0: do not wait); a deadline on Get's context (the chain's
	// per-alert budget) shortens it.
	Budget  time.Duration
	Metrics *Metrics
	Logger  *slog.Logger
	Now     func() time.Time
}

// Cache is an asynchronous, expiring cache in front of a Loader. It is safe
// for concurrent use. Close stops its workers.
type Cache[V any] struct {
	load Loader[V]
	opts CacheOptions
	log  *RateLog

	mu      sync.RWMutex
	entries map[string]*entry[V]

	queue  chan string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// healthy is false after a failed look-up or a budget that expired,
	// until a look-up succeeds: an unhealthy service is not waited for, so
	// a dead service costs at most one budget, not one per alert.
	healthy atomic.Bool

	hit, negative, miss, wait, late, overflow prometheus.Counter
}

type entry[V any] struct {
	v       V
	status  Status
	expires time.Time
	done    chan struct{} // closed when the look-up ends
}

// NewCache starts the workers of a Cache in front of load.
func NewCache[V any](load Loader[V], opts CacheOptions) *Cache[V] {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.TTL, time.Hour)
	def(&opts.NegativeTTL, 10*time.Minute)
	def(&opts.ErrorTTL, time.Minute)
	def(&opts.Timeout, 5*time.Second)
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 10000
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = 100000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Cache[V]{
		load: load, opts: opts,
		log:      NewRateLog(opts.Logger, time.Minute),
		entries:  make(map[string]*entry[V]),
		queue:    make(chan string, opts.QueueSize),
		hit:      opts.Metrics.lookupCounter(opts.Name, "hit"),
		negative: opts.Metrics.lookupCounter(opts.Name, "negative"),
		miss:     opts.Metrics.lookupCounter(opts.Name, "miss"),
		wait:     opts.Metrics.lookupCounter(opts.Name, "wait"),
		late:     opts.Metrics.lookupCounter(opts.Name, "late"),
		overflow: opts.Metrics.lookupCounter(opts.Name, "overflow"),
	}
	c.healthy.Store(true)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for range opts.Workers {
		c.wg.Add(1)
		go c.work()
	}
	return c
}

// Close stops the workers; look-ups in flight are cancelled.
func (c *Cache[V]) Close() {
	c.cancel()
	c.wg.Wait()
}

// Get answers key from the cache. On a miss it queues a look-up and waits
// at most the budget (and ctx) for it.
func (c *Cache[V]) Get(ctx context.Context, key string) (V, Status) {
	now := c.opts.Now()
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e != nil {
		select {
		case <-e.done:
			if now.Before(e.expires) {
				c.count(e.status)
				return e.v, e.status
			}
		default:
			return c.await(ctx, e)
		}
	}
	c.mu.Lock()
	if cur := c.entries[key]; cur != nil && cur != e {
		c.mu.Unlock() // another Get queued it meanwhile
		return c.await(ctx, cur)
	}
	// The key usually points into the alert's bus message (a pack of
	// hundreds of alerts): kept as it is for the TTL, it would hold all of
	// that message in memory.
	key = strings.Clone(key)
	e = &entry[V]{status: Pending, done: make(chan struct{})}
	c.evict(now)
	select {
	case c.queue <- key:
		c.entries[key] = e
		c.mu.Unlock()
		c.miss.Inc()
	default:
		// Queue full: remember the failure briefly so that the next
		// alerts do not each try again.
		e.status, e.expires = Failed, now.Add(c.opts.ErrorTTL)
		close(e.done)
		c.entries[key] = e
		c.mu.Unlock()
		c.overflow.Inc()
		c.log.Warn("queue", "enrichment look-up queue full: look-up skipped", "enricher", c.opts.Name)
		var zero V
		return zero, Failed
	}
	return c.await(ctx, e)
}

// await waits the budget for an in-flight look-up, if the service is
// healthy.
func (c *Cache[V]) await(ctx context.Context, e *entry[V]) (V, Status) {
	var zero V
	wait := c.opts.Budget
	if dl, ok := ctx.Deadline(); ok {
		// The chain's per-alert budget: what earlier look-ups of this
		// alert left.
		wait = min(wait, time.Until(dl))
	}
	if wait <= 0 || !c.healthy.Load() {
		return zero, Pending
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-e.done:
		c.wait.Inc()
		return e.v, e.status
	case <-t.C:
		c.healthy.Store(false)
		c.late.Inc()
	case <-ctx.Done():
	}
	return zero, Pending
}

func (c *Cache[V]) count(s Status) {
	switch s {
	case Hit:
		c.hit.Inc()
	case NotFound:
		c.negative.Inc()
	}
}

// evict makes room when the cache is full: expired entries first, then
// any (Go's map order is random enough for this). Called with mu held.
func (c *Cache[V]) evict(now time.Time) {
	if len(c.entries) < c.opts.MaxEntries {
		return
	}
	for k, e := range c.entries {
		select {
		case <-e.done:
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		default:
		}
	}
	for k, e := range c.entries {
		if len(c.entries) < c.opts.MaxEntries*9/10 {
			break
		}
		select {
		case <-e.done:
			delete(c.entries, k)
		default:
		}
	}
}

func (c *Cache[V]) work() {
	defer c.wg.Done()
	for {
		select {
		case <-c.ctx.Done():
			return
		case key := <-c.queue:
			c.lookup(key)
		}
	}
}

func (c *Cache[V]) lookup(key string) {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil {
		return // evicted while queued
	}
	select {
	case <-e.done:
		return // already answered (never expected: a key is queued once while in flight)
	default:
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.opts.Timeout)
	start := c.opts.Now()
	v, found, err := c.load(ctx, key)
	cancel()
	c.opts.Metrics.observe(c.opts.Name, c.opts.Now().Sub(start))
	now := c.opts.Now()
	switch {
	case err != nil:
		reason := "error"
		if errors.Is(err, context.DeadlineExceeded) {
			reason = "timeout"
		}
		c.opts.Metrics.failure(c.opts.Name, reason)
		c.log.Warn(reason, "enrichment look-up failed", "enricher", c.opts.Name, "reason", reason, "err", err)
		e.status, e.expires = Failed, now.Add(c.opts.ErrorTTL)
		c.healthy.Store(false)
	case !found:
		e.status, e.expires = NotFound, now.Add(c.opts.NegativeTTL)
	default:
		e.v, e.status, e.expires = v, Hit, now.Add(c.opts.TTL)
	}
	if err == nil {
		c.healthy.Store(true)
	}
	c.mu.Lock()
	close(e.done)
	c.mu.Unlock()
}

// Len is the number of cached entries (in flight included).
func (c *Cache[V]) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
