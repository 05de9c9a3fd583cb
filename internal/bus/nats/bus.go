package nats

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/internal/bus"
)

// Bus is the NATS JetStream implementation of the Vigie bus. It is safe for
// concurrent use. Open it with Open and release it with Close.
type Bus struct {
	opts    Options
	log     *slog.Logger
	names   names
	streams map[string]stream // by logical subject
	metrics *metrics

	ns     *server.Server // nil for an external server
	nc     *nats.Conn
	js     jetstream.JetStream
	closed chan struct{} // closed by the connection's ClosedHandler

	closeOnce sync.Once
	closeErr  error

	// packs recycles pack payloads (*[]byte): PublishBatch puts one back
	// once its pack is acknowledged, when the client no longer holds it.
	packs sync.Pool
}

var (
	_ bus.Publisher = (*Bus)(nil)
	_ bus.Consumer  = (*Bus)(nil)
)

// stream is a declared stream with its NATS names and per-subject counters.
type stream struct {
	cfg     bus.Stream
	subject string // NATS subject
	name    string // NATS stream name

	published, duplicates, publishErrs, backpressure prometheus.Counter
	fill                                             *fill
}

// fill counts what this process stored on a stream: NATS messages and the
// bus messages they carried, so that a count of pending NATS messages can
// be told in bus messages (see Pending).
type fill struct {
	units, members atomic.Uint64
}

// perUnit is the mean number of bus messages per NATS message published so
// far (1 before any publish).
func (f *fill) perUnit() float64 {
	u := f.units.Load()
	if u == 0 {
		return 1
	}
	return float64(f.members.Load()) / float64(u)
}

// Open starts the embedded server (when opts.URL is empty) or connects to the
// external one, then creates or updates the configured streams. ctx bounds
// the stream set-up.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	b := &Bus{
		opts:    opts,
		log:     opts.Logger.With("component", "bus"),
		names:   names{prefix: opts.Prefix},
		streams: make(map[string]stream, len(opts.Streams)),
		metrics: m,
		closed:  make(chan struct{}),
		packs:   sync.Pool{New: func() any { return new([]byte) }},
	}
	if opts.URL == "" {
		if b.ns, err = startEmbedded(opts); err != nil {
			return nil, err
		}
	}
	if err := b.connect(); err != nil {
		b.stopServer(ctx)
		return nil, err
	}
	if err := b.ensureStreams(ctx); err != nil {
		_ = b.Close(ctx)
		return nil, err
	}
	b.log.Info("bus open", "engine", b.engine(), "options", opts)
	return b, nil
}

func (b *Bus) engine() string {
	if b.ns != nil {
		return "nats-embedded"
	}
	return "nats"
}

func (b *Bus) connect() error {
	o := b.opts
	copts := []nats.Option{
		nats.Name(o.Name),
		nats.Timeout(o.ConnectTimeout),
		nats.MaxReconnects(-1), // a restarting server must not end the process's bus
		nats.DrainTimeout(o.RequestTimeout),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("bus disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("bus reconnected", "server", nc.ConnectedUrlRedacted()) }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = sub.Subject
			}
			b.log.Error("bus async error", "subject", subject, "err", err)
		}),
	}
	url := o.URL
	if b.ns != nil {
		url = ""
		copts = append(copts, nats.InProcessServer(b.ns))
	}
	if o.Token != "" {
		copts = append(copts, nats.Token(o.Token))
	}
	if o.CredsFile != "" {
		copts = append(copts, nats.UserCredentials(o.CredsFile))
	}
	if o.TLS != nil {
		copts = append(copts, nats.Secure(o.TLS))
	}
	nc, err := nats.Connect(url, copts...)
	if err != nil {
		return fmt.Errorf("connect to nats %s: %w", redactURLs(o.URL), err)
	}
	js, err := jetstream.New(nc,
		jetstream.WithDefaultTimeout(o.RequestTimeout),
		jetstream.WithPublishAsyncMaxPending(asyncMaxPending),
		jetstream.WithPublishAsyncTimeout(o.RequestTimeout),
	)
	if err != nil {
		nc.Close()
		return fmt.Errorf("jetstream: %w", err)
	}
	b.nc, b.js = nc, js
	return nil
}

// asyncMaxPending bounds unacknowledged asynchronous publishes per Bus.
const asyncMaxPending = 4096

// ensureStreams creates each configured stream or updates its limits.
func (b *Bus) ensureStreams(ctx context.Context) error {
	for _, s := range b.opts.Streams {
		st := stream{
			cfg:          s,
			subject:      b.names.subject(s.Subject),
			name:         b.names.stream(s.Subject),
			published:    b.metrics.published.WithLabelValues(s.Subject),
			duplicates:   b.metrics.duplicates.WithLabelValues(s.Subject),
			publishErrs:  b.metrics.publishErrs.WithLabelValues(s.Subject),
			backpressure: b.metrics.backpressure.WithLabelValues(s.Subject),
			fill:         &fill{},
		}
		cfg := jetstream.StreamConfig{
			Name:       st.name,
			Subjects:   []string{st.subject},
			Retention:  jetstream.LimitsPolicy,
			Discard:    jetstream.DiscardNew, // full means back-pressure, not loss
			Storage:    jetstream.FileStorage,
			Replicas:   b.opts.Replicas,
			MaxMsgs:    s.MaxMsgs,
			MaxBytes:   s.MaxBytes,
			MaxAge:     max(s.MaxAge, 0), // NATS: 0 is unlimited
			Duplicates: s.DuplicateWindow,
		}
		if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("create or update stream %s (subject %s): %w", st.name, st.subject, err)
		}
		b.streams[s.Subject] = st
	}
	return nil
}

func (b *Bus) stream(subject string) (stream, error) {
	st, ok := b.streams[subject]
	if !ok {
		return stream{}, fmt.Errorf("subject %q: %w", subject, bus.ErrUnknownSubject)
	}
	return st, nil
}

// Close drains the connection (pending publishes and acknowledgements are
// flushed, subscriptions end, so running Consume calls return) and stops the
// embedded server. Close the bus after the stages that use it have stopped.
// Calling Close again returns the first result.
func (b *Bus) Close(ctx context.Context) error {
	b.closeOnce.Do(func() { b.closeErr = b.close(ctx) })
	return b.closeErr
}

func (b *Bus) close(ctx context.Context) error {
	var errs []error
	if err := b.nc.Drain(); err != nil {
		b.nc.Close()
	}
	select {
	case <-b.closed:
	case <-ctx.Done():
		b.nc.Close()
		errs = append(errs, fmt.Errorf("drain nats connection: %w", ctx.Err()))
	case <-time.After(b.opts.ConnectTimeout):
		b.nc.Close()
	}
	if err := b.stopServer(ctx); err != nil {
		errs = append(errs, err)
	}
	b.log.Info("bus closed", "engine", b.engine())
	if len(errs) > 0 {
		return fmt.Errorf("close bus: %v", errs)
	}
	return nil
}

func (b *Bus) stopServer(ctx context.Context) error {
	if b.ns == nil {
		return nil
	}
	return stopEmbedded(ctx, b.ns)
}
