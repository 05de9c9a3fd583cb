package idmefv2

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// NewID returns a new identifier for an Alert, Source, Target, Analyzer or
// Sensor: a version 7 UUID (RFC 9562) in lower case.
//
// The draft says implementations SHOULD NOT use version 4 (random) UUIDs,
// yet every other implementation does. Version 7 starts with a millisecond
// timestamp followed by 74 random bits: identifiers stay unique without
// coordination, sort by creation time, and keep database indexes compact,
// which matters for a SIEM that stores millions of alerts.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("idmefv2: new id: %w", err)
	}
	return id.String(), nil
}

// AlertOptions tunes NewAlert. The zero value gives the defaults.
type AlertOptions struct {
	// Version is the draft the alert declares; empty means VersionV08.
	Version Version
	// Now returns the creation time; nil means time.Now.
	Now func() time.Time
	// NewID returns identifiers; nil means NewID (UUID version 7).
	NewID func() (string, error)
}

// NewAlert returns an alert with a new ID, the Version, a CreateTime of now
// (RFC 3339 with zone) and an Analyzer with the given name: the smallest
// valid message, to which the caller adds categories, sources, targets…
func NewAlert(analyzerName string, opts AlertOptions) (*Alert, error) {
	if opts.Version == "" {
		opts.Version = VersionV08
	}
	if !opts.Version.Valid() {
		return nil, fmt.Errorf("idmefv2: new alert: unsupported version %s", quoteValue(string(opts.Version)))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.NewID == nil {
		opts.NewID = NewID
	}
	id, err := opts.NewID()
	if err != nil {
		return nil, err
	}
	return &Alert{
		Version:    opts.Version,
		ID:         id,
		CreateTime: FormatTime(opts.Now()),
		Analyzer:   Analyzer{Name: analyzerName},
	}, nil
}

// AddSource appends s, giving it a new ID when it has none, and returns a
// pointer to the stored element (valid until the next AddSource).
func (a *Alert) AddSource(s Source) (*Source, error) {
	if s.ID == "" {
		id, err := NewID()
		if err != nil {
			return nil, err
		}
		s.ID = id
	}
	a.Source = append(a.Source, s)
	return &a.Source[len(a.Source)-1], nil
}

// AddTarget appends t, giving it a new ID when it has none, and returns a
// pointer to the stored element (valid until the next AddTarget).
func (a *Alert) AddTarget(t Target) (*Target, error) {
	if t.ID == "" {
		id, err := NewID()
		if err != nil {
			return nil, err
		}
		t.ID = id
	}
	a.Target = append(a.Target, t)
	return &a.Target[len(a.Target)-1], nil
}

// AddAttachment appends at after checking that its Name is a valid
// attachment name not used by another attachment of the alert, and returns
// a pointer to the stored element (valid until the next AddAttachment).
func (a *Alert) AddAttachment(at Attachment) (*Attachment, error) {
	if !matchAttachmentName(at.Name) {
		return nil, fmt.Errorf("idmefv2: add attachment: name %s is not letters and digits only", quoteValue(at.Name))
	}
	for i := range a.Attachment {
		if a.Attachment[i].Name == at.Name {
			return nil, fmt.Errorf("idmefv2: add attachment: name %q is already used", at.Name)
		}
	}
	a.Attachment = append(a.Attachment, at)
	return &a.Attachment[len(a.Attachment)-1], nil
}

// SetContentBytes stores data base64-encoded, with ContentEncoding "base64"
// and Size set to len(data).
func (at *Attachment) SetContentBytes(data []byte) {
	at.Content = appendQuoted(nil, base64.StdEncoding.EncodeToString(data))
	at.ContentEncoding = "base64"
	size := int64(len(data))
	at.Size = &size
}

// SetContentString stores s as a JSON string Content.
func (at *Attachment) SetContentString(s string) {
	at.Content = appendQuoted(nil, s)
}

// SetContentJSON stores v, which must marshal to a JSON object, as Content
// with ContentEncoding "json": the way to carry private attributes.
func (at *Attachment) SetContentJSON(v any) error {
	raw, err := parseRaw(v)
	if err != nil {
		return fmt.Errorf("idmefv2: attachment %s content: %w", at.Name, err)
	}
	at.Content = raw
	at.ContentEncoding = "json"
	return nil
}

// ContentString returns Content when it is a JSON string.
func (at *Attachment) ContentString() (string, bool) {
	var s string
	if len(at.Content) == 0 || at.Content[0] != '"' || json.Unmarshal(at.Content, &s) != nil {
		return "", false
	}
	return s, true
}
