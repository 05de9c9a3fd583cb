package securitytrails

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/vigie-siem/vigie/internal/relay"
)

// keyErrorMessage is the original's text for a SecurityTrails answer whose
// structure changed.
const keyErrorMessage = "The data structure of SecurityTrails has changed. The module is broken."

// observe looks every supported observable up, in order and one at a
// time, and answers the sightings found (SPEC §5.2). The first fatal
// error stops the loop; what was found before it is kept.
func (m *Module) observe(w http.ResponseWriter, r *http.Request) {
	claims, _ := relay.ClaimsFrom(r.Context())
	s, e := settingsFrom(claims)
	if e != nil {
		relay.WriteErrors(w, e)
		return
	}
	observables, e := m.readObservables(r)
	if e != nil {
		relay.WriteErrors(w, e)
		return
	}
	var (
		docs []relay.Sighting
		errs []*relay.Error
	)
	for _, obs := range observables {
		found, warnings, err := m.lookup(r.Context(), s, obs)
		errs = append(errs, warnings...)
		docs = append(docs, found...)
		if err != nil {
			m.logUpstream(r, err)
			errs = append(errs, trError(err))
			break
		}
	}
	data := map[string]any{}
	if len(docs) > 0 {
		data["sightings"] = map[string]any{"count": len(docs), "docs": docs}
	}
	relay.WriteJSON(w, http.StatusOK, relay.Assemble(data, errs))
}

// lookup fetches every record set of one observable (a domain has two: A
// then AAAA), then maps them. Fetching all before mapping is what the
// original does: a mapping failure in the A set is only seen after the
// AAAA call. Warnings are returned even when err is set.
func (m *Module) lookup(ctx context.Context, s settings, obs relay.Observable) ([]relay.Sighting, []*relay.Error, error) {
	type fetched struct {
		rs *RecordSet
		rt RecordType
	}
	var sets []fetched
	var warnings []*relay.Error
	add := func(rs *RecordSet, rt RecordType) {
		sets = append(sets, fetched{rs, rt})
		if rs.UnprocessedPages > 0 {
			warnings = append(warnings, unprocessedWarning(obs.Value, rs.UnprocessedPages))
		}
	}
	switch obs.Type {
	case "domain":
		for _, rt := range []RecordType{TypeA, TypeAAAA} {
			rs, err := m.client.DNSHistory(ctx, s.key, obs.Value, rt, s.pages)
			if err != nil {
				return nil, warnings, err
			}
			add(rs, rt)
		}
	case "ip", "ipv6":
		rs, err := m.client.DomainsByIP(ctx, s.key, obs.Value, obs.Type == "ipv6", s.pages)
		if err != nil {
			return nil, warnings, err
		}
		add(rs, "")
	default:
		return nil, nil, nil // unsupported types are skipped silently
	}
	var docs []relay.Sighting
	now := m.now()
	for _, f := range sets {
		sighting, err := sightingFor(obs, f.rs, f.rt, uiURL(obs), now, m.newID)
		if err != nil {
			return docs, warnings, err
		}
		if sighting != nil {
			docs = append(docs, *sighting)
		}
	}
	return docs, warnings, nil
}

// unprocessedWarning keeps the original's text byte for byte, including
// its missing space in "unprocessedfor" (SPEC §12.4).
func unprocessedWarning(value string, left int) *relay.Error {
	return relay.Warning(relay.CodeUnprocessedPages, "There are "+strconv.Itoa(left)+
		" page(s) left unprocessedfor "+value+". Please contact support@securitytrails.com to download the data")
}

// trError maps a client failure to the TR error the relay answers
// (SPEC §6.4–6.5), with clear errors where the original crashed.
func trError(err error) *relay.Error {
	var (
		api       *APIError
		tlsErr    *TLSError
		resp      *ResponseError
		transport *TransportError
	)
	switch {
	case errors.As(err, &api):
		switch api.Status {
		case http.StatusForbidden:
			return relay.AuthError(api.Message)
		case http.StatusUnauthorized:
			return relay.Fatal(relay.CodeUnauthorized, unexpected(api.Body))
		case http.StatusTooManyRequests:
			return relay.Fatal(relay.CodeTooManyRequests, unexpected(api.Body))
		}
		return relay.Fatal(relay.CodeUnknown, unexpected(api.Body))
	case errors.As(err, &tlsErr):
		return relay.Fatal(relay.CodeUnknown, "Unable to verify SSL certificate: "+tlsErr.Reason)
	case errors.As(err, &resp):
		return relay.Fatal(relay.CodeUnknown, unexpected(truncate(resp.Body, 1024)))
	case errors.Is(err, ErrUnexpectedShape):
		return relay.Fatal(relay.CodeKeyError, keyErrorMessage)
	case errors.As(err, &transport):
		if transport.Timeout {
			return relay.Fatal(relay.CodeUnavailable, "SecurityTrails did not answer in time")
		}
		return relay.Fatal(relay.CodeUnavailable, "Unable to connect to SecurityTrails")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return relay.Fatal(relay.CodeUnavailable, "SecurityTrails did not answer in time")
	}
	return relay.Fatal(relay.CodeUnknown, "Unexpected error while querying SecurityTrails")
}

func unexpected(body string) string {
	return "Unexpected response from SecurityTrails: " + body
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
