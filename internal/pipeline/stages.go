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
	Alert *idmefv2.Alert
	Data  []byte // the alert's JSON as carried by the bus
	// Canonical: Data is exactly idmefv2.Encode(Alert), so that a writer
	// may keep it instead of encoding Alert again.
	Canonical bool
	Sender    string    // who sent it into Vigie (bus.HeaderSender)
	Received  time.Time // when ingest received it (zero if unknown)
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

	// BatchSize bounds the alerts each stage handles, writes or publishes
	// at once; default 1000.
	BatchSize int
	// BatchDelay is how long a batch waits to fill before it is handled as
	// it is; default 50ms. Under load batches fill before it expires.
	BatchDelay time.Duration
	// Consume tunes the durable consumers; zero fields get the bus
	// defaults, except MaxBatch and MaxBatchWait (BatchSize and BatchDelay)
	// and Concurrency, which defaults to 2 batches in flight per stage, so
	// that a stage gathers and decodes the next batch while the previous
	// one is being written.
	Consume bus.ConsumeOptions
	Logger  *slog.Logger
}

// Durable consumer names: the bus remembers progress under these.
const (
	DurableEnrich      = "enrich"
	DurableStore       = "store"
	DurableDeadLetters = "deadletters"
)

// IngestSubject is where ingest publishes the alerts it accepts, given the
// enrichers a Runner is built with: alerts.in when there are enrichers, so
// that the enrich stage enriches them; alerts.enriched when there are none,
// since the enrich stage would only copy each alert from alerts.in to
// alerts.enriched unchanged, at the price of a whole bus hop (a store on the
// bus, a delivery and an acknowledgement per pack). The enrich stage runs
// either way and forwards whatever reaches alerts.in: a backlog left by a
// previous configuration, and the alerts the correlation stage emits.
func IngestSubject(enrichers []Enricher) string {
	if len(enrichers) == 0 {
		return bus.SubjectEnriched
	}
	return bus.SubjectIn
}

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
		opts.Consume.Concurrency = 2
	}
	if opts.Consume.MaxBatch <= 0 {
		opts.Consume.MaxBatch = opts.BatchSize
	}
	if opts.Consume.MaxBatchWait <= 0 {
		opts.Consume.MaxBatchWait = opts.BatchDelay
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
	err := r.opts.Bus.ConsumeBatch(ctx, bus.SubjectIn, DurableEnrich, r.opts.Consume, r.enrichBatch)
	if err != nil {
		return fmt.Errorf("enrich stage: %w", err)
	}
	return nil
}

// enrichBatch enriches a batch and publishes it to alerts.enriched; each
// delivery is done once its enriched alert is stored on the bus.
func (r *Runner) enrichBatch(ctx context.Context, ds []bus.Delivery) error {
	errs := make([]error, len(ds))
	out := make([]bus.Message, 0, len(ds))
	from := make([]int, 0, len(ds)) // out[j] comes from ds[from[j]]
	for i, d := range ds {
		data, err := r.enrich(ctx, d.Data)
		if err != nil {
			errs[i] = err
			continue
		}
		out = append(out, bus.Message{Subject: bus.SubjectEnriched, Key: d.Key, Data: data, Header: d.Header})
		from = append(from, i)
	}
	if len(out) > 0 {
		perMessage(r.opts.Bus.PublishBatch(ctx, out), from, errs)
	}
	return bus.BatchErrors(errs)
}

// enrich runs the enrichers on one alert.
func (r *Runner) enrich(ctx context.Context, data []byte) ([]byte, error) {
	if len(r.opts.Enrichers) == 0 {
		return data, nil
	}
	// A delivery's data is its own (never reused): the alert may share it.
	a, err := idmefv2.DecodeShared(data)
	if err != nil {
		return nil, bus.Permanent(fmt.Errorf("decode alert: %w", err))
	}
	for _, e := range r.opts.Enrichers {
		if err := e.Enrich(ctx, a); err != nil {
			r.log.Warn("enricher failed", "enricher", e.Name(), "alert", a.ID, "err", err)
		}
	}
	// Room for what enrichers typically add, so that the encoding is one
	// allocation.
	if data, err = idmefv2.AppendEncode(make([]byte, 0, len(data)+512), a); err != nil {
		return nil, bus.Permanent(fmt.Errorf("encode enriched alert: %w", err))
	}
	return data, nil
}

