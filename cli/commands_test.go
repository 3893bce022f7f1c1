package cli

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"
)

func runIn(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	dirs := []string{"--data-dir", t.TempDir(), "--config-dir", t.TempDir()}
	var out, errb bytes.Buffer
	code := Run(append(dirs, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// Every command in the table is found by its own words, shown by help, and
// has its own --help and usage line.
func TestCommandTable(t *testing.T) {
	help, _, code := runIn(t, "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	seen := map[string]bool{}
	for _, c := range commands {
		t.Run(c.Name, func(t *testing.T) {
			words := strings.Fields(c.Name)
			if seen[c.Name] || len(words) < 1 || len(words) > 2 || c.Run == nil || c.Summary == "" {
				t.Fatalf("bad table entry %+v (or a duplicate)", c)
			}
			seen[c.Name] = true
			if got, n := find(append(words, "PLAN")); got != c || n != len(words) {
				t.Fatalf("find(%q) = %v, %d", words, got, n)
			}
			if !strings.Contains(help, "  "+strings.TrimSpace(c.Name+" "+c.Args)) || !strings.Contains(help, c.Summary) {
				t.Fatalf("coplan help lacks %q", c.Name)
			}

			out, errs, code := runIn(t, append(words, "--help")...)
			head := "coplan " + c.Name + " " + c.Args + "\n\n" + c.Summary + "\n\nFlags:\n"
			if code != 0 || !strings.HasPrefix(out, head) || errs != "" {
				t.Fatalf("%s --help: exit %d\n%s%s", c.Name, code, out, errs)
			}
			fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			if c.Flags != nil {
				c.Flags(fs)
			}
			names := []string{"data-dir", "config-dir"}
			fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
			for _, n := range names {
				if !strings.Contains(out, "  -"+n+" ") && !strings.Contains(out, "  -"+n+"\n") {
					t.Errorf("%s --help does not list -%s:\n%s", c.Name, n, out)
				}
			}

			out, errs, code = runIn(t, append(words, "--no-such-flag")...)
			usage := "usage: coplan " + c.Name + " " + c.Args + "\n"
			if code != 2 || out != "" || !strings.Contains(errs, "-no-such-flag") || !strings.HasSuffix(errs, usage) {
				t.Fatalf("%s --no-such-flag: exit %d, stdout %q, stderr %q", c.Name, code, out, errs)
			}
		})
	}
}

func TestHelpAndUnknown(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		out, errs string
	}{
		{"no command", nil, 0, "Usage: coplan [--data-dir DIR] [--config-dir DIR] COMMAND [ARGS]", ""},
		{"help", []string{"help"}, 0, "Run coplan COMMAND --help for a command's flags.", ""},
		{"-h", []string{"-h"}, 0, "\nCommands:\n", ""},
		{"--help", []string{"--help"}, 0, "\nCommands:\n", ""},
		{"unknown", []string{"frobnicate", "now"}, 2, "", `coplan: unknown command "frobnicate now" (run coplan help)`},
		{"first word only", []string{"member"}, 2, "", `coplan: unknown command "member" (run coplan help)`},
		{"bad global flag", []string{"--colour", "list"}, 2, "", "coplan: flag provided but not defined: -colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.errs) ||
				(tc.errs == "") != (errb.Len() == 0) {
				t.Fatalf("coplan %q: exit %d (want %d)\nstdout %q\nstderr %q", tc.args, code, tc.code, out.String(), errb.String())
			}
		})
	}
}
