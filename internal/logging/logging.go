// Package logging holds Coplan's one level policy and the logger every part
// is handed.
//
// Level policy:
//   - Debug: for programmers: frames, sync rounds, cache hits, timings.
//   - Info: what a user troubleshooting would want: a plan opened, a peer
//     connected or left, a compaction done, an invite redeemed.
//   - Warn: a failure that is retried or worked around: a dial that failed
//     and will be retried, a damaged file set aside and recovered.
//   - Error: what the user must see: an edit that could not be saved, a plan
//     that cannot be opened, sync that has stopped.
//
// COPLAN_LOG=debug|info|warn|error sets the level (default info for the
// window and serve, warn for one-shot commands). Parts receive a
// *slog.Logger from main and never call slog's package-level functions.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// EnvVar names the environment variable that sets the level.
const EnvVar = "COPLAN_LOG"

// ParseLevel reads a level name as COPLAN_LOG accepts it.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvVar, s)
}

// New returns a text logger on w at the level COPLAN_LOG names, or at def
// when it is unset. A bad value is reported once on w and def is used.
func New(w io.Writer, def slog.Level) *slog.Logger {
	level := def
	if v, ok := os.LookupEnv(EnvVar); ok && v != "" {
		l, err := ParseLevel(v)
		if err != nil {
			fmt.Fprintln(w, "coplan:", err)
		} else {
			level = l
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// Discard is a logger that drops everything, for tests and callers that
// pass none.
func Discard() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}

// Or returns l, or a discarding logger when l is nil.
func Or(l *slog.Logger) *slog.Logger {
	if l == nil {
		return Discard()
	}
	return l
}