// perMessage spreads the result of an operation on a subset of a batch
// (ds[from[j]] for each j) over errs: a *bus.BatchError entry by entry, any
// other error to every member of the subset.
func perMessage(err error, from []int, errs []error) {
	if err == nil {
		return
	}
	var be *bus.BatchError
	if errors.As(err, &be) && len(be.Errs) == len(from) {
		for j, e := range be.Errs {
			errs[from[j]] = e
		}
		return
	}
	for _, i := range from {
		errs[i] = err
	}
}

func (r *Runner) runStore(ctx context.Context) error {
	err := r.opts.Bus.ConsumeBatch(ctx, bus.SubjectEnriched, DurableStore, r.opts.Consume, r.storeBatch)
	if err != nil {
		return fmt.Errorf("store stage: %w", err)
	}
	return nil
}

// storeBatch writes a batch of alerts in one store transaction; an alert
// that does not decode is dead-lettered, the others are written.
func (r *Runner) storeBatch(ctx context.Context, ds []bus.Delivery) error {
	errs := make([]error, len(ds))
	recs := make([]Record, 0, len(ds))
	from := make([]int, 0, len(ds))
	var rt receivedTimes
	for i, d := range ds {
		a, canonical, err := idmefv2.DecodeSharedCanonical(d.Data) // the record keeps d.Data anyway
		if err != nil {
			errs[i] = bus.Permanent(fmt.Errorf("decode alert: %w", err))
			continue
		}
		recs = append(recs, Record{Alert: a, Data: d.Data, Canonical: canonical, Sender: d.Header[bus.HeaderSender], Received: rt.of(d)})
		from = append(from, i)
	}
	if len(recs) > 0 {
		perMessage(r.opts.Store.WriteAlerts(ctx, recs), from, errs)
	}
	return bus.BatchErrors(errs)
}

func (r *Runner) runDeadLetters(ctx context.Context) error {
	opts := r.opts.Consume
	opts.Concurrency = 1
	err := r.opts.Bus.ConsumeBatch(ctx, bus.SubjectDead, DurableDeadLetters, opts, func(ctx context.Context, ds []bus.Delivery) error {
		dls := make([]DeadLetter, len(ds))
		for i, d := range ds {
			status, _ := strconv.Atoi(d.Header[bus.HeaderDeadStatus])
			dls[i] = DeadLetter{
				Data:     d.Data,
				Reason:   d.Header[bus.HeaderDeadReason],
				Sender:   d.Header[bus.HeaderSender],
				Stage:    firstOf(d.Header[bus.HeaderDeadConsumer], d.Header[bus.HeaderDeadSubject]),
				Status:   status,
				Problems: d.Header[bus.HeaderDeadProblems],
				Received: receivedAt(d),
				Header:   d.Header,
			}
		}
		return r.opts.DeadLetters.WriteDeadLetters(ctx, dls)
	})
	if err != nil {
		return fmt.Errorf("dead-letter stage: %w", err)
	}
	return nil
}

// receivedTimes is receivedAt remembering the last header it parsed: the
// alerts of one ingest request, which come together, share it.
type receivedTimes struct {
	header string
	t      time.Time
	ok     bool
}

func (r *receivedTimes) of(d bus.Delivery) time.Time {
	h := d.Header[bus.HeaderReceived]
	if !r.ok || h != r.header {
		t, err := time.Parse(time.RFC3339Nano, h)
		if err != nil {
			return d.Published
		}
		r.header, r.t, r.ok = h, t, true
	}
	return r.t
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
