package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/vigie-siem/vigie/idmefv2"
)

// Alert is a stored alert: its IDMEFv2 JSON as received and Vigie's
// lifecycle fields beside it.
type Alert struct {
	ID         string          `json:"id"`
	JSON       json.RawMessage `json:"alert"` // the IDMEFv2 document as stored
	CreateTime time.Time       `json:"create_time"`
	StoredAt   time.Time       `json:"stored_at"`  // first stored
	UpdatedAt  time.Time       `json:"updated_at"` // content last replaced by a re-sent ID
	Lifecycle  Lifecycle       `json:"lifecycle"`
}

// PutResult counts what PutAlerts did with a batch.
type PutResult struct {
	Inserted  int // new IDs
	Updated   int // known IDs whose content changed
	Unchanged int // known IDs re-sent with identical content
	// Stale counts known IDs re-sent with other content that Vigie received
	// before the stored content (see Incoming.Received): the stored content
	// is kept.
	Stale int
}

// Incoming is an alert on its way into the store, with what its writer
// knows about it besides the alert.
type Incoming struct {
	Alert *idmefv2.Alert
	// Doc is exactly idmefv2.Encode(Alert) (e.g. the bytes Alert was
	// decoded from, when idmefv2.DecodeSharedCanonical reported them
	// canonical), or nil: the store encodes Alert. It is stored as it is.
	Doc []byte
	// Received is when Vigie received this content of the alert, zero if
	// unknown. Of two contents of one ID, the store keeps the one received
	// last, whatever order they reach it in: batches of one stage are
	// written concurrently, and a failed batch is redelivered after later
	// ones. A zero Received time means received when stored.
	Received time.Time
}

// Alerts stores, reads, searches and ages out alerts.
type Alerts interface {
	// PutAlerts stores a batch in one transaction: all or nothing.
	//
	// It upserts by ID: a new ID is inserted with state new; a known ID
	// whose content differs replaces the stored content and indexed values
	// but keeps its lifecycle (state, assignee, tags, comments, audit); a
	// known ID re-sent with identical content changes nothing, so
	// redelivery is idempotent. When a batch holds one ID twice, the last
	// one wins.
	//
	// Each PredID marks the named predecessor as superseded by the alert
	// that names it, whichever of the two is stored first: a PredID whose
	// predecessor is not stored yet is remembered and applied when it
	// arrives. Stored alerts also refresh the last-seen time of their
	// Analyzer and Sensors (see Sensors).
	PutAlerts(ctx context.Context, alerts []*idmefv2.Alert) (PutResult, error)

	// Alert returns the alert with this IDMEF ID, or ErrNotFound.
	Alert(ctx context.Context, id string) (Alert, error)

	// Search returns one page of the alerts matching req, in req.Sort order.
	// Pages follow a keyset cursor, so paging is stable while alerts are
	// written: no alert is returned twice or skipped, except alerts written
	// after the first page, which may or may not appear.
	Search(ctx context.Context, req SearchRequest) (SearchResult, error)

	// GroupBy counts the matching alerts per distinct combination of the
	// values of req.Paths (the "aggregated alerts" view). An alert with
	// several values for a list path counts once in each of their groups.
	GroupBy(ctx context.Context, req GroupRequest) ([]Group, error)

	// Histogram counts the matching alerts per CreateTime bucket,
	// optionally split by the values of a path.
	Histogram(ctx context.Context, req HistogramRequest) (Histogram, error)

	// Top returns the req.Limit most frequent values of a path among the
	// matching alerts, most frequent first.
	Top(ctx context.Context, req TopRequest) ([]Group, error)

	// Stats returns totals over the matching alerts.
	Stats(ctx context.Context, f Filter) (Stats, error)

	// Retain deletes alerts older than p.MaxAge and then the oldest alerts
	// until the store is no larger than p.MaxBytes, in batches, and gives
	// the freed space back. Safe to call periodically; a zero policy does
	// nothing.
	Retain(ctx context.Context, p RetentionPolicy) (RetentionResult, error)
}

// Filter selects alerts: a query-language expression and a CreateTime range.
type Filter struct {
	Query string    // see package store/query; "" matches every alert
	From  time.Time // CreateTime >= From when not zero
	To    time.Time // CreateTime < To when not zero
}

// Sort is a search order.
type Sort string

// The sort orders; ties are broken by storage order, in the same direction.
const (
	SortTimeDesc     Sort = "time_desc" // CreateTime, newest first (default)
	SortTimeAsc      Sort = "time_asc"
	SortPriorityDesc Sort = "priority_desc" // Priority (High first), then newest first
	SortPriorityAsc  Sort = "priority_asc"
)

// SearchRequest is a search. Zero values mean defaults.
type SearchRequest struct {
	Filter
	Sort   Sort   // "" means SortTimeDesc
	Cursor string // from a previous SearchResult.Next; "" starts at the first page
	Limit  int    // 0 means 50; at most 1000
	Total  bool   // also count every match (costs a full count)
}

// SearchResult is one page.
type SearchResult struct {
	Alerts []Alert
	Next   string // cursor of the next page; "" when this is the last one
	Total  int    // number of matches when requested, else -1
}

// GroupRequest asks for groups by one or more paths (IDMEF paths such as
// "Category" or "Source(*).IP", or lifecycle fields such as "state").
type GroupRequest struct {
	Filter
	Paths []string
	Limit int // 0 means 100; at most 10000; groups with most alerts first
}

// Group is one group: its key values (in the order of the paths; "" for an
// alert without a value) and the alerts it holds.
type Group struct {
	Keys      []string  `json:"keys"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"first_seen"` // earliest CreateTime
	LastSeen  time.Time `json:"last_seen"`  // latest CreateTime
}

// HistogramRequest asks for alert counts over time.
type HistogramRequest struct {
	Filter
	Bucket  time.Duration // 0: chosen so that From..To gives about 60 buckets
	SplitBy string        // optional path: one series per value
	Limit   int           // at most this many series (most alerts first); 0 means 10
}

// Histogram holds counts per time bucket.
type Histogram struct {
	Bucket  time.Duration `json:"bucket"`
	Buckets []Bucket      `json:"buckets"` // ascending; empty buckets omitted
}

// Bucket counts the alerts created in [Start, Start+Bucket), per series key
// ("" when the histogram is not split).
type Bucket struct {
	Start  time.Time      `json:"start"`
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
}

// TopRequest asks for the most frequent values of a path.
type TopRequest struct {
	Filter
	Path  string
	Limit int // 0 means 10; at most 1000
}

// Stats are totals over a set of alerts.
type Stats struct {
	Total       int            `json:"total"`
	ByPriority  map[string]int `json:"by_priority"` // IDMEF Priority; "" when absent
	ByState     map[State]int  `json:"by_state"`
	Superseded  int            `json:"superseded"`
	Oldest      time.Time      `json:"oldest"` // CreateTime; zero when Total is 0
	Newest      time.Time      `json:"newest"`
	DeadLetters int            `json:"dead_letters"` // every dead letter, regardless of the filter
}

// RetentionPolicy bounds what Retain keeps. Zero fields are no bound.
type RetentionPolicy struct {
	MaxAge   time.Duration // delete alerts whose CreateTime is older
	MaxBytes int64         // delete the oldest alerts while the store is larger
	Now      time.Time     // zero means time.Now()
}

// RetentionResult reports what Retain did.
type RetentionResult struct {
	Deleted    int
	SizeBefore int64 // bytes in use before
	SizeAfter  int64 // bytes in use after, freed space given back
}
