package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/auth"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/bus/nats"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/correlate"
	"github.com/vigie-siem/vigie/internal/ingest"
	"github.com/vigie-siem/vigie/internal/pipeline"
	"github.com/vigie-siem/vigie/internal/store"
	"github.com/vigie-siem/vigie/internal/store/sqlite"
)

// Options configures New.
type Options struct {
	// Config is the validated configuration.
	Config *config.Config
	// Logger receives every component's logs.
	Logger *slog.Logger
	// Notice receives what an operator must see once at start (the
	// generated admin password, the addresses); default os.Stderr.
	Notice io.Writer
	// Getenv reads VIGIE_ADMIN_PASSWORD; default os.Getenv.
	Getenv func(string) string
	// LogParser recognises log events (syslog, files); nil: log events are
	// only kept in the raw-event store.
	LogParser LogParser
}

// Server is an assembled Vigie.
type Server struct {
	cfg    *config.Config
	log    *slog.Logger
	notice io.Writer
	reg    *prometheus.Registry

	store  *sqlite.Store
	bus    *nats.Bus
	auth   *auth.Service
	runner *pipeline.Runner
	logs   *logInputs

	correlator  *correlate.Engine // nil when correlation is off
	correlation *correlate.Stage
	enrich      *Enrichment
	// ingestSubject is where ingest and the log inputs publish alerts
	// (pipeline.IngestSubject).
	ingestSubject string
	// admission holds ingest requests while the pipeline is behind; nil
	// without pipeline.max_lag and pipeline.max_latency.
	admission *ingest.LagLimit

	ingestLn, apiLn   net.Listener
	ingestSrv, apiSrv *http.Server
	ready             atomic.Bool
}

