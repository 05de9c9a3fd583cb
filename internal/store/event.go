package store

import (
	"context"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Event is a stored log event: every event an input read, whether a
// parsing rule recognised it or not.
type Event struct {
	ID       int64     `json:"id"`   // assigned by the store, increasing
	Time     time.Time `json:"time"` // the event's own time, else when it was received
	Received time.Time `json:"received"`
	Input    string    `json:"input"` // syslog/tcp, file:/var/log/auth.log, …
	Peer     string    `json:"peer,omitempty"`
	Host     string    `json:"host,omitempty"`
	App      string    `json:"app,omitempty"`
	// Facility and Severity are syslog's; -1 when unknown.
	Facility int    `json:"facility"`
	Severity int    `json:"severity"`
	Message  string `json:"message"`
	Raw      []byte `json:"raw,omitempty"`
	// RuleID is the parsing rule that recognised the event; AlertID the
	// alert it produced. Empty when none.
	RuleID  string `json:"rule_id,omitempty"`
	AlertID string `json:"alert_id,omitempty"`
}

// EventFilter selects events; zero fields match everything.
type EventFilter struct {
	From, To time.Time // Time in [From, To)
	Host     string
	App      string
	Input    string
	// Text is free text: every word must occur in the host, app or
	// message (a word with dots, such as an IP address, as a phrase).
	Text string
	// Around, when set, keeps the events whose host is one of Hosts or
	// whose message mentions one of IPs (combined with the fields above).
	Around *EventsAround
	// Cursor continues a listing: the NextCursor of the previous page.
	Cursor string
	// Limit is the page size: 0 means 100; at most 1000.
	Limit int
}

// EventsAround is the neighbourhood of an alert: its hosts and addresses.
type EventsAround struct {
	Hosts []string
	IPs   []string
}

// MaxAround bounds the host names and the addresses AroundAlert keeps
// (each): an alert may name tens of thousands, which would exceed SQLite's
// bound on a statement's parameters and make one look-up cost seconds.
const MaxAround = 100

// AroundAlert is the neighbourhood of a: the host names and addresses of
// its analyzer, sensors, sources and targets, each once, the first
// MaxAround of each.
func AroundAlert(a *idmefv2.Alert) *EventsAround {
	ar := &EventsAround{}
	seen := map[string]bool{}
	add := func(host, ip string) {
		if host != "" && len(ar.Hosts) < MaxAround && !seen["h"+host] {
			seen["h"+host] = true
			ar.Hosts = append(ar.Hosts, host)
		}
		if ip != "" && len(ar.IPs) < MaxAround && !seen["i"+ip] {
			seen["i"+ip] = true
			ar.IPs = append(ar.IPs, ip)
		}
	}
	add(a.Analyzer.Hostname, a.Analyzer.IP)
	for _, s := range a.Sensor {
		add(s.Hostname, s.IP)
	}
	for _, s := range a.Source {
		add(s.Hostname, s.IP)
	}
	for _, t := range a.Target {
		add(t.Hostname, t.IP)
	}
	return ar
}

// EventPage is one page of events, newest first.
type EventPage struct {
	Events []Event `json:"events"`
	// NextCursor continues the listing; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// EventRetention bounds the stored events; zero fields are no limit.
type EventRetention struct {
	MaxAge   time.Duration
	MaxBytes int64 // the events' estimated size (raw + message + fields)
	Now      time.Time
}

// Events keeps log events.
type Events interface {
	// PutEvents stores events in one transaction (ID is ignored and
	// assigned). A zero Time is set to Received, a zero Received to now.
	PutEvents(ctx context.Context, evs []Event) error
	// Events lists matching events, newest first. ErrInvalidQuery wraps a
	// bad cursor.
	Events(ctx context.Context, f EventFilter) (EventPage, error)
	// RetainEvents deletes the oldest events beyond the policy and returns
	// how many it deleted.
	RetainEvents(ctx context.Context, p EventRetention) (int, error)
}
