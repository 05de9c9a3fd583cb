package api

import (
	"context"
	"net/http"
	"time"
)

// healthz serves GET /healthz: the process is up and serving HTTP.
func (a *API) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyTimeout bounds a readiness check, so that a stuck dependency makes
// /readyz fail rather than hang the probe.
const readyTimeout = 5 * time.Second

// readyz serves GET /readyz: 200 when Options.Ready says so, else 503 with
// its reason.
func (a *API) readyz(w http.ResponseWriter, r *http.Request) error {
	if a.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := a.opts.Ready(ctx); err != nil {
			e := errorf(http.StatusServiceUnavailable, CodeUnavailable, "not ready: %v", err)
			e.cause = err
			return e
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// serveMetrics serves GET /metrics from Options.Gatherer.
func (a *API) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	a.promHandler.ServeHTTP(w, r)
	return nil
}
