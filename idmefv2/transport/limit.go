package transport

import (
	"container/list"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter decides whether a peer may send n more messages now. When it
// refuses, it says how long to wait. Must be safe for concurrent use.
type Limiter interface {
	Allow(p Peer, n int) (wait time.Duration, ok bool)
}

// RateLimitOptions configures a RateLimiter.
type RateLimitOptions struct {
	// Rate is the sustained number of messages per second per peer. Required.
	Rate float64
	// Burst is how many messages a peer may send at once; default
	// max(1, Rate). A request with more messages than Burst is allowed
	// when the bucket is full, so that a large batch is never refused
	// forever.
	Burst int
	// MaxPeers bounds the number of peers tracked; the least recently
	// seen is forgotten first (its next request starts a full bucket).
	// Default 10000.
	MaxPeers int
}

// RateLimiter is a token bucket per peer (keyed by Peer.Key), kept in a
// bounded least-recently-used table.
type RateLimiter struct {
	limit    rate.Limit
	burst    int
	maxPeers int

	mu    sync.Mutex
	peers map[string]*list.Element // of *peerBucket
	lru   *list.List
}

type peerBucket struct {
	key string
	lim *rate.Limiter
}

// NewRateLimiter checks the options and builds a RateLimiter.
func NewRateLimiter(opts RateLimitOptions) (*RateLimiter, error) {
	if !(opts.Rate > 0) {
		return nil, errors.New("rate limiter: Rate must be > 0 messages per second")
	}
	if opts.Burst < 0 || opts.MaxPeers < 0 {
		return nil, fmt.Errorf("rate limiter: Burst (%d) and MaxPeers (%d) must not be negative", opts.Burst, opts.MaxPeers)
	}
	if opts.Burst == 0 {
		opts.Burst = max(1, int(opts.Rate))
	}
	if opts.MaxPeers == 0 {
		opts.MaxPeers = 10000
	}
	return &RateLimiter{
		limit:    rate.Limit(opts.Rate),
		burst:    opts.Burst,
		maxPeers: opts.MaxPeers,
		peers:    make(map[string]*list.Element),
		lru:      list.New(),
	}, nil
}

// Allow implements Limiter.
func (l *RateLimiter) Allow(p Peer, n int) (time.Duration, bool) {
	lim := l.bucket(p.Key())
	now := time.Now()
	r := lim.ReserveN(now, min(n, l.burst))
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}

func (l *RateLimiter) bucket(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.peers[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*peerBucket).lim
	}
	b := &peerBucket{key: key, lim: rate.NewLimiter(l.limit, l.burst)}
	l.peers[key] = l.lru.PushFront(b)
	if l.lru.Len() > l.maxPeers {
		oldest := l.lru.Back()
		l.lru.Remove(oldest)
		delete(l.peers, oldest.Value.(*peerBucket).key)
	}
	return b.lim
}

// Len reports how many peers are tracked.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
