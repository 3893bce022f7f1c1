package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/coplan/coplan/doc"
)

// A command whose standard output is gone (coplan sign ... | head -0, a
// closed terminal) is killed by SIGPIPE the moment it prints. It prints only
// after its change is committed and on disk, so the change is saved anyway.
func TestOutputAfterCommit(t *testing.T) {
	tmp := t.TempDir()
	w := &signOffWorld{t: t, data: filepath.Join(tmp, "data"), cfg: map[string]string{"minister": filepath.Join(tmp, "minister")}}
	w.ok("minister", "profile", "set", "--name", "Siân Ŵyn", "--org", "Cabinet Office", "--side", "government")
	plan := strings.TrimSpace(w.ok("minister", "new", "--title", "Piped", "--country", "Cymru", "--period", "2026-2027"))
	c1 := strings.TrimSpace(w.ok("minister", "commitment", "add", plan, "--title", "Open contracting"))
	for _, kv := range [][]string{{"state", "adopted"}, {"lead", "Cabinet Office"}, {"values", "transparency"}} {
		w.ok("minister", "commitment", "set", plan, c1, kv[0], kv[1])
	}
	w.ok("minister", "milestone", "add", plan, c1, "--title", "Publish", "--start", "2026-03-01", "--end", "2026-12-31")
	keys := filepath.Join(tmp, "keys")
	w.ok("minister", "key", "new", "--name", "Siân Ŵyn", "-o", filepath.Join(keys, "minister"))
	w.ok("minister", "member", "key", plan, "me", filepath.Join(keys, "minister.pub"))
	w.ok("minister", "member", "role", plan, "me", "minister")
	copyFile := filepath.Join(tmp, "plan.coplan")
	w.ok("minister", "export", plan, "-o", copyFile)

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := doc.OpenLibrary(w.data)
	if err != nil {
		t.Fatal(err)
	}
	open := func() *doc.Plan {
		t.Helper()
		p, err := lib.Open(plan, doc.Author{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Abandon)
		return p
	}
	titles := func() string {
		var ts []string
		for _, s := range open().Summaries() {
			ts = append(ts, s.Title)
		}
		return strings.Join(ts, ",")
	}
	cases := []struct {
		name  string
		args  []string
		saved func() bool
	}{
		{"sign", []string{"sign", plan, "--version", "1.0", "--key", filepath.Join(keys, "minister")}, func() bool {
			return len(open().Releases()) == 1
		}},
		{"commitment add", []string{"commitment", "add", plan, "--title", "Piped away"}, func() bool {
			return strings.Contains(titles(), "Piped away")
		}},
		{"comment add", []string{"comment", "add", plan, c1, "said into the void"}, func() bool {
			cs := open().Content().Comments
			return len(cs) == 1 && cs[0].Body == "said into the void"
		}},
		{"member role", []string{"member", "role", plan, "me", "co-chair"}, func() bool {
			m, ok := open().Member(open().Content().Members[0].PeerID)
			return ok && strings.Contains(strings.Join(m.Roles, ","), "co-chair")
		}},
		{"new", []string{"new", "--title", "Piped plan", "--country", "X"}, func() bool {
			infos, _ := lib.List()
			for _, in := range infos {
				if in.Title == "Piped plan" {
					return true
				}
			}
			return false
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, pw, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close() // the reader is gone before the command prints
			cmd := exec.Command(self, append([]string{"--data-dir", w.data, "--config-dir", w.cfg["minister"]}, tc.args...)...)
			cmd.Env = append(os.Environ(), "COPLAN_CLI_CHILD=1")
			cmd.Stdout = pw
			err = cmd.Run()
			pw.Close()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGPIPE {
				t.Fatalf("coplan %s with its output gone: %v, want death by SIGPIPE as it printed", tc.name, err)
			}
			if !tc.saved() {
				t.Fatalf("coplan %s was killed as it printed, and its change is not saved", tc.name)
			}
		})
	}
}
