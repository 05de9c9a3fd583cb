package ingest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vigie-siem/vigie/internal/bus"
)

// heldLag is one stage whose backlog is base plus every alert the limit
// admitted: nothing drains but what the test takes off base. Safe for
// concurrent use, unlike fakeLag, since Run reads it from its goroutine.
type heldLag struct {
	mu    sync.Mutex
	base  int64
	limit *LagLimit
}

func (h *heldLag) Pending(context.Context, string, string) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return uint64(max(h.base+int64(h.limit.published.Load()), 0)), nil
}

func (h *heldLag) set(base int64) {
	h.mu.Lock()
	h.base = base
	h.mu.Unlock()
}

// newHeldLimit returns a limit with MaxPending 100 over a heldLag with
// base pending, read every millisecond, and its Run already running until
// the test ends (or stop is called).
func newHeldLimit(t *testing.T, base int64, opts LagLimitOptions) (*heldLag, *LagLimit, *prometheus.Registry, func()) {
	t.Helper()
	h := &heldLag{base: base}
	reg := prometheus.NewRegistry()
	opts.Lag, opts.Stages, opts.MaxPending, opts.Interval, opts.Registerer = h, []Stage{{"alerts.in", "store"}}, 100, time.Millisecond, reg
	l, err := NewLagLimit(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.limit = l
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	for {
		l.wmu.Lock()
		running := l.running
		l.wmu.Unlock()
		if running {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return h, l, reg, stop
}

// admitAsync calls Admit in a goroutine and waits until the request is
// held (queued reaches queued).
func admitAsync(t *testing.T, ctx context.Context, l *LagLimit, n int, queued int64) <-chan error {
	t.Helper()
	out := make(chan error, 1)
	go func() { out <- l.Admit(ctx, n) }()
	for l.queued.Load() < queued {
		select {
		case err := <-out:
			t.Fatalf("Admit returned %v without waiting", err)
		default:
			time.Sleep(time.Millisecond)
		}
	}
	return out
}

func waitCount(t *testing.T, reg *prometheus.Registry, outcome string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "vigie_ingest_admission_wait_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == outcome {
				return m.GetHistogram().GetSampleCount()
			}
		}
	}
	return 0
}

