package syslog

import (
	"log/slog"
	"sync"
	"time"
)

// warnEvery is the least interval between two warnings of one kind caused
// by peers (refused connections, failed TLS handshakes, framing errors):
// anyone who can reach the port can cause them, so without a bound a flood
// of connections would be a flood of log lines. The metrics count every one.
const warnEvery = 10 * time.Second

// peerWarn logs at most one warning per kind per warnEvery, and says how
// many were left out since. The kinds are constants, so its map stays small.
type peerWarn struct {
	log *slog.Logger
	now func() time.Time

	mu    sync.Mutex
	kinds map[string]*warnState
}

type warnState struct {
	last       time.Time
	suppressed int
}

func (p *peerWarn) warn(kind, msg string, args ...any) {
	now := p.now()
	p.mu.Lock()
	st := p.kinds[kind]
	if st == nil {
		st = &warnState{}
		p.kinds[kind] = st
	}
	if !st.last.IsZero() && now.Sub(st.last) < warnEvery {
		st.suppressed++
		p.mu.Unlock()
		return
	}
	suppressed := st.suppressed
	st.last, st.suppressed = now, 0
	p.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed_since_last", suppressed)
	}
	p.log.Warn(msg, args...)
}