// New opens the store and the bus, makes sure an admin account exists,
// builds every component and binds the listeners, so that configuration and
// port problems surface before Run.
func New(ctx context.Context, opts Options) (_ *Server, err error) {
	cfg := opts.Config
	if opts.Notice == nil {
		opts.Notice = os.Stderr
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: opts.Logger, notice: opts.Notice, reg: prometheus.NewRegistry()}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	defer func() {
		if err != nil {
			s.closeAll(context.WithoutCancel(ctx))
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}

	if s.store, err = sqlite.Open(ctx, sqlite.Options{Path: cfg.StorePath(), Logger: s.component("store"), Registerer: s.reg}); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	// The bus names its own log component.
	if s.bus, err = openBus(ctx, cfg, s.log, s.reg); err != nil {
		return nil, fmt.Errorf("open bus: %w", err)
	}
	if s.auth, err = newAuth(cfg, s.store, s.component("auth"), s.reg); err != nil {
		return nil, err
	}
	if err := s.bootstrapAdmin(ctx, opts.Getenv); err != nil {
		return nil, err
	}
	// Enrichment first: whether there is any decides where ingest publishes.
	if s.enrich, err = BuildEnrichment(ctx, cfg, s.component("enrich"), s.reg); err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	s.ingestSubject = pipeline.IngestSubject(s.enrich.enrichers())
	if err := s.buildIngest(); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	parser := opts.LogParser
	if parser == nil {
		var sets []string
		if parser, sets, err = buildParser(cfg); err != nil {
			return nil, err
		}
		s.component("inputs").Info("parsing rules loaded", "rule_sets", len(sets))
	}
	if err := s.buildLogs(parser); err != nil {
		return nil, fmt.Errorf("log inputs: %w", err)
	}
	if s.runner, err = pipeline.New(pipeline.Options{
		Bus:         s.bus,
		Store:       alertWriter{st: s.store},
		DeadLetters: deadLetterWriter{st: s.store},
		Enrichers:   s.enrich.enrichers(),
		BatchSize:   cfg.Store.BatchSize,
		BatchDelay:  cfg.Store.FlushInterval.Std(),
		Consume: bus.ConsumeOptions{
			AckWait: cfg.Bus.AckWait.Std(), MaxDeliver: cfg.Bus.MaxDeliver,
			Concurrency: cfg.Pipeline.Workers, MaxBatch: min(cfg.Pipeline.FetchBatch, max(cfg.Store.BatchSize, 1)),
		},
		Logger: opts.Logger,
	}); err != nil {
		return nil, err
	}
	if err := s.buildCorrelation(); err != nil {
		return nil, err
	}
	if err := s.buildAPI(); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	return s, nil
}

func (s *Server) component(name string) *slog.Logger { return s.log.With("component", name) }

func openBus(ctx context.Context, cfg *config.Config, log *slog.Logger, reg prometheus.Registerer) (*nats.Bus, error) {
	streams := bus.DefaultStreams()
	for i := range streams {
		streams[i].MaxBytes = int64(cfg.Bus.Stream.MaxBytes)
		streams[i].MaxMsgs = cfg.Bus.Stream.MaxMsgs
		streams[i].MaxAge = cfg.Bus.Stream.MaxAge.Std()
		streams[i].DuplicateWindow = cfg.Bus.Stream.DedupWindow.Std()
	}
	opts := nats.Options{URL: cfg.Bus.URL, CredsFile: cfg.Bus.CredsFile, Prefix: cfg.Bus.SubjectPrefix, Streams: streams,
		Pack: cfg.Bus.Pack, CompressPacks: cfg.Bus.CompressPacks, Logger: log, Registerer: reg}
	if cfg.Bus.URL == "" {
		opts.DataDir = cfg.BusDir()
	}
	return nats.Open(ctx, opts)
}

// bootstrapAdmin creates the first admin when there is none, with
// VIGIE_ADMIN_PASSWORD or a generated password printed once.
func (s *Server) bootstrapAdmin(ctx context.Context, getenv func(string) string) error {
	res, err := s.auth.Bootstrap(ctx, auth.BootstrapOptions{Password: auth.Secret(getenv(auth.AdminPasswordEnv))})
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	switch {
	case !res.Created:
	case res.Password != "":
		fmt.Fprintf(s.notice, "\nCreated the first admin account.\n  user:     %s\n  password: %s\nThis password is shown once: keep it now.\n\n", res.Name, string(res.Password))
	case res.Weak != "":
		s.log.Warn("first admin created with a password from "+auth.AdminPasswordEnv+" that does not meet the password policy", "user", res.Name, "policy", res.Weak)
	default:
		s.log.Info("first admin created with the password from "+auth.AdminPasswordEnv, "user", res.Name)
	}
	return nil
}

func (s *Server) buildIngest() error {
	cfg := s.cfg.Ingest
	// IDOnly: the sink needs only each alert's ID (its bus key), and the
	// pipeline decodes the alert again from the bus.
	v, err := ingest.NewValidator(ingest.ValidatorOptions{Upgrade: cfg.Drafts.Upgrade, Lenient: cfg.Drafts.Lenient, RequireCurrent: true, IDOnly: true})
	if err != nil {
		return err
	}
	var limit *ingest.LagLimit
	if pl := s.cfg.Pipeline; pl.MaxLag > 0 || pl.MaxLatency > 0 {
		chain, branches := s.lagStages()
		if limit, err = ingest.NewLagLimit(ingest.LagLimitOptions{
			Lag: s.bus, MaxPending: uint64(pl.MaxLag), MaxLatency: time.Duration(pl.MaxLatency), Logger: s.component("ingest"),
			Stages: chain, Branches: branches, MaxWait: pl.MaxAdmissionWait.Std(), Registerer: s.reg,
		}); err != nil {
			return err
		}
		s.admission = limit
	}
	opts := transport.Options{
		Sink:            ingest.NewSink(s.bus, s.ingestSubject, limit),
		Validator:       v,
		Rejecter:        ingest.NewDeadLetters(s.bus),
		MaxMessageBytes: int64(cfg.MaxMessageBytes),
		MaxBatchBytes:   int64(cfg.MaxBatchBytes),
		MaxBatchItems:   cfg.MaxBatchItems,
		Logger:          s.component("ingest"),
		Registerer:      s.reg,
	}
	switch cfg.Auth {
	case "none":
		s.log.Warn("ingest accepts alerts from anyone: ingest.auth is none")
	default:
		opts.Auth = s.auth.IngestAuthenticator(auth.IngestOptions{ClientCerts: cfg.TLS.ClientCA != ""})
	}
	if cfg.RateLimit.Rate > 0 {
		l, err := transport.NewRateLimiter(transport.RateLimitOptions{Rate: cfg.RateLimit.Rate, Burst: cfg.RateLimit.Burst, MaxPeers: cfg.RateLimit.MaxSensors})
		if err != nil {
			return fmt.Errorf("ingest.rate_limit: %w", err)
		}
		opts.Limiter = l
	}
	h, err := transport.NewHandler(opts)
	if err != nil {
		return err
	}
	tlsCfg, err := serverTLS(cfg.TLS)
	if err != nil {
		return err
	}
	if s.ingestLn, err = listen(cfg.Addr, tlsCfg); err != nil {
		return err
	}
	s.ingestSrv = transport.NewServer(h, transport.ServerOptions{TLS: tlsCfg, Logger: s.component("ingest")})
	return nil
}

func listen(addr string, tlsCfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	return ln, nil
}

// IngestAddr is the address ingest listens on.
func (s *Server) IngestAddr() net.Addr { return s.ingestLn.Addr() }

// APIAddr is the address the REST API (and later the UI) listens on.
func (s *Server) APIAddr() net.Addr { return s.apiLn.Addr() }

// Run serves until ctx ends, then shuts down in order (see the package
// documentation) and closes everything New opened.
func (s *Server) Run(ctx context.Context) error {
	errc := make(chan error, 4)
	serve := func(name string, srv *http.Server, ln net.Listener) {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("%s: %w", name, err)
		}
	}
	go serve("api", s.apiSrv, s.apiLn)

	pctx, stopPipeline := context.WithCancel(context.WithoutCancel(ctx))
	pipeDone := make(chan error, 1)
	go func() { pipeDone <- s.runPipeline(pctx) }()
	mctx, stopMaint := context.WithCancel(ctx)
	maintDone := make(chan struct{})
	go func() { s.maintain(mctx); close(maintDone) }()

	// Admission runs before ingest serves, so that requests can be held
	// from the start, and stops before ingest shuts down (below).
	actx, stopAdmission := context.WithCancel(ctx)
	admissionDone := make(chan struct{})
	go func() {
		if s.admission != nil {
			_ = s.admission.Run(actx)
		}
		close(admissionDone)
	}()
	go serve("ingest", s.ingestSrv, s.ingestLn)
	s.logs.start(ctx)
	s.ready.Store(true)
	s.log.Info("vigie is running", "ingest", s.IngestAddr().String(), "api", s.APIAddr().String(), "data_dir", s.cfg.DataDir)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	case err := <-pipeDone:
		runErr = fmt.Errorf("pipeline stopped: %w", err)
		pipeDone <- nil
	}
	s.ready.Store(false)
	timeout := s.cfg.Pipeline.ShutdownTimeout.Std()
	shutdown := func(srv *http.Server) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	// Held ingest requests are refused (503) rather than make the ingest
	// shutdown wait up to pipeline.max_admission_wait for them.
	stopAdmission()
	<-admissionDone
	// Ingest first: after this, no sender gets a 2xx for anything not on the bus.
	shutdown(s.ingestSrv)
	s.logs.stop(timeout)
	// Then the pipeline drains what is in flight.
	stopPipeline()
	select {
	case err := <-pipeDone:
		// A stop asked for while a stage was still starting ends it with
		// context.Canceled: that is a clean stop, not a failure.
		if err != nil && runErr == nil && !errors.Is(err, context.Canceled) {
			runErr = err
		}
	case <-time.After(timeout):
		s.log.Warn("pipeline did not drain in time; unacknowledged messages will be redelivered", "timeout", timeout)
	}
	stopMaint()
	<-maintDone
	shutdown(s.apiSrv)
	// The bus and the store last: everything above uses them.
	s.closeAll(context.WithoutCancel(ctx))
	s.log.Info("vigie stopped")
	return runErr
}

