// Package lines reads LF-terminated lines of bounded length from a
// buffered stream, for the syslog and file inputs.
package lines
