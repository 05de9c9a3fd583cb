package nats

import (
	"context"
	"fmt"
	"log/slog"
)

// serverLogger adapts slog to the embedded nats-server's printf-style Logger.
// The server's "notice" lines (start-up banner, limits) are routine for an
// embedded engine, so they go to Debug; warnings and errors keep their level.
type serverLogger struct{ l *slog.Logger }

func (s serverLogger) log(level slog.Level, format string, v []any) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(format, v...))
}

func (s serverLogger) Noticef(format string, v ...any) { s.log(slog.LevelDebug, format, v) }
func (s serverLogger) Warnf(format string, v ...any)   { s.log(slog.LevelWarn, format, v) }
func (s serverLogger) Errorf(format string, v ...any)  { s.log(slog.LevelError, format, v) }
func (s serverLogger) Debugf(format string, v ...any)  { s.log(slog.LevelDebug, format, v) }
func (s serverLogger) Tracef(format string, v ...any)  { s.log(slog.LevelDebug, format, v) }

// Fatalf is logged as an error: the embedding process decides what a failed
// engine means, the server never exits it.
func (s serverLogger) Fatalf(format string, v ...any) { s.log(slog.LevelError, format, v) }