func TestAdmissionHeldUntilTheLagDrops(t *testing.T) {
	h, l, reg, _ := newHeldLimit(t, 200, LagLimitOptions{MaxWait: time.Hour})
	res := admitAsync(t, context.Background(), l, 10, 1)
	if got := testutil.ToFloat64(l.metrics.waiting); got != 1 {
		t.Errorf("vigie_ingest_admission_waiting = %v while held, want 1", got)
	}
	select {
	case err := <-res:
		t.Fatalf("admitted while the stage is 200 behind (limit 100): %v", err)
	default:
	}
	h.set(50)
	if err := <-res; err != nil {
		t.Fatalf("not admitted once the lag dropped: %v", err)
	}
	if got := l.published.Load(); got != 10 {
		t.Errorf("published = %d, want the 10 alerts admitted", got)
	}
	if got := waitCount(t, reg, waitAdmitted); got != 1 {
		t.Errorf("admitted waits observed = %d, want 1", got)
	}
	if got := testutil.ToFloat64(l.metrics.waiting); got != 0 {
		t.Errorf("vigie_ingest_admission_waiting = %v after, want 0", got)
	}
	// The queue is empty again: a request goes straight through.
	if err := l.Admit(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
}

func TestAdmissionInOrderAndBounded(t *testing.T) {
	h, l, _, _ := newHeldLimit(t, 200, LagLimitOptions{MaxWait: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var res []<-chan error
	for i := range 3 {
		res = append(res, admitAsync(t, ctx, l, 10, int64(i+1)))
	}
	// Room for 15 more alerts: the first request is admitted (the
	// alerts of the request being admitted do not count), then 95 + 10 is
	// over 100 and the other two stay held, however long Run keeps looking.
	h.set(85)
	if err := <-res[0]; err != nil {
		t.Fatalf("first request: %v", err)
	}
	if err := <-res[1]; err != nil {
		t.Fatalf("second request: %v", err)
	}
	for l.queued.Load() != 1 {
		time.Sleep(time.Millisecond)
	}
	// Run goes on admitting while the stage is below 100: let it look
	// many times, then check the third is still held.
	for range 20 {
		l.admitWaiting(context.Background())
	}
	select {
	case err := <-res[2]:
		t.Fatalf("third request admitted past the limit (pending %d): %v", 85+l.published.Load(), err)
	default:
	}
	if got := l.published.Load(); got != 20 {
		t.Errorf("published = %d, want 20", got)
	}
	cancel()
	if err := <-res[2]; !errors.Is(err, context.Canceled) {
		t.Errorf("third request after cancel: %v, want context.Canceled", err)
	}
}

func TestAdmissionRefusedAfterMaxWait(t *testing.T) {
	_, l, reg, _ := newHeldLimit(t, 200, LagLimitOptions{MaxWait: 20 * time.Millisecond})
	err := l.Admit(context.Background(), 10)
	refusal(t, err)
	if !errors.Is(err, bus.ErrBackpressure) || !strings.Contains(err.Error(), "waited 20ms") {
		t.Errorf("err = %v, want back-pressure after waiting 20ms", err)
	}
	if got := waitCount(t, reg, waitRefused); got != 1 {
		t.Errorf("refused waits observed = %d, want 1", got)
	}
	if l.queued.Load() != 0 || l.published.Load() != 0 {
		t.Errorf("after a refusal: queued %d, published %d; want 0, 0", l.queued.Load(), l.published.Load())
	}
}

func TestAdmissionReleasedOnCancel(t *testing.T) {
	_, l, reg, _ := newHeldLimit(t, 200, LagLimitOptions{MaxWait: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	res := admitAsync(t, ctx, l, 10, 1)
	cancel()
	err := <-res
	refusal(t, err)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := waitCount(t, reg, waitCanceled); got != 1 {
		t.Errorf("canceled waits observed = %d, want 1", got)
	}
	if l.queued.Load() != 0 {
		t.Errorf("queued = %d after cancel, want 0", l.queued.Load())
	}
}

func TestAdmissionReleasedOnShutdown(t *testing.T) {
	_, l, reg, stop := newHeldLimit(t, 200, LagLimitOptions{MaxWait: time.Hour})
	res := admitAsync(t, context.Background(), l, 10, 1)
	stop()
	err := <-res
	refusal(t, err)
	if !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("err = %v, want a refusal for the shutdown", err)
	}
	if got := waitCount(t, reg, waitShutdown); got != 1 {
		t.Errorf("shutdown waits observed = %d, want 1", got)
	}
	// Once Run returned, nothing is held.
	err = l.Admit(context.Background(), 10)
	refusal(t, err)
	if strings.Contains(err.Error(), "waited") || l.queued.Load() != 0 {
		t.Errorf("after Run returned: %v (queued %d), want a refusal at once", err, l.queued.Load())
	}
}

func TestAdmissionTooManyWaiting(t *testing.T) {
	_, l, _, _ := newHeldLimit(t, 200, LagLimitOptions{MaxWait: time.Hour, MaxWaiting: 15})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := admitAsync(t, ctx, l, 10, 1)
	err := l.Admit(ctx, 10)
	refusal(t, err)
	if !strings.Contains(err.Error(), "too many requests waiting") {
		t.Errorf("err = %v, want a refusal for too many waiting", err)
	}
	cancel()
	<-first
}

func TestAdmissionWithoutRunRefusesAtOnce(t *testing.T) {
	h := &heldLag{base: 200}
	l, err := NewLagLimit(LagLimitOptions{Lag: h, Stages: []Stage{{"alerts.in", "store"}}, MaxPending: 100, MaxWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	h.limit = l
	refusal(t, l.Admit(context.Background(), 1))
}
