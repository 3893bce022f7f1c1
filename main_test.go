package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the test binary be coplan itself: with COPLAN_MAIN_CHILD
// set it runs main on its arguments, Fyne and the locale fix included.
func TestMain(m *testing.M) {
	if os.Getenv("COPLAN_MAIN_CHILD") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// coplan runs main in a child process on fresh folders, under C.UTF-8 as
// on servers and CI.
func coplan(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "COPLAN_MAIN_CHILD=1", "COPLAN_DATA="+t.TempDir(), "COPLAN_CONFIG="+t.TempDir(),
		"LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE=")
	cmd.Env = append(cmd.Env, env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestMainCommands(t *testing.T) {
	for _, tc := range []struct {
		name      string
		env, args []string
		code      int
		out, errs string // wanted in stdout, stderr
		errLines  int    // stderr's line count
	}{
		// With no display, `coplan` alone says why the window cannot open
		// instead of crashing in the GL library.
		{name: "no display", env: []string{"DISPLAY=", "WAYLAND_DISPLAY="}, code: 1, errs: "no display", errLines: 1},
		{name: "bad folder flag", args: []string{"--data-dir"}, code: 2, errs: "flag needs an argument", errLines: 1},
		// A command prints its result and nothing else: no locale noise
		// from Fyne under C.UTF-8.
		{name: "command", args: []string{"list"}, out: "No plans yet"},
		{name: "folders before the command", args: []string{"--data-dir", os.TempDir() + "/coplan-main-test-absent", "help"}, out: "Usage: coplan"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errs: `unknown command "frobnicate"`, errLines: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := coplan(t, tc.env, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errs, tc.errs) ||
				strings.Count(errs, "\n") != tc.errLines || strings.Contains(out+errs, "panic") {
				t.Fatalf("coplan %s: exit %d (want %d)\nstdout %q (want %q)\nstderr %q (want %q in %d lines)",
					strings.Join(tc.args, " "), code, tc.code, out, tc.out, errs, tc.errs, tc.errLines)
			}
		})
	}
}
