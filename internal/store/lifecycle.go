package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// State is the triage state of an alert.
type State string

// The triage states.
const (
	StateNew           State = "new"
	StateAcknowledged  State = "acknowledged"
	StateInProgress    State = "in_progress"
	StateClosed        State = "closed"
	StateFalsePositive State = "false_positive"
)

// States lists the triage states in workflow order.
func States() []State {
	return []State{StateNew, StateAcknowledged, StateInProgress, StateClosed, StateFalsePositive}
}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States(), s) }

// transitions lists where each state may go. Closed and false-positive
// alerts can be reopened (to acknowledged or in progress); an acknowledged
// alert can be put back to new (an acknowledgement made by mistake).
var transitions = map[State][]State{
	StateNew:           {StateAcknowledged, StateInProgress, StateClosed, StateFalsePositive},
	StateAcknowledged:  {StateNew, StateInProgress, StateClosed, StateFalsePositive},
	StateInProgress:    {StateAcknowledged, StateClosed, StateFalsePositive},
	StateClosed:        {StateAcknowledged, StateInProgress, StateFalsePositive},
	StateFalsePositive: {StateAcknowledged, StateInProgress, StateClosed},
}

// CheckTransition returns nil when an alert may go from one state to
// another (staying in the same state is allowed and changes nothing), or an
// error wrapping ErrInvalidTransition or ErrInvalid.
func CheckTransition(from, to State) error {
	if !to.Valid() {
		return fmt.Errorf("state %q: %w (want one of %v)", to, ErrInvalid, States())
	}
	if from == to || slices.Contains(transitions[from], to) {
		return nil
	}
	return fmt.Errorf("%s → %s: %w", from, to, ErrInvalidTransition)
}

// Lifecycle is Vigie's triage data about an alert.
type Lifecycle struct {
	State        State     `json:"state"`
	Assignee     string    `json:"assignee,omitempty"`
	Tags         []string  `json:"tags,omitempty"` // sorted
	SupersededBy string    `json:"superseded_by,omitempty"`
	ChangedAt    time.Time `json:"changed_at,omitzero"` // last lifecycle change
}

// Change is a lifecycle update applied to one or more alerts. Nil or empty
// fields are left alone.
type Change struct {
	State      *State
	Assignee   *string // "" unassigns
	AddTags    []string
	RemoveTags []string
	Comment    string // appended to each alert's comments
}

// Comment is an analyst's note on an alert.
type Comment struct {
	ID      int64     `json:"id"`
	AlertID string    `json:"alert_id"`
	Author  string    `json:"author"`
	At      time.Time `json:"at"`
	Body    string    `json:"body"`
}

// AuditEntry records one change: who changed which field of which alert,
// when, from what to what.
type AuditEntry struct {
	ID      int64     `json:"id"`
	AlertID string    `json:"alert_id"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Field   string    `json:"field"` // "state", "assignee", "tag", "comment"
	Old     string    `json:"old,omitempty"`
	New     string    `json:"new,omitempty"`
}

// UpdateResult counts what UpdateAlerts did.
type UpdateResult struct {
	Changed   int // alerts with at least one change
	Unchanged int // alerts already in the requested state
}

// LifecycleStore updates and reads the triage lifecycle of alerts.
type LifecycleStore interface {
	// UpdateAlerts applies ch to every alert in ids, on behalf of actor, in
	// one transaction: if one alert is unknown (ErrNotFound) or cannot make
	// the state transition (ErrInvalidTransition), nothing changes. Every
	// effective change is written to the audit trail; setting what is
	// already set is not a change, so repeating an update is idempotent
	// (except Comment, which is added each time).
	UpdateAlerts(ctx context.Context, ids []string, ch Change, actor string) (UpdateResult, error)

	// Comments returns the comments of an alert, oldest first.
	Comments(ctx context.Context, alertID string) ([]Comment, error)

	// Audit returns the audit trail of an alert, oldest first.
	Audit(ctx context.Context, alertID string) ([]AuditEntry, error)
}

// StatusFor maps a lifecycle to the IDMEFv2 Status value it adds to the
// alert's Status list, or "" when it adds none: acknowledged and in
// progress → Open, closed → Closed, false positive → FalsePositive; a
// superseded alert that is not a false positive is Closed (V08 has no
// Obsolete value; the successor carries the incident on).
func StatusFor(l Lifecycle) idmefv2.Status {
	switch {
	case l.State == StateFalsePositive:
		return idmefv2.StatusFalsePositive
	case l.State == StateClosed || l.SupersededBy != "":
		return idmefv2.StatusClosed
	case l.State == StateAcknowledged || l.State == StateInProgress:
		return idmefv2.StatusOpen
	}
	return ""
}

// ExportJSON returns the alert's IDMEFv2 JSON with its lifecycle reflected
// in Status (see StatusFor): the value is appended to the Status list the
// sender gave unless it is already its last element, so the list reads as
// the alert's history. The stored JSON is not modified.
func ExportJSON(a Alert) ([]byte, error) {
	st := StatusFor(a.Lifecycle)
	if st == "" {
		return a.JSON, nil
	}
	doc, err := idmefv2.Decode(a.JSON)
	if err != nil {
		return nil, fmt.Errorf("store: export alert %s: %w", a.ID, err)
	}
	if n := len(doc.Status); n == 0 || doc.Status[n-1] != st {
		doc.Status = append(doc.Status, st)
	}
	out, err := idmefv2.Encode(doc)
	if err != nil {
		return nil, fmt.Errorf("store: export alert %s: %w", a.ID, err)
	}
	return out, nil
}
