package auth

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	attempts *prometheus.CounterVec
	lockouts prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vigie_auth_attempts_total",
			Help: "Authentication attempts by method (password, token, session) and result (ok, invalid, expired, revoked, disabled, locked).",
		}, []string{"method", "result"}),
		lockouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vigie_auth_lockouts_total",
			Help: "Lockouts started after repeated failed logins.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.attempts, m.lockouts} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(errors.New("register metrics"), err)
		}
	}
	return m, nil
}

func (m *metrics) attempt(method, result string) {
	m.attempts.WithLabelValues(method, result).Inc()
}
