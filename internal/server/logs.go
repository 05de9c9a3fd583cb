package server

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigie-siem/vigie/idmefv2"
	"github.com/vigie-siem/vigie/idmefv2/transport"
	"github.com/vigie-siem/vigie/internal/bus"
	"github.com/vigie-siem/vigie/internal/config"
	"github.com/vigie-siem/vigie/internal/connectors"
	"github.com/vigie-siem/vigie/internal/ingest"
	"github.com/vigie-siem/vigie/internal/ingest/syslog"
	"github.com/vigie-siem/vigie/internal/ingest/tail"
	"github.com/vigie-siem/vigie/internal/logevent"
	"github.com/vigie-siem/vigie/internal/pipeline"
	"github.com/vigie-siem/vigie/internal/store"
)

// LogParser recognises log events and maps them to alerts (the parsing
// rules of internal/parse satisfy it). The syslog listener and the file
// inputs call it from their own goroutines: it must be safe for
// concurrent use. A batch the store or the bus refuses is handed again,
// so an event may be processed more than once.
type LogParser interface {
	// Process returns the alerts of ev and the ID of the rule that
	// recognised it. Nil alerts and "" ruleID: no rule matched. err: a rule
	// matched but its mapping failed; the event is dead-lettered with err
	// as the reason.
	Process(ev *logevent.Event) (alerts []*idmefv2.Alert, ruleID string, err error)
}

// eventWriter is the part of the store the log inputs need.
type eventWriter interface {
	PutEvents(ctx context.Context, evs []store.Event) error
}

// alertSink and rejecter are the ingest paths HTTP alerts take too.
type alertSink interface {
	Accept(ctx context.Context, msgs []transport.Message) error
}

type rejecter interface {
	Reject(ctx context.Context, rs []transport.Rejection) error
}