// closeAll closes what New opened, in reverse order.
func (s *Server) closeAll(ctx context.Context) {
	s.logs.close()
	for _, ln := range []net.Listener{s.ingestLn, s.apiLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
	s.enrich.Close()
	if s.bus != nil {
		if err := s.bus.Close(ctx); err != nil {
			s.log.Error("close bus", "err", err)
		}
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.log.Error("close store", "err", err)
		}
	}
}

// maintain runs retention and the session purge periodically.
func (s *Server) maintain(ctx context.Context) {
	ret := s.cfg.Store.Retention
	interval := ret.Interval.Std()
	if interval <= 0 {
		interval = time.Hour
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.maintainOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) maintainOnce(ctx context.Context) {
	s.retainEvents(ctx) // first: the alert pass measures, and vacuums, the whole file
	ret := s.cfg.Store.Retention
	if ret.MaxAge > 0 || ret.MaxSize > 0 {
		res, err := s.store.Retain(ctx, store.RetentionPolicy{MaxAge: ret.MaxAge.Std(), MaxBytes: int64(ret.MaxSize)})
		if err != nil {
			s.log.Error("retention", "err", err)
		} else {
			s.log.Debug("retention", "result", res)
		}
	}
	if n, err := s.auth.PurgeSessions(ctx); err != nil {
		s.log.Error("purge sessions", "err", err)
	} else if n > 0 {
		s.log.Debug("purged sessions", "count", n)
	}
}

// IssueSensorToken creates an ingest token for sensor name, revoking the
// earlier tokens of that sensor, and returns its secret. vigie demo uses it
// so that its generator authenticates like any sensor.
func (s *Server) IssueSensorToken(ctx context.Context, name string) (auth.Secret, error) {
	system := auth.Principal{Name: "vigie", Role: auth.RoleAdmin, Kind: auth.KindBasic}
	tokens, err := s.auth.ListTokens(ctx, system)
	if err != nil {
		return "", fmt.Errorf("list tokens: %w", err)
	}
	for _, t := range tokens {
		if t.Sensor == name && t.RevokedAt.IsZero() {
			if err := s.auth.RevokeToken(ctx, system, t.ID); err != nil {
				return "", fmt.Errorf("revoke token %s: %w", t.ID, err)
			}
		}
	}
	secret, _, err := s.auth.CreateToken(ctx, system, auth.TokenRequest{
		Name: fmt.Sprintf("%s-%d", name, time.Now().UnixNano()), Role: auth.RoleSensor, Sensor: name,
	})
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return secret, nil
}

// Stats returns the store's totals, for status displays.
func (s *Server) Stats(ctx context.Context) (store.Stats, error) {
	return s.store.Stats(ctx, store.Filter{})
}

// URLHost is addr as a host:port a local client can use: a wildcard listen
// address ("[::]:8080", "0.0.0.0:8080") becomes "localhost:8080".
func URLHost(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
