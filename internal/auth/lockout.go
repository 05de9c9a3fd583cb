package auth

import (
	"container/list"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"sync"
	"time"
)

// LockoutOptions configures the failed-login lockout.
type LockoutOptions struct {
	// MaxFailures within Window locks the (user, client address) pair
	// out for Duration; default 5.
	MaxFailures int
	// Window over which failures count; default 15m.
	Window time.Duration
	// Duration of a lockout; default 15m.
	Duration time.Duration
	// MaxEntries bounds the pairs remembered; the least recently failed
	// is forgotten first; default 10000.
	MaxEntries int
}

// lockout counts failed logins per key in a bounded LRU. Keying by user
// and address means an attacker elsewhere cannot lock a user out of their
// own machine, while one source guessing one account is slowed to
// MaxFailures tries per Duration.
type lockout struct {
	opts LockoutOptions
	mu   sync.Mutex
	lru  *list.List // of *lockEntry, most recent at the front
	byID map[string]*list.Element
}

type lockEntry struct {
	key         string
	failures    int
	windowStart time.Time
	lockedUntil time.Time
}

func newLockout(o LockoutOptions) (*lockout, error) {
	if o.MaxFailures == 0 {
		o.MaxFailures = 5
	}
	defaultDur(&o.Window, 15*time.Minute)
	defaultDur(&o.Duration, 15*time.Minute)
	if o.MaxEntries == 0 {
		o.MaxEntries = 10000
	}
	if o.MaxFailures < 1 || o.Window < 0 || o.Duration < 0 || o.MaxEntries < 1 {
		return nil, errors.New("lockout: negative limits")
	}
	return &lockout{opts: o, lru: list.New(), byID: map[string]*list.Element{}}, nil
}

// locked returns how long key is still locked out, or 0.
func (l *lockout) locked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.byID[key]
	if !ok {
		return 0
	}
	return max(0, time.Until(el.Value.(*lockEntry).lockedUntil))
}

// fail records a failure and reports whether it started a lockout.
func (l *lockout) fail(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	el, ok := l.byID[key]
	if !ok {
		if l.lru.Len() >= l.opts.MaxEntries {
			oldest := l.lru.Back()
			delete(l.byID, oldest.Value.(*lockEntry).key)
			l.lru.Remove(oldest)
		}
		el = l.lru.PushFront(&lockEntry{key: key, windowStart: now})
		l.byID[key] = el
	}
	l.lru.MoveToFront(el)
	e := el.Value.(*lockEntry)
	if now.Sub(e.windowStart) > l.opts.Window {
		e.failures, e.windowStart = 0, now
	}
	e.failures++
	if e.failures >= l.opts.MaxFailures {
		e.lockedUntil = now.Add(l.opts.Duration)
		e.failures, e.windowStart = 0, now
		return true
	}
	return false
}

// reset forgets key after a successful login.
func (l *lockout) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.byID[key]; ok {
		delete(l.byID, key)
		l.lru.Remove(el)
	}
}

// basicCache remembers successful HTTP Basic verifications briefly. Its
// keys are HMACs (with a random per-process key) of the user, the stored
// hash and the password, so it holds nothing that helps an attacker who
// reads memory more than the stored hash would, and a password change
// invalidates it at once.
type basicCache struct {
	key []byte
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[[sha256.Size]byte]time.Time
}

func newBasicCache(key []byte, ttl time.Duration, maxEntries int) *basicCache {
	return &basicCache{key: key, ttl: ttl, max: maxEntries, m: map[[sha256.Size]byte]time.Time{}}
}

func (c *basicCache) id(user, stored string, pw Secret) [sha256.Size]byte {
	h := hmac.New(sha256.New, c.key)
	for _, part := range []string{user, stored, pw.Reveal()} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

func (c *basicCache) ok(id [sha256.Size]byte) bool {
	if c.ttl < 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	until, found := c.m[id]
	if found && time.Now().After(until) {
		delete(c.m, id)
		return false
	}
	return found
}

func (c *basicCache) add(id [sha256.Size]byte) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		now := time.Now()
		for k, until := range c.m { // drop expired entries, else an arbitrary one
			if now.After(until) || len(c.m) >= c.max {
				delete(c.m, k)
			}
		}
	}
	c.m[id] = time.Now().Add(c.ttl)
}
