package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestParseLevel(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want slog.Level
		bad  bool
	}{
		{"debug", slog.LevelDebug, false},
		{"INFO", slog.LevelInfo, false},
		{" warn ", slog.LevelWarn, false},
		{"warning", slog.LevelWarn, false},
		{"error", slog.LevelError, false},
		{"loud", 0, true},
		{"", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLevel(tc.in)
			if tc.bad {
				if err == nil || !strings.Contains(err.Error(), EnvVar) {
					t.Fatalf("ParseLevel(%q) = %v, %v; want an error naming %s", tc.in, got, err, EnvVar)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseLevel(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestNewHonoursEnv(t *testing.T) {
	var buf bytes.Buffer
	t.Setenv(EnvVar, "debug")
	l := New(&buf, slog.LevelError)
	l.Debug("hello", "k", 1)
	if !strings.Contains(buf.String(), "hello") {
		t.Fatalf("debug line missing with %s=debug: %q", EnvVar, buf.String())
	}

	buf.Reset()
	t.Setenv(EnvVar, "error")
	l = New(&buf, slog.LevelDebug)
	l.Warn("quiet")
	if buf.Len() != 0 {
		t.Fatalf("warn printed with %s=error: %q", EnvVar, buf.String())
	}

	buf.Reset()
	t.Setenv(EnvVar, "nonsense")
	l = New(&buf, slog.LevelWarn)
	l.Info("dropped")
	l.Warn("kept")
	out := buf.String()
	if !strings.Contains(out, "nonsense") || strings.Contains(out, "dropped") || !strings.Contains(out, "kept") {
		t.Fatalf("bad level should be reported and the default used: %q", out)
	}
}

func TestOr(t *testing.T) {
	if Or(nil) == nil {
		t.Fatal("Or(nil) returned nil")
	}
	l := slog.Default()
	if Or(l) != l {
		t.Fatal("Or(l) did not return l")
	}
}
