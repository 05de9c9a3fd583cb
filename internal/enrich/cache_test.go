package enrich_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vigie-siem/vigie/internal/enrich"
)

func newMetrics(t testing.TB) *enrich.Metrics {
	m, err := enrich.NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func count(c prometheus.Collector) int { return int(testutil.ToFloat64(c)) }

// eventually polls cond for up to 5s: background work has no fixed timing.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not after 5s", what)
}

func TestCacheMissQueuesThenHits(t *testing.T) {
	m := newMetrics(t)
	var calls atomic.Int32
	c := enrich.NewCache(func(_ context.Context, k string) (string, bool, error) {
		calls.Add(1)
		if k == "unknown" {
			return "", false, nil
		}
		return "v:" + k, true, nil
	}, enrich.CacheOptions{Name: "t", Metrics: m})
	defer c.Close()
	ctx := context.Background()
	if _, st := c.Get(ctx, "a"); st != enrich.Pending {
		t.Fatalf("first get: status %v, want Pending", st)
	}
	eventually(t, "answer cached", func() bool { _, st := c.Get(ctx, "a"); return st == enrich.Hit })
	if v, _ := c.Get(ctx, "a"); v != "v:a" {
		t.Errorf("value %q", v)
	}
	c.Get(ctx, "unknown")
	eventually(t, "absence cached", func() bool { _, st := c.Get(ctx, "unknown"); return st == enrich.NotFound })
	if n := calls.Load(); n != 2 {
		t.Errorf("%d look-ups, want 2 (one per key)", n)
	}
	if count(enrich.LookupCounter(m, "t", "miss")) != 2 || count(enrich.LookupCounter(m, "t", "hit")) < 2 || count(enrich.LookupCounter(m, "t", "negative")) < 1 {
		t.Errorf("metrics: miss %d hit %d negative %d", count(enrich.LookupCounter(m, "t", "miss")),
			count(enrich.LookupCounter(m, "t", "hit")), count(enrich.LookupCounter(m, "t", "negative")))
	}
}

func TestCacheBudgetWaitsForFastAnswer(t *testing.T) {
	c := enrich.NewCache(func(context.Context, string) (int, bool, error) { return 42, true, nil },
		enrich.CacheOptions{Name: "t", Budget: 5 * time.Second})
	defer c.Close()
	if v, st := c.Get(context.Background(), "k"); st != enrich.Hit || v != 42 {
		t.Errorf("got %v %v, want 42 Hit within the budget", v, st)
	}
}

func TestCacheSlowServiceDoesNotBlock(t *testing.T) {
	m := newMetrics(t)
	release := make(chan struct{})
	c := enrich.NewCache(func(ctx context.Context, _ string) (int, bool, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return 0, false, ctx.Err()
		}
		return 1, true, nil
	}, enrich.CacheOptions{Name: "slow", Budget: 10 * time.Millisecond, Workers: 1, QueueSize: 2, Timeout: 50 * time.Millisecond, Metrics: m})
	defer c.Close()
	defer close(release)
	ctx := context.Background()
	// One key in the worker, two queued, the next ones overflow.
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if _, st := c.Get(ctx, k); st == enrich.Hit {
			t.Fatalf("%s: hit from a service that does not answer", k)
		}
	}
	if n := count(enrich.LookupCounter(m, "slow", "overflow")); n == 0 {
		t.Error("queue overflow not counted")
	}
	eventually(t, "timeouts counted", func() bool { return count(enrich.FailureCounter(m, "slow", "timeout")) >= 1 })
	// A key that failed is not retried by every alert: it answers Failed
	// at once until the error TTL.
	eventually(t, "failure cached", func() bool { _, st := c.Get(ctx, "a"); return st == enrich.Failed })
}

func TestCacheErrorCountedAndRetriedAfterTTL(t *testing.T) {
	m := newMetrics(t)
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var fail atomic.Bool
	fail.Store(true)
	c := enrich.NewCache(func(context.Context, string) (string, bool, error) {
		if fail.Load() {
			return "", false, errors.New("boom")
		}
		return "ok", true, nil
	}, enrich.CacheOptions{Name: "e", ErrorTTL: time.Minute, Metrics: m, Now: clock})
	defer c.Close()
	ctx := context.Background()
	c.Get(ctx, "k")
	eventually(t, "failure", func() bool { _, st := c.Get(ctx, "k"); return st == enrich.Failed })
	if count(enrich.FailureCounter(m, "e", "error")) != 1 {
		t.Error("error not counted once")
	}
	fail.Store(false)
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	c.Get(ctx, "k")
	eventually(t, "retried after the error TTL", func() bool { _, st := c.Get(ctx, "k"); return st == enrich.Hit })
}

func TestCacheBoundedSize(t *testing.T) {
	c := enrich.NewCache(func(_ context.Context, k string) (string, bool, error) { return k, true, nil },
		enrich.CacheOptions{Name: "b", MaxEntries: 100, Budget: time.Second})
	defer c.Close()
	for i := range 1000 {
		c.Get(context.Background(), string(rune('a'+i%26))+string(rune(i)))
	}
	if n := c.Len(); n > 100 {
		t.Errorf("%d entries, bound 100", n)
	}
}

