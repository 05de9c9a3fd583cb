package correlate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/bus"
)

// DurableName is the correlation stage's durable consumer.
const DurableName = "correlate"

// Bus is what the stage needs from the bus.
type Bus interface {
	bus.Publisher
	bus.Consumer
}

// StageOptions configures a Stage.
type StageOptions struct {
	Bus    Bus
	Engine *Engine
	// Reloader, when set, is polled every ReloadInterval (default
	// DefaultReloadInterval) and its new rule sets replace the engine's.
	Reloader       *Reloader
	ReloadInterval time.Duration
	// SnapshotPath, when set, is where the state is saved every
	// SnapshotInterval (default 30 s) and when Run returns.
	SnapshotPath     string
	SnapshotInterval time.Duration
	// Tick is how often windows are closed by the clock (default 1 s).
	Tick time.Duration
	// Consume tunes the consumer; Concurrency is forced to 1 so that
	// alerts reach the engine in stream order.
	Consume    bus.ConsumeOptions
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Stage consumes alerts.enriched, runs the engine and publishes the
// alerts it emits to alerts.in, where they are enriched, stored and
// correlated again like any alert.
//
// Redeliveries: the stage remembers (and snapshots) the sequence of the
// last alert it processed and skips redeliveries (attempt 2 and up) at or
// before it, so an
// alert is counted once even when acknowledging it failed. Emitted alerts
// wait in an outbox until the bus has stored them; while it holds any, the
// batch handler fails so that nothing is acknowledged past a lost alert.
// Emitted IDs are derived from rule, group and window, so re-making a
// firing after a crash updates the same alert instead of duplicating it.
type Stage struct {
	opts    StageOptions
	log     *slog.Logger
	latency prometheus.Histogram
	reloads *prometheus.CounterVec

	mu     sync.Mutex
	outbox []*idmefv2.Alert

	scratch idmefv2.Alert // decoded alert of handle, reused

	// batch is held while a batch is processed and while the state is
	// copied for a save, so that a snapshot never holds half a batch (its
	// mark and its windows agree).
	batch sync.Mutex
}

// NewStage checks opts and returns a Stage.
func NewStage(opts StageOptions) (*Stage, error) {
	if opts.Bus == nil || opts.Engine == nil {
		return nil, errors.New("correlate: stage needs Bus and Engine")
	}
	if opts.ReloadInterval <= 0 {
		opts.ReloadInterval = DefaultReloadInterval
	}
	if opts.SnapshotInterval <= 0 {
		opts.SnapshotInterval = 30 * time.Second
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	opts.Consume.Concurrency = 1
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Stage{
		opts: opts, log: opts.Logger,
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vigie_correlation_latency_seconds",
			Help:    "From the bus storing the alert that decided a firing to the emitted alert being stored.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_correlation_reloads_total", Help: "Rule reloads, by result (ok, error).",
		}, []string{"result"}),
	}
	if opts.Registerer != nil {
		for _, c := range []prometheus.Collector{s.latency, s.reloads} {
			if err := opts.Registerer.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					return nil, fmt.Errorf("correlate: register metrics: %w", err)
				}
			}
		}
	}
	return s, nil
}

// Reload polls the rule files once, replacing the engine's rules when
// they changed and load; problems are logged.
func (s *Stage) Reload() error {
	if s.opts.Reloader == nil {
		return nil
	}
	rs, probs, err := s.opts.Reloader.Check()
	for _, p := range probs {
		if p.Warning {
			s.log.Warn("correlation rule", "problem", p.String())
		} else {
			s.log.Error("correlation rule", "problem", p.String())
		}
	}
	if err != nil {
		s.reloads.WithLabelValues("error").Inc()
		return err
	}
	if rs != nil {
		s.opts.Engine.SetRules(rs)
		s.reloads.WithLabelValues("ok").Inc()
		s.log.Info("correlation rules loaded", "rules", len(rs.Rules()))
	}
	return nil
}

// Run consumes until ctx ends, then saves the state.
func (s *Stage) Run(ctx context.Context) error {
	// Alerts emitted before a stop but not published then.
	s.queue(s.opts.Engine.TakePending())
	var wg sync.WaitGroup
	tctx, stop := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.timers(tctx)
	}()
	err := s.opts.Bus.ConsumeBatch(ctx, bus.SubjectEnriched, DurableName, s.opts.Consume, s.handle)
	stop()
	wg.Wait()
	// Publish what the last batches emitted, then save the state.
	if perr := s.flush(context.WithoutCancel(ctx)); perr != nil {
		s.log.Error("correlation alerts not published at shutdown; they are saved in the snapshot and published at the next start", "err", perr)
	}
	if serr := s.snapshot(); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("correlate stage: %w", err)
	}
	return nil
}

