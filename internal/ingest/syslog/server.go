package syslog

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/vigie-siem/vigie/internal/logevent"
)

// Handler receives events in batches. An error is logged and the batch
// retried (see Options.Retries): the queue stays full meanwhile, which
// slows TCP senders down.
type Handler interface {
	Handle(ctx context.Context, evs []logevent.Event) error
}

// Options configures New. Zero values mean the defaults stated.
type Options struct {
	// TCPAddr and UDPAddr are listen addresses; empty disables that
	// listener. With TLS, the TCP listener speaks TLS (RFC 5425).
	TCPAddr, UDPAddr string
	TLS              *tls.Config
	// Handler receives the events (required).
	Handler Handler
	// MaxMessageBytes cuts longer messages (counted); 0 means 64 KiB.
	MaxMessageBytes int
	// MaxConnections bounds the TCP connections at once; further ones
	// are closed at once (counted); 0 means 1024.
	MaxConnections int
	// IdleTimeout closes a TCP connection silent that long; 0 means 5 min.
	IdleTimeout time.Duration
	// QueueSize is the events buffered between the listeners and the
	// handler; 0 means 8192.
	QueueSize int
	// BatchSize and BatchDelay bound a batch; 0 means 500 and 200 ms.
	BatchSize  int
	BatchDelay time.Duration
	// Retries is how many times a failed batch is handed again before
	// its events are counted as lost; 0 means 5.
	Retries int
	// Location is the time zone of RFC 3164 timestamps; nil means UTC.
	Location *time.Location
	// Logger and Registerer: nil discards and registers nothing.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock of Event.Received; nil means time.Now.
	Now func() time.Time
}

// udpReadBuffer is the socket receive buffer asked for the UDP listener.
const udpReadBuffer = 4 << 20

// Server is a running set of syslog listeners.
type Server struct {
	opts  Options
	log   *slog.Logger
	m     *metrics
	tcp   net.Listener
	udp   net.PacketConn
	queue chan logevent.Event
	sem   chan struct{}

	mu    sync.Mutex
	conns map[net.Conn]struct{}

	// Warnings caused by peers (refused connections, failed TLS
	// handshakes, framing errors): anyone who can reach the port can cause
	// them, so each kind is logged at most once per peerWarnEvery; the
	// metrics count every one.
	warnRefused, warnTLS, warnFraming rate.Sometimes
}

// peerWarnEvery is the least interval between two warnings of one kind
// caused by peers.
const peerWarnEvery = 10 * time.Second

// New binds the listeners, so that address problems surface before Run.
func New(opts Options) (*Server, error) {
	if opts.Handler == nil {
		return nil, errors.New("syslog: Options.Handler is required")
	}
	if opts.TCPAddr == "" && opts.UDPAddr == "" {
		return nil, errors.New("syslog: no listen address")
	}
	setDefaults(&opts)
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts: opts, log: opts.Logger, m: m,
		queue: make(chan logevent.Event, opts.QueueSize),
		sem:   make(chan struct{}, opts.MaxConnections),
		conns: map[net.Conn]struct{}{},

		warnRefused: rate.Sometimes{Interval: peerWarnEvery}, warnTLS: rate.Sometimes{Interval: peerWarnEvery},
		warnFraming: rate.Sometimes{Interval: peerWarnEvery},
	}
	if opts.TCPAddr != "" {
		if s.tcp, err = net.Listen("tcp", opts.TCPAddr); err != nil {
			return nil, fmt.Errorf("syslog: listen tcp %s: %w", opts.TCPAddr, err)
		}
	}
	if opts.UDPAddr != "" {
		if s.udp, err = net.ListenPacket("udp", opts.UDPAddr); err != nil {
			if s.tcp != nil {
				s.tcp.Close()
			}
			return nil, fmt.Errorf("syslog: listen udp %s: %w", opts.UDPAddr, err)
		}
		// A larger socket buffer absorbs bursts while a batch is stored;
		// the kernel may cap it (net.core.rmem_max).
		if uc, ok := s.udp.(*net.UDPConn); ok {
			_ = uc.SetReadBuffer(udpReadBuffer)
		}
	}
	return s, nil
}

func setDefaults(o *Options) {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxMessageBytes, 64<<10)
	def(&o.MaxConnections, 1024)
	def(&o.QueueSize, 8192)
	def(&o.BatchSize, 500)
	def(&o.Retries, 5)
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 5 * time.Minute
	}
	if o.BatchDelay <= 0 {
		o.BatchDelay = 200 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// TCPAddr is the TCP (or TLS) listener's address; nil when disabled.
func (s *Server) TCPAddr() net.Addr {
	if s.tcp == nil {
		return nil
	}
	return s.tcp.Addr()
}

// UDPAddr is the UDP listener's address; nil when disabled.
func (s *Server) UDPAddr() net.Addr {
	if s.udp == nil {
		return nil
	}
	return s.udp.LocalAddr()
}

func (s *Server) tcpInput() string {
	if s.opts.TLS != nil {
		return "syslog/tls"
	}
	return "syslog/tcp"
}

// QueueDepth is the number of events waiting for the handler.
func (s *Server) QueueDepth() int { return len(s.queue) }

// Run serves until ctx ends. It then stops accepting, closes the
// connections, hands what is queued to the handler (with a context that
// is no longer ctx, so the last batch can finish) and returns.
func (s *Server) Run(ctx context.Context) error {
	var readers sync.WaitGroup
	if s.tcp != nil {
		readers.Go(func() { s.acceptLoop(ctx) })
	}
	if s.udp != nil {
		readers.Go(func() { s.udpLoop() })
	}
	batchDone := make(chan struct{})
	go func() { s.batchLoop(context.WithoutCancel(ctx)); close(batchDone) }()

	<-ctx.Done()
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	readers.Wait()
	close(s.queue)
	<-batchDone
	return nil
}

func (s *Server) acceptLoop(ctx context.Context) {
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := s.tcp.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("syslog accept", "err", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		select {
		case s.sem <- struct{}{}:
		default:
			s.m.refused.Inc()
			s.warnRefused.Do(func() {
				s.log.Warn("syslog: too many connections; closing the new one (logged at most every 10s)", "peer", c.RemoteAddr().String(), "max", s.opts.MaxConnections)
			})
			c.Close()
			continue
		}
		if s.opts.TLS != nil {
			c = tls.Server(c, s.opts.TLS)
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		conns.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
				<-s.sem
			}()
			s.serveConn(c)
		})
	}
}