func TestRateLogSuppresses(t *testing.T) {
	var buf syncBuffer
	r := enrich.NewRateLog(newTextLogger(&buf), time.Hour)
	for range 5 {
		r.Warn("k", "failing")
	}
	r.Warn("other", "failing too")
	if n := buf.count("failing"); n != 2 {
		t.Errorf("%d lines, want 2 (one per key):\n%s", n, buf.String())
	}
}

func TestCacheDeadServiceCostsOneBudget(t *testing.T) {
	m := newMetrics(t)
	block := make(chan struct{})
	defer close(block)
	c := enrich.NewCache(func(ctx context.Context, _ string) (int, bool, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return 0, false, errors.New("no answer")
	}, enrich.CacheOptions{Name: "dead", Budget: 20 * time.Millisecond, Timeout: time.Hour, Metrics: m})
	defer c.Close()
	for i := range 50 {
		if _, st := c.Get(context.Background(), string(rune('a'+i))); st != enrich.Pending {
			t.Fatalf("status %v", st)
		}
	}
	if n := count(enrich.LookupCounter(m, "dead", "late")); n != 1 {
		t.Errorf("the budget expired %d times, want once: an unresponsive service is not waited for again", n)
	}
}

func TestChainBudgetIsPerAlert(t *testing.T) {
	m := newMetrics(t)
	block := make(chan struct{})
	defer close(block)
	dead := func(ctx context.Context, _ string) (int, bool, error) {
		select {
		case <-block:
		case <-ctx.Done():
		}
		return 0, false, errors.New("no answer")
	}
	first := enrich.NewCache(dead, enrich.CacheOptions{Name: "first", Budget: time.Hour, Timeout: time.Hour, Metrics: m})
	second := enrich.NewCache(dead, enrich.CacheOptions{Name: "second", Budget: time.Hour, Timeout: time.Hour, Metrics: m})
	defer first.Close()
	defer second.Close()
	get := func(c *enrich.Cache[int]) enrich.Step {
		return ctxStep(func(ctx context.Context, _ *enrich.Subject) {
			if _, st := c.Get(ctx, "k"); st != enrich.Pending {
				t.Errorf("status %v", st)
			}
		})
	}
	chain := enrich.NewChain(m, get(first), get(second)).WithBudget(20 * time.Millisecond)
	if err := chain.Enrich(context.Background(), testAlert()); err != nil {
		t.Fatal(err)
	}
	// The first look-up used the whole per-alert budget; the second had
	// nothing left and did not wait, although its own bound is an hour.
	if f, s := count(enrich.LookupCounter(m, "first", "late")), count(enrich.LookupCounter(m, "second", "late")); f != 1 || s != 0 {
		t.Errorf("late: first %d second %d, want 1 and 0", f, s)
	}
}

// ctxStep adapts a function that needs the context to enrich.Step.
type ctxStep func(ctx context.Context, s *enrich.Subject)

func (ctxStep) Name() string                                    { return "ctx" }
func (f ctxStep) Enrich(ctx context.Context, s *enrich.Subject) { f(ctx, s) }

func BenchmarkCacheHit(b *testing.B) {
	c := enrich.NewCache(func(context.Context, string) (int, bool, error) { return 1, true, nil },
		enrich.CacheOptions{Name: "b", Budget: time.Second})
	defer c.Close()
	ctx := context.Background()
	c.Get(ctx, "198.51.100.7")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Get(ctx, "198.51.100.7")
		}
	})
}

// TestCacheKeyDoesNotPinItsSource: a cached key must not hold the bytes it
// was sliced from (an alert's bus message, hundreds of alerts long) for
// the entry's TTL.
func TestCacheKeyDoesNotPinItsSource(t *testing.T) {
	c := enrich.NewCache(func(_ context.Context, k string) (string, bool, error) {
		return "v:" + k, true, nil
	}, enrich.CacheOptions{Name: "t", Metrics: newMetrics(t)})
	defer c.Close()
	ctx := context.Background()
	msg := []byte(`{"Source":[{"User":"alice"}],"padding":"` + strings.Repeat("x", 1<<20) + `"}`)
	held := weak.Make(&msg[0])
	i := bytes.Index(msg, []byte("alice"))
	key := unsafe.String(&msg[i], 5) // as a shared decoder returns it
	c.Get(ctx, key)
	eventually(t, "answer cached", func() bool { _, st := c.Get(ctx, "alice"); return st == enrich.Hit })
	msg, key = nil, ""
	runtime.GC()
	runtime.GC()
	if held.Value() != nil {
		t.Error("the cache keeps the message its key was sliced from")
	}
	if _, st := c.Get(ctx, "alice"); st != enrich.Hit {
		t.Errorf("after GC: status %v, want Hit", st)
	}
}
