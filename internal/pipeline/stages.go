package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/internal/bus"
)

// Bus is what the stages need from the bus.
type Bus interface {
	bus.Publisher
	bus.Consumer
}

// Enricher adds information to an alert before it is stored and correlated.
// It must leave the alert valid and be safe for concurrent use; an error is
// logged and counted, and the alert goes on unenriched (a failing enricher
// never blocks or drops an alert).
type Enricher interface {
	Name() string
	Enrich(ctx context.Context, a *idmefv2.Alert) error
}

// Record is an alert on its way to the store.
type Record struct {
	Alert    *idmefv2.Alert
	Data     []byte    // the alert's JSON as carried by the bus
	Sender   string    // who sent it into Vigie (bus.HeaderSender)
	Received time.Time // when ingest received it (zero if unknown)
}

// AlertWriter stores alerts. WriteAlerts must be idempotent by alert ID (a
// re-sent ID updates the stored alert) and durable when it returns nil.
type AlertWriter interface {
	WriteAlerts(ctx context.Context, recs []Record) error
}

// DeadLetter is an input Vigie could not process.
type DeadLetter struct {
	Data     []byte
	Reason   string
	Sender   string
	Stage    string            // "ingest", or the consumer that gave up
	Status   int               // the HTTP status the sender got, for ingest
	Problems string            // JSON array of validation problems, if any
	Received time.Time         // when it entered Vigie
	Header   map[string]string // everything the bus carried
}

// DeadLetterWriter stores dead letters.
type DeadLetterWriter interface {
	WriteDeadLetters(ctx context.Context, dls []DeadLetter) error
}

// Options configures a Runner.
type Options struct {
	Bus         Bus
	Store       AlertWriter      // required
	DeadLetters DeadLetterWriter // required
	Enrichers   []Enricher

	// BatchSize bounds the alerts written or published at once; default 1000.
	BatchSize int
	// BatchDelay is how long a batch waits to fill; default 50ms.
	BatchDelay time.Duration
	// Consume tunes the durable consumers; zero fields get the bus defaults,
	// except Concurrency, which defaults to BatchSize (one handler per
	// message of a batch in flight).
	Consume bus.ConsumeOptions
	Logger  *slog.Logger
}

// Durable consumer names: the bus remembers progress under these.
const (
	DurableEnrich      = "enrich"
	DurableStore       = "store"
	DurableDeadLetters = "deadletters"
)

// Runner runs the stages.
type Runner struct {
	opts Options
	log  *slog.Logger
}

// New checks opts and returns a Runner.
func New(opts Options) (*Runner, error) {
	if opts.Bus == nil || opts.Store == nil || opts.DeadLetters == nil {
		return nil, errors.New("pipeline: Bus, Store and DeadLetters are required")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.BatchDelay <= 0 {
		opts.BatchDelay = 50 * time.Millisecond
	}
	if opts.Consume.Concurrency <= 0 {
		opts.Consume.Concurrency = opts.BatchSize
	}
	if opts.Consume.MaxInFlight <= 0 {
		opts.Consume.MaxInFlight = 2 * opts.Consume.Concurrency
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{opts: opts, log: opts.Logger.With("component", "pipeline")}, nil
}

// Run runs every stage until ctx ends, then drains: in-flight messages are
// finished and acknowledged before Run returns.
func (r *Runner) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return r.runEnrich(ctx) })
	g.Go(func() error { return r.runStore(ctx) })
	g.Go(func() error { return r.runDeadLetters(ctx) })
	return g.Wait()
}

func (r *Runner) runEnrich(ctx context.Context) error {
	pub := NewBatcher(r.opts.BatchSize, r.opts.BatchDelay, func(ctx context.Context, ms []bus.Message) error {
		return r.opts.Bus.PublishBatch(ctx, ms)
	})
	defer pub.Close()
	err := r.opts.Bus.Consume(ctx, bus.SubjectIn, DurableEnrich, r.opts.Consume, func(ctx context.Context, d bus.Delivery) error {
		data := d.Data
		if len(r.opts.Enrichers) > 0 {
			a, err := idmefv2.Decode(d.Data)
			if err != nil {
				return bus.Permanent(fmt.Errorf("decode alert: %w", err))
			}
			for _, e := range r.opts.Enrichers {
				if err := e.Enrich(ctx, a); err != nil {
					r.log.Warn("enricher failed", "enricher", e.Name(), "alert", a.ID, "err", err)
				}
			}
			if data, err = idmefv2.Encode(a); err != nil {
				return bus.Permanent(fmt.Errorf("encode enriched alert: %w", err))
			}
		}
		return pub.Submit(ctx, bus.Message{Subject: bus.SubjectEnriched, Key: d.Key, Data: data, Header: d.Header})
	})
	if err != nil {
		return fmt.Errorf("enrich stage: %w", err)
	}
	return nil
}

func (r *Runner) runStore(ctx context.Context) error {
	w := NewBatcher(r.opts.BatchSize, r.opts.BatchDelay, r.opts.Store.WriteAlerts)
	defer w.Close()
	err := r.opts.Bus.Consume(ctx, bus.SubjectEnriched, DurableStore, r.opts.Consume, func(ctx context.Context, d bus.Delivery) error {
		a, err := idmefv2.Decode(d.Data)
		if err != nil {
			return bus.Permanent(fmt.Errorf("decode alert: %w", err))
		}
		return w.Submit(ctx, Record{Alert: a, Data: d.Data, Sender: d.Header[bus.HeaderSender], Received: receivedAt(d)})
	})
	if err != nil {
		return fmt.Errorf("store stage: %w", err)
	}
	return nil
}

func (r *Runner) runDeadLetters(ctx context.Context) error {
	w := NewBatcher(r.opts.BatchSize, r.opts.BatchDelay, r.opts.DeadLetters.WriteDeadLetters)
	defer w.Close()
	opts := r.opts.Consume
	opts.Concurrency = min(opts.Concurrency, 64)
	opts.MaxInFlight = 2 * opts.Concurrency
	err := r.opts.Bus.Consume(ctx, bus.SubjectDead, DurableDeadLetters, opts, func(ctx context.Context, d bus.Delivery) error {
		status, _ := strconv.Atoi(d.Header[bus.HeaderDeadStatus])
		return w.Submit(ctx, DeadLetter{
			Data:     d.Data,
			Reason:   d.Header[bus.HeaderDeadReason],
			Sender:   d.Header[bus.HeaderSender],
			Stage:    firstOf(d.Header[bus.HeaderDeadConsumer], d.Header[bus.HeaderDeadSubject]),
			Status:   status,
			Problems: d.Header[bus.HeaderDeadProblems],
			Received: receivedAt(d),
			Header:   d.Header,
		})
	})
	if err != nil {
		return fmt.Errorf("dead-letter stage: %w", err)
	}
	return nil
}

func receivedAt(d bus.Delivery) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, d.Header[bus.HeaderReceived]); err == nil {
		return t
	}
	return d.Published
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
