package nats

import "strings"

// names maps logical subjects to NATS subjects and stream names.
type names struct{ prefix string }

// subject returns the NATS subject of a logical subject.
func (n names) subject(logical string) string {
	if n.prefix == "" {
		return logical
	}
	return n.prefix + "." + logical
}

// stream returns the stream name for a logical subject: the NATS subject
// upper-cased with dots turned into underscores (stream names may not hold
// dots), e.g. "alerts.in" → "ALERTS_IN".
func (n names) stream(logical string) string {
	return strings.ToUpper(strings.ReplaceAll(n.subject(logical), ".", "_"))
}
