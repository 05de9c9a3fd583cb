package store

import (
	"context"
	"encoding/json"
	"time"
)

// DeadLetter is input Vigie could not accept, kept so that it is never lost
// silently.
type DeadLetter struct {
	ID         int64           `json:"id"` // assigned by the store, increasing
	ReceivedAt time.Time       `json:"received_at"`
	Sender     string          `json:"sender,omitempty"` // authenticated identity (token ID, certificate subject…)
	RemoteAddr string          `json:"remote_addr,omitempty"`
	Reason     string          `json:"reason"`             // short machine-friendly cause, e.g. "schema", "json", "upgrade"
	Problems   json.RawMessage `json:"problems,omitempty"` // JSON detail, e.g. validation issues
	Raw        []byte          `json:"raw"`                // the input, at most the store's limit
	RawSize    int             `json:"raw_size"`           // size of the input before truncation
}

// Truncated reports whether Raw holds less than the input.
func (d DeadLetter) Truncated() bool { return len(d.Raw) < d.RawSize }

// DeadLetterFilter selects dead letters; zero fields match everything.
type DeadLetterFilter struct {
	From, To time.Time // ReceivedAt in [From, To)
	Sender   string
	Reason   string
	Before   int64 // ID < Before: the cursor for the next page (IDs descend)
	Limit    int   // 0 means 50; at most 1000
}

// DeadLetters keeps rejected input.
type DeadLetters interface {
	// PutDeadLetters stores dead letters (ID is ignored and assigned); Raw
	// beyond the engine's limit is cut, RawSize keeps the original size
	// (set it to len(Raw) when 0).
	PutDeadLetters(ctx context.Context, dls []DeadLetter) error
	// DeadLetters lists matching dead letters, newest first (f.Before
	// pages on: pass the last ID of a page).
	DeadLetters(ctx context.Context, f DeadLetterFilter) ([]DeadLetter, error)
	// CountDeadLetters counts the matching dead letters (Before and Limit ignored).
	CountDeadLetters(ctx context.Context, f DeadLetterFilter) (int, error)
	// DeleteDeadLetters deletes by ID; unknown IDs are ignored. It
	// returns how many were deleted.
	DeleteDeadLetters(ctx context.Context, ids []int64) (int, error)
	// PruneDeadLetters deletes dead letters received before t.
	PruneDeadLetters(ctx context.Context, before time.Time) (int, error)
}