// logInputs are the syslog listener and the followed files, with what
// their events go through.
type logInputs struct {
	syslog *syslog.Server // nil when off
	tail   *tail.Follower // nil without files
	log    *slog.Logger
	base   logFlow // the flow with the configured parser, for imports

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// logFlow takes batches of events: parsing (when a parser is set), alerts
// onto the bus, failures to the dead letters, every event to the store.
type logFlow struct {
	parser LogParser // nil: events are only stored
	events eventWriter
	sink   alertSink
	dead   rejecter
	m      *logMetrics
}

// Handle implements syslog.Handler.
func (f *logFlow) Handle(ctx context.Context, evs []logevent.Event) error {
	return f.process(ctx, evs, nil)
}

// HandleLines implements tail.Handler.
func (f *logFlow) HandleLines(ctx context.Context, lines []tail.Line) error {
	evs := make([]logevent.Event, len(lines))
	nums := make([]int64, len(lines))
	for i, l := range lines {
		evs[i], nums[i] = l.Event, l.Number
	}
	return f.process(ctx, evs, nums)
}

// lineAware parsers learn each event's line number first (tool files
// derive alert IDs from it).
type lineAware interface{ atLine(n int64) }

func (f *logFlow) process(ctx context.Context, evs []logevent.Event, lines []int64) error {
	rows := make([]store.Event, len(evs))
	var msgs []transport.Message
	var rejects []transport.Rejection
	for i := range evs {
		ev := &evs[i]
		kind := inputKind(ev.Input)
		f.m.received.WithLabelValues(kind).Inc()
		if _, bad := ev.Structured[syslog.ParseErrorSDID][syslog.ParseErrorParam]; bad {
			f.m.unparsed.WithLabelValues(kind).Inc()
		} else {
			f.m.parsed.WithLabelValues(kind).Inc()
		}
		rows[i] = storeEvent(ev)
		if f.parser == nil {
			continue
		}
		where := ev.Input
		if lines != nil {
			where = fmt.Sprintf("%s:%d", strings.TrimPrefix(ev.Input, "file:"), lines[i])
			if la, ok := f.parser.(lineAware); ok {
				la.atLine(lines[i])
			}
		} else if ev.Peer != "" {
			where += " from " + ev.Peer
		}
		alerts, ruleID, err := f.parser.Process(ev)
		rows[i].RuleID = ruleID
		if err != nil {
			f.m.failed.WithLabelValues(kind).Inc()
			rejects = append(rejects, rejection(ev, ev.Raw, fmt.Sprintf("%s: %s", where, ruleErr(ruleID, err))))
			continue
		}
		if ruleID == "" && len(alerts) == 0 {
			continue
		}
		f.m.matched.WithLabelValues(kind).Inc()
		var ids []string
		for _, a := range alerts {
			if a == nil {
				continue
			}
			data, err := idmefv2.Encode(a)
			if err == nil {
				if rep := a.Validate(); !rep.Valid() {
					e := rep.Errors()[0]
					err = fmt.Errorf("invalid alert at %s: %s", e.Pointer, e.Message)
				}
			}
			if err != nil {
				f.m.failed.WithLabelValues(kind).Inc()
				if data == nil {
					data = ev.Raw
				}
				rejects = append(rejects, rejection(ev, data, fmt.Sprintf("%s: %s", where, ruleErr(ruleID, err))))
				continue
			}
			msgs = append(msgs, transport.Message{Data: data, Peer: inputPeer(ev), Received: ev.Received, Value: a})
			ids = append(ids, a.ID)
		}
		rows[i].AlertID = strings.Join(ids, ",")
	}
	if len(msgs) > 0 {
		if err := f.sink.Accept(ctx, msgs); err != nil {
			return fmt.Errorf("publish alerts of log events: %w", err)
		}
		f.m.alerts.Add(float64(len(msgs)))
	}
	if len(rejects) > 0 {
		if err := f.dead.Reject(ctx, rejects); err != nil {
			return err
		}
	}
	if err := f.events.PutEvents(ctx, rows); err != nil {
		return fmt.Errorf("store log events: %w", err)
	}
	return nil
}

func ruleErr(ruleID string, err error) string {
	if ruleID == "" {
		return err.Error()
	}
	return "rule " + ruleID + ": " + err.Error()
}

// inputPeer names the input as the sender of its alerts and dead letters
// (bus header "input:syslog/tcp", "input:file:/var/log/x").
func inputPeer(ev *logevent.Event) transport.Peer {
	return transport.Peer{Name: ev.Input, Method: "input", Addr: ev.Peer}
}

func rejection(ev *logevent.Event, data []byte, reason string) transport.Rejection {
	return transport.Rejection{
		Message: transport.Message{Data: data, Peer: inputPeer(ev), Received: ev.Received, Index: -1},
		Status:  http.StatusUnprocessableEntity,
		Reason:  reason,
	}
}

// inputKind is the metrics label of an input: files are not told apart,
// so that a glob cannot multiply the series.
func inputKind(input string) string {
	if strings.HasPrefix(input, "file:") {
		return "file"
	}
	return input
}

func storeEvent(ev *logevent.Event) store.Event {
	return store.Event{
		Time: ev.Time, Received: ev.Received, Input: ev.Input, Peer: ev.Peer,
		Host: ev.Hostname, App: ev.AppName, Facility: ev.Facility, Severity: ev.Severity,
		Message: ev.Message, Raw: ev.Raw,
	}
}

// toolParser converts the lines of a tool's file with its connector. Alert
// IDs are derived from the file, the line number and the line's content,
// so that a line read again (after a crash) gives the same IDs: the bus
// and the store then see a re-send, not a new alert.
type toolParser struct {
	tool string
	conv connectors.Converter
	seed [32]byte
	n    int
	line int64
}

func newToolParser(tool string) (*toolParser, error) {
	p := &toolParser{tool: tool}
	conv, ok := connectors.New(tool, connectors.Options{NewID: p.newID})
	if !ok {
		return nil, fmt.Errorf("unknown tool %q: want one of %s", tool, strings.Join(connectors.Names(), ", "))
	}
	p.conv = conv
	return p, nil
}

func (p *toolParser) atLine(n int64) { p.line = n }

func (p *toolParser) newID() (string, error) {
	p.n++
	return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%x/%d", p.seed, p.n)).String(), nil
}

// Process implements LogParser.
func (p *toolParser) Process(ev *logevent.Event) ([]*idmefv2.Alert, string, error) {
	p.seed = sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s", ev.Input, p.line, ev.Raw))
	p.n = 0
	a, err := p.conv.Convert(ev.Raw)
	rule := "tool:" + p.tool
	if err != nil {
		return nil, rule, err
	}
	if a == nil {
		return nil, "", nil // an event the connector filters out
	}
	return []*idmefv2.Alert{a}, rule, nil
}

type logMetrics struct {
	received, parsed, unparsed, matched, failed *prometheus.CounterVec
	alerts                                      prometheus.Counter
}

func newLogMetrics(reg prometheus.Registerer, queue func() float64) (*logMetrics, error) {
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vigie_log_events_" + name, Help: help}, []string{"input"})
	}
	m := &logMetrics{
		received: vec("received_total", "Log events received, by input (syslog/tcp, syslog/udp, syslog/tls, file, stdin)."),
		parsed:   vec("parsed_total", "Log events whose transport format parsed (syslog header, JSON line, text line)."),
		unparsed: vec("unparsed_total", "Log events kept as raw lines because their syslog header did not parse."),
		matched:  vec("matched_total", "Log events a parsing rule or tool connector recognised."),
		failed:   vec("failed_total", "Log events dead-lettered: a rule or connector matched but its mapping failed."),
		alerts: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigie_log_alerts_published_total",
			Help: "Alerts made from log events and published to the bus."}),
	}
	cs := []prometheus.Collector{m.received, m.parsed, m.unparsed, m.matched, m.failed, m.alerts}
	if queue != nil {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vigie_log_queue_depth",
			Help: "Syslog events waiting for parsing and storage."}, queue))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("log metrics: %w", err)
		}
	}
	return m, nil
}

