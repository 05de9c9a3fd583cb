// Package syslog receives syslog messages over TCP, UDP and TLS (RFC 5425)
// and turns each into a logevent.Event delivered in batches to a Handler.
//
// Framing is detected per TCP connection from its first byte: a digit
// means octet counting (RFC 6587 §3.4.1, RFC 5425 §4.3), anything else
// non-transparent framing with LF (or CR LF) as the trailer. Each
// UDP datagram is one message. Messages are parsed as RFC 5424 when they
// carry its version field, else as RFC 3164 (BSD syslog) in best-effort
// mode, which covers the usual variants (no year, RFC 3339 timestamps,
// second fractions). A message neither grammar accepts is kept as an Event
// whose Message is the raw line, with the reason under the structured
// data ID "vigie" (param "parse_error"), and counted: nothing is dropped
// silently.
//
// Limits: a maximum message size (longer frames are cut and counted), a
// maximum number of TCP connections, an idle timeout per connection.
// Back-pressure: TCP connections stop reading while the handler is behind
// (the bounded queue is full), so senders slow down; UDP has no way to
// slow a sender, so datagrams that find the queue full are counted as
// overflow.
package syslog
