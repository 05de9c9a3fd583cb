package auth

import "log/slog"

// Secret is a credential in clear: a password, an API token, a session ID.
// It prints and logs as "[REDACTED]"; use Reveal to get the value.
type Secret string

// String hides the value from fmt.
func (Secret) String() string { return "[REDACTED]" }

// GoString hides the value from %#v.
func (Secret) GoString() string { return `auth.Secret("[REDACTED]")` }

// LogValue hides the value from log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[REDACTED]") }

// Reveal returns the clear value, for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }
