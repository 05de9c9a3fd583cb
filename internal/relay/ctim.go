package relay

import (
	"time"

	"github.com/google/uuid"
)

// CTIMTimeLayout is the time format of CTIM timestamps written by relays:
// whole seconds, UTC, with a literal Z.
const CTIMTimeLayout = "2006-01-02T15:04:05Z"

// Sighting is a CTIM Sighting (threatgrid/ctim) as relays return it from
// /observe/observables. Only the fields relays fill are modelled. Field
// order is alphabetical, as the original writes it.
type Sighting struct {
	Confidence    string       `json:"confidence"`
	Count         int64        `json:"count"`
	Description   string       `json:"description,omitempty"`
	ID            string       `json:"id"`
	Internal      bool         `json:"internal"`
	Observables   []Observable `json:"observables,omitempty"`
	ObservedTime  ObservedTime `json:"observed_time"`
	Relations     []Relation   `json:"relations,omitempty"`
	SchemaVersion string       `json:"schema_version"`
	Source        string       `json:"source,omitempty"`
	SourceURI     string       `json:"source_uri,omitempty"`
	Title         string       `json:"title,omitempty"`
	Type          string       `json:"type"`
}

// ObservedTime is a CTIM observed time range. EndTime must not be before
// StartTime.
type ObservedTime struct {
	EndTime   string `json:"end_time,omitempty"`
	StartTime string `json:"start_time"`
}

// PointInTime returns the range that starts and ends at t, in CTIM format.
func PointInTime(t time.Time) ObservedTime {
	s := t.UTC().Format(CTIMTimeLayout)
	return ObservedTime{StartTime: s, EndTime: s}
}

// Relation is a CTIM ObservedRelation between two observables, e.g.
// domain —Resolved_To→ ip.
type Relation struct {
	Origin   string     `json:"origin"`
	Related  Observable `json:"related"`
	Relation string     `json:"relation"`
	Source   Observable `json:"source"`
}

// Reference is one /refer/observables link: a place in the third-party UI
// where the observable can be looked up.
type Reference struct {
	Categories  []string `json:"categories"`
	Description string   `json:"description"`
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	URL         string   `json:"url"`
}

// TransientID returns a fresh CTIM transient id for an entity type, e.g.
// "transient:sighting-<uuid4>". Transient ids are not stored by Threat
// Response; they only have to be unique within one answer.
func TransientID(entity string) string {
	return "transient:" + entity + "-" + uuid.NewString()
}