// buildLogs builds the syslog listener and the file followers from the
// configuration and binds the listeners.
func (s *Server) buildLogs(parser LogParser) (err error) {
	cfg := s.cfg.Inputs
	s.logs = &logInputs{log: s.component("inputs")}
	var syslogSrv *syslog.Server
	queue := func() float64 {
		if syslogSrv == nil {
			return 0
		}
		return float64(syslogSrv.QueueDepth())
	}
	m, err := newLogMetrics(s.reg, queue)
	if err != nil {
		return err
	}
	base := logFlow{parser: parser, events: s.store, sink: ingest.NewSink(s.bus, s.ingestSubject, nil), dead: ingest.NewDeadLetters(s.bus), m: m}
	s.logs.base = base
	if cfg.Syslog.Enabled {
		sc := cfg.Syslog
		loc, err := time.LoadLocation(sc.Timezone)
		if err != nil {
			return fmt.Errorf("inputs.syslog.timezone: %w", err)
		}
		tlsCfg, err := serverTLS(sc.TLS)
		if err != nil {
			return fmt.Errorf("inputs.syslog.tls: %w", err)
		}
		flow := base
		if syslogSrv, err = syslog.New(syslog.Options{
			TCPAddr: sc.TCPAddr, UDPAddr: sc.UDPAddr, TLS: tlsCfg, Handler: &flow,
			MaxMessageBytes: int(sc.MaxMessageBytes), MaxConnections: sc.MaxConnections, IdleTimeout: sc.IdleTimeout.Std(),
			QueueSize: sc.QueueSize, BatchSize: cfg.BatchSize, Location: loc,
			Logger: s.component("syslog"), Registerer: s.reg,
		}); err != nil {
			return err
		}
		s.logs.syslog = syslogSrv
	}
	if len(cfg.Files) > 0 {
		specs, err := fileSpecs(cfg.Files, base)
		if err != nil {
			return err
		}
		flow := base
		if s.logs.tail, err = tail.New(tail.Options{
			Specs: specs, Handler: &flow, PositionsFile: filepath.Join(s.cfg.DataDir, "inputs", "positions.json"),
			Poll: cfg.FilePoll.Std(), BatchSize: cfg.BatchSize, Logger: s.component("tail"), Registerer: s.reg,
		}); err != nil {
			return err
		}
	}
	return nil
}

// fileSpecs turns inputs.files into follower specs; tool files get their
// own flow with the tool's connector as the parser.
func fileSpecs(files []config.FileInput, base logFlow) ([]tail.Spec, error) {
	specs := make([]tail.Spec, len(files))
	for i, fi := range files {
		specs[i] = tail.Spec{Path: fi.Path, Format: tail.Format(fi.Format), TimeField: fi.TimeField}
		if fi.Tool == "" {
			continue
		}
		p, err := newToolParser(fi.Tool)
		if err != nil {
			return nil, fmt.Errorf("inputs.files[%d].tool: %w", i, err)
		}
		flow := base
		flow.parser = p
		specs[i].Handler = &flow
	}
	return specs, nil
}