// idleConn extends the read deadline before each read.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	_ = c.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (s *Server) serveConn(c net.Conn) {
	s.m.conns.Inc()
	defer s.m.conns.Dec()
	input, peer := s.tcpInput(), c.RemoteAddr().String()
	if tc, ok := c.(*tls.Conn); ok {
		_ = c.SetDeadline(time.Now().Add(s.opts.IdleTimeout))
		if err := tc.Handshake(); err != nil {
			s.m.tlsErrors.Inc()
			s.warnTLS.Do(func() { s.log.Warn("syslog: TLS handshake (logged at most every 10s)", "peer", peer, "err", err) })
			return
		}
	}
	fr := newFrameReader(idleConn{Conn: c, idle: s.opts.IdleTimeout}, s.opts.MaxMessageBytes, FramingUnknown)
	p := NewParser(s.opts.Location)
	for {
		frame, truncated, err := fr.Next()
		if frame != nil {
			s.emit(p, input, peer, frame, truncated, true)
		}
		if err != nil {
			var ne net.Error
			switch {
			case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
			case errors.As(err, &ne) && ne.Timeout():
				s.m.idle.Inc()
			default:
				s.m.framing.WithLabelValues(input).Inc()
				s.warnFraming.Do(func() {
					s.log.Warn("syslog: closing connection (logged at most every 10s)", "peer", peer, "framing", fr.framing.String(), "err", err)
				})
			}
			return
		}
	}
}

func (s *Server) udpLoop() {
	buf := make([]byte, 65536)
	p := NewParser(s.opts.Location)
	for {
		n, addr, err := s.udp.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("syslog: udp read", "err", err)
			continue
		}
		frame := trimTrailer(buf[:n])
		truncated := false
		if len(frame) > s.opts.MaxMessageBytes {
			frame, truncated = frame[:s.opts.MaxMessageBytes], true
		}
		if len(frame) == 0 {
			continue
		}
		s.emit(p, "syslog/udp", addr.String(), frame, truncated, false)
	}
}

// emit parses frame and queues its event: blocking (TCP back-pressure) or
// counting an overflow (UDP).
func (s *Server) emit(p *Parser, input, peer string, frame []byte, truncated, block bool) {
	ev := logevent.New(input, s.opts.Now(), append([]byte(nil), frame...))
	ev.Peer = peer
	s.m.received.WithLabelValues(input).Inc()
	if truncated {
		s.m.truncated.WithLabelValues(input).Inc()
	}
	if reason := p.Parse(ev.Raw, &ev); reason != "" {
		s.m.unparsed.WithLabelValues(input).Inc()
		s.log.Debug("syslog: unparsed message kept as raw", "input", input, "peer", peer, "reason", reason)
	}
	if block {
		s.queue <- ev
		return
	}
	select {
	case s.queue <- ev:
	default:
		s.m.overflow.Inc()
	}
}

// batchLoop hands queued events to the handler in batches until the queue
// is closed and empty.
func (s *Server) batchLoop(ctx context.Context) {
	batch := make([]logevent.Event, 0, s.opts.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) > 0 {
			s.handle(ctx, batch)
			batch = make([]logevent.Event, 0, s.opts.BatchSize)
		}
	}
	for {
		select {
		case ev, ok := <-s.queue:
			if !ok {
				flush()
				return
			}
			if len(batch) == 0 {
				timer.Reset(s.opts.BatchDelay)
			}
			batch = append(batch, ev)
			if len(batch) >= s.opts.BatchSize {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

func (s *Server) handle(ctx context.Context, batch []logevent.Event) {
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := s.opts.Handler.Handle(ctx, batch)
		if err == nil {
			s.m.delivered.Add(float64(len(batch)))
			return
		}
		s.m.handlerErrors.Inc()
		if attempt >= s.opts.Retries {
			s.m.lost.Add(float64(len(batch)))
			s.log.Error("syslog: handler kept failing; events lost", "events", len(batch), "err", err)
			return
		}
		s.log.Warn("syslog: handler failed; retrying", "events", len(batch), "attempt", attempt+1, "err", err)
		time.Sleep(backoff)
		backoff = min(backoff*2, 5*time.Second)
	}
}