func (s *Stage) snapshot() error {
	if s.opts.SnapshotPath == "" {
		return nil
	}
	e := s.opts.Engine
	// The batch lock only while the state is copied: writing it does not
	// hold batches up.
	s.batch.Lock()
	s.mu.Lock()
	e.SetPending(append([]*idmefv2.Alert(nil), s.outbox...))
	s.mu.Unlock()
	snap := e.beginSave()
	s.batch.Unlock()
	return e.endSave(s.opts.SnapshotPath, snap)
}

// timers closes windows by the clock, reloads rules and snapshots.
func (s *Stage) timers(ctx context.Context) {
	tick := time.NewTicker(s.opts.Tick)
	defer tick.Stop()
	reload := time.NewTicker(s.opts.ReloadInterval)
	defer reload.Stop()
	snap := time.NewTicker(s.opts.SnapshotInterval)
	defer snap.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if out := s.opts.Engine.Tick(now); len(out) > 0 {
				s.queue(out)
				start := time.Now()
				if err := s.flush(ctx); err != nil {
					s.log.Warn("publish correlation alerts", "err", err)
				} else {
					s.observe(len(out), time.Since(start))
				}
			}
		case <-reload.C:
			if err := s.Reload(); err != nil {
				s.log.Error("correlation rules not reloaded; keeping the previous ones", "err", err)
			}
		case <-snap.C:
			if err := s.snapshot(); err != nil {
				s.log.Error("correlation snapshot", "err", err)
			}
		}
	}
}

func (s *Stage) observe(n int, d time.Duration) {
	for range n {
		s.latency.Observe(d.Seconds())
	}
}

func (s *Stage) queue(as []*idmefv2.Alert) {
	s.mu.Lock()
	s.outbox = append(s.outbox, as...)
	s.mu.Unlock()
}

// flush publishes the outbox; what the bus did not store stays in it.
func (s *Stage) flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.outbox) == 0 {
		return nil
	}
	ms := make([]bus.Message, 0, len(s.outbox))
	keep := s.outbox[:0:0]
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, a := range s.outbox {
		data, err := idmefv2.Encode(a)
		if err != nil {
			s.log.Error("correlation alert does not encode; dropped", "rule", a.Ref, "err", err)
			continue
		}
		ms = append(ms, bus.Message{Subject: bus.SubjectIn, Key: a.ID, Data: data, Header: map[string]string{
			bus.HeaderContentType: "application/json", bus.HeaderSender: "correlator", bus.HeaderReceived: now,
		}})
		keep = append(keep, a)
	}
	err := s.opts.Bus.PublishBatch(ctx, ms)
	if err == nil {
		s.outbox = nil
		return nil
	}
	var be *bus.BatchError
	if errors.As(err, &be) && len(be.Errs) == len(keep) {
		var left []*idmefv2.Alert
		for i, e := range be.Errs {
			if e != nil {
				left = append(left, keep[i])
			}
		}
		s.outbox = left
	} else {
		s.outbox = keep
	}
	return fmt.Errorf("publish %d correlation alerts: %w", len(s.outbox), err)
}

// handle processes a batch in stream order.
func (s *Stage) handle(ctx context.Context, ds []bus.Delivery) error {
	// Alerts emitted earlier must be stored before anything more is
	// acknowledged.
	if err := s.flush(ctx); err != nil {
		return err
	}
	s.batch.Lock()
	defer s.batch.Unlock()
	e := s.opts.Engine
	mark := e.Mark()
	var decided []time.Time // Published of the alert behind each emitted one
	for _, d := range ds {
		if d.Attempt > 1 && d.Position() <= mark {
			continue // processed before a failed acknowledgement
		}
		// The decoded alert's strings point into the delivery's Data, a
		// slice of its whole bus message (a pack of hundreds of alerts):
		// the engine copies those it keeps, or one string kept in a
		// window would hold the pack in memory for the window's length
		// (see Engine.own, TestStageDoesNotPinBusMessages). The engine
		// keeps nothing of the Alert struct itself (see newAlertInfo), so
		// one serves them all.
		a := &s.scratch
		if err := idmefv2.UnmarshalShared(d.Data, a); err != nil {
			// The store stage dead-letters undecodable alerts; here it
			// is enough not to correlate them.
			e.m.undecodable.Inc()
		} else if out := e.process(a, true); len(out) > 0 {
			s.queue(out)
			for range out {
				decided = append(decided, d.Published)
			}
		}
		if p := d.Position(); p > mark {
			mark = p
		}
	}
	e.SetMark(mark)
	s.scratch = idmefv2.Alert{} // keeps the last message alive otherwise
	if err := s.flush(ctx); err != nil {
		return err
	}
	now := time.Now()
	for _, p := range decided {
		if !p.IsZero() {
			s.latency.Observe(now.Sub(p).Seconds())
		}
	}
	return nil
}