// start runs the inputs until stop.
func (l *logInputs) start(ctx context.Context) {
	ctx, l.cancel = context.WithCancel(context.WithoutCancel(ctx))
	if l.syslog != nil {
		l.log.Info("syslog listening", "tcp", addrString(l.syslog.TCPAddr()), "udp", addrString(l.syslog.UDPAddr()))
		l.wg.Go(func() {
			if err := l.syslog.Run(ctx); err != nil {
				l.log.Error("syslog stopped", "err", err)
			}
		})
	}
	if l.tail != nil {
		l.wg.Go(func() {
			if err := l.tail.Run(ctx); err != nil {
				l.log.Error("file inputs stopped", "err", err)
			}
		})
	}
}

// stop stops reading, hands what was read to the flow and waits for it,
// up to timeout.
func (l *logInputs) stop(timeout time.Duration) {
	if l == nil || l.cancel == nil {
		return
	}
	l.cancel()
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		l.log.Warn("log inputs did not stop in time", "timeout", timeout)
	}
}

// close releases the listeners of inputs that never ran.
func (l *logInputs) close() {
	if l == nil || l.cancel != nil || l.syslog == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = l.syslog.Run(ctx) // closes the listeners at once
}

// SyslogTCPAddr and SyslogUDPAddr are the syslog listeners' addresses;
// nil when off.
func (s *Server) SyslogTCPAddr() net.Addr {
	if s.logs == nil || s.logs.syslog == nil {
		return nil
	}
	return s.logs.syslog.TCPAddr()
}

// SyslogUDPAddr: see SyslogTCPAddr.
func (s *Server) SyslogUDPAddr() net.Addr {
	if s.logs == nil || s.logs.syslog == nil {
		return nil
	}
	return s.logs.syslog.UDPAddr()
}

// retainEvents applies events.retention; run by the maintenance loop.
func (s *Server) retainEvents(ctx context.Context) {
	ret := s.cfg.Events.Retention
	if ret.MaxAge <= 0 && ret.MaxSize <= 0 {
		return
	}
	n, err := s.store.RetainEvents(ctx, store.EventRetention{MaxAge: ret.MaxAge.Std(), MaxBytes: int64(ret.MaxSize)})
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		s.log.Error("event retention", "err", err)
	case n > 0:
		s.log.Debug("event retention", "deleted", n)
	}
}

// ImportLogs reads r once (a file, stdin) through the same path as the
// log inputs: input names it (e.g. "file:/var/log/auth.log"); a tool
// converts its lines with that connector instead of the parsing rules. It
// returns the number of lines read.
func (s *Server) ImportLogs(ctx context.Context, r io.Reader, input string, in config.FileInput) (int64, error) {
	flow := s.logs.base
	if in.Tool != "" {
		p, err := newToolParser(in.Tool)
		if err != nil {
			return 0, err
		}
		flow.parser = p
	}
	spec := tail.Spec{Format: tail.Format(in.Format), TimeField: in.TimeField}
	return tail.ReadAll(ctx, r, input, spec, &flow, s.cfg.Inputs.BatchSize)
}

// WaitDrained waits until the pipeline stages have nothing pending, so
// that what was published is stored.
func (s *Server) WaitDrained(ctx context.Context) error {
	stages := []struct{ subject, durable string }{
		{bus.SubjectIn, pipeline.DurableEnrich}, {bus.SubjectEnriched, pipeline.DurableStore}, {bus.SubjectDead, pipeline.DurableDeadLetters},
	}
	for {
		busy := false
		for _, st := range stages {
			n, err := s.bus.Pending(ctx, st.subject, st.durable)
			if err != nil {
				return fmt.Errorf("pending on %s: %w", st.subject, err)
			}
			busy = busy || n > 0
		}
		if !busy {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func addrString(a net.Addr) string {
	if a == nil {
		return "off"
	}
	return a.String()
}
