package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coplan/coplan/doc"
)

// FolderHash is folderHash for the package's outside tests.
var FolderHash = folderHash

// folderHash sums every file under dir, to tell that nothing was written.
func folderHash(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		fmt.Fprintf(h, "%s %d\n", p, len(b))
		h.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// readOnlyRunner runs coplan commands against a data folder that really
// cannot be written. As root, which ignores permission bits, each command
// runs in a mount namespace of its own where the folder is bind-mounted
// read-only (unshare); otherwise the folder's permission bits are taken
// away. It returns the data folder path the commands see.
func readOnlyRunner(t *testing.T, w *signOffWorld) (run func(args ...string) (string, string, int), seen string) {
	if os.Geteuid() != 0 {
		filepath.WalkDir(w.data, func(p string, d fs.DirEntry, err error) error {
			if err == nil {
				mode := os.FileMode(0o444)
				if d.IsDir() {
					mode = 0o555
				}
				os.Chmod(p, mode)
			}
			return nil
		})
		t.Cleanup(func() {
			filepath.WalkDir(w.data, func(p string, d fs.DirEntry, err error) error {
				if err == nil {
					os.Chmod(p, 0o700)
				}
				return nil
			})
		})
		return func(args ...string) (string, string, int) { return w.run("minister", "", args...) }, w.data
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("skipping: running as root, which ignores permission bits, and there is no unshare(1) to make a read-only bind mount")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(mnt, 0o700); err != nil {
		t.Fatal(err)
	}
	run = func(args ...string) (string, string, int) {
		full := append([]string{"-m", "--", "sh", "-c", `mount --bind -o ro "$1" "$2" && shift 2 && exec "$@"`, "sh", w.data, mnt,
			self, "--data-dir", mnt, "--config-dir", w.cfg["minister"]}, args...)
		cmd := exec.Command(unshare, full...)
		cmd.Env = append(os.Environ(), "COPLAN_CLI_CHILD=1")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("unshare: %v", err)
		}
		return out.String(), errb.String(), code
	}
	// Can this machine do it at all?
	probe := exec.Command(unshare, "-m", "--", "sh", "-c", `mount --bind -o ro "$1" "$2" && ! touch "$2/.probe" 2>/dev/null`, "sh", w.data, mnt)
	if b, err := probe.CombinedOutput(); err != nil {
		t.Skipf("skipping: running as root and cannot make a read-only bind mount in a new mount namespace (%v: %s)", err, b)
	}
	return run, mnt
}

// A read-only data folder (a USB stick, a locked-down laptop) opens for
// show, list, export and verify, with a note that edits are off; edits are
// refused with a clear error; nothing in the folder changes.
func TestReadOnlyFolder(t *testing.T) {
	tmp := t.TempDir()
	w := &signOffWorld{t: t, data: filepath.Join(tmp, "data"), cfg: map[string]string{"minister": filepath.Join(tmp, "minister")}}
	w.ok("minister", "profile", "set", "--name", "Siân Ŵyn", "--org", "Cabinet Office", "--side", "government")
	plan := strings.TrimSpace(w.ok("minister", "new", "--title", "Read-only plan", "--country", "Cymru", "--period", "2026-2027"))
	c1 := strings.TrimSpace(w.ok("minister", "commitment", "add", plan, "--title", "Open contracting"))
	for _, kv := range [][]string{{"state", "adopted"}, {"lead", "Cabinet Office"}, {"values", "transparency"}} {
		w.ok("minister", "commitment", "set", plan, c1, kv[0], kv[1])
	}
	w.ok("minister", "milestone", "add", plan, c1, "--title", "Publish", "--start", "2026-03-01", "--end", "2026-12-31")
	keys := filepath.Join(tmp, "keys")
	w.ok("minister", "key", "new", "--name", "Siân Ŵyn", "-o", filepath.Join(keys, "minister"))
	w.ok("minister", "member", "key", plan, "me", filepath.Join(keys, "minister.pub"))
	w.ok("minister", "member", "role", plan, "me", "minister")
	w.ok("minister", "sign", plan, "--version", "1.0", "--key", filepath.Join(keys, "minister"))
	release := filepath.Join(tmp, "release")
	w.ok("minister", "export", plan, "--release", "1.0", "-o", release)
	copies := filepath.Join(w.data, "copies")
	mustRel(t, os.Mkdir(copies, 0o700))
	w.ok("minister", "export", plan, "-o", filepath.Join(copies, "plan.coplan"))
	// Without its cache, list must open the plan itself.
	mustRel(t, os.Remove(filepath.Join(w.data, "plans", plan, "content.json")))

	before := folderHash(t, w.data)
	run, seen := readOnlyRunner(t, w)
	out := filepath.Join(tmp, "out")
	mustRel(t, os.Mkdir(out, 0o700))
	note := "read-only: reading only, edits are off"
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // contains
		stderr string // contains
	}{
		{"show", []string{"show", plan}, 0, "Read-only plan", note},
		{"show json", []string{"show", plan, "--json"}, 0, `"title": "Read-only plan"`, note},
		{"show a .coplan file on the read-only medium", []string{"show", filepath.Join(seen, "copies", "plan.coplan")}, 0, "Read-only plan", ""},
		{"list", []string{"list"}, 0, "Read-only plan", note},
		{"export markdown", []string{"export", plan, "-o", filepath.Join(out, "plan.md")}, 0, "", note},
		{"export coplan", []string{"export", plan, "-o", filepath.Join(out, "plan.coplan")}, 0, "", note},
		{"export release", []string{"export", plan, "--release", "1.0", "-o", filepath.Join(out, "release")}, 0, "Wrote version 1.0", note},
		{"verify", []string{"verify", release, "--plan", plan}, 0, "held the minister role", note},
		{"history", []string{"history", plan}, 0, "Add commitment 1", note},
		{"commitment add refused", []string{"commitment", "add", plan, "--title", "Never"}, 1, "", "the plan's folder is read-only: edits are off"},
		{"plan set refused", []string{"plan", "set", plan, "title", "Never"}, 1, "", "edits are off"},
		{"comment refused", []string{"comment", "add", plan, c1, "never"}, 1, "", "edits are off"},
		{"sync refused", []string{"sync", plan, "--peer", "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWQJy4hLLFGcAopnxC5GnCYziMU7utKY9DxnhmbuTRt8FN"}, 1, "", "edits are off"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := run(tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("coplan %s: exit %d (want %d)\nstdout: %s\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, stdout, stderr)
			}
			if tc.code != 0 && strings.Contains(stdout, "\n") {
				t.Fatalf("a refused edit printed %q", stdout)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(out, "plan.md")); err != nil || !bytes.Contains(b, []byte("Open contracting")) {
		t.Fatalf("exported markdown: %v %q", err, b)
	}
	raw, err := os.ReadFile(filepath.Join(out, "plan.coplan"))
	mustRel(t, err)
	saved, err := doc.DecodeFile(raw)
	mustRel(t, err)
	q, err := doc.LoadPlan(saved, doc.Author{})
	mustRel(t, err)
	var c doc.Content
	mustRel(t, json.Unmarshal(must(json.Marshal(q.Content())), &c))
	if c.Title != "Read-only plan" || len(c.Commitments) != 1 {
		t.Fatalf("exported .coplan holds %+v", c)
	}
	if after := folderHash(t, w.data); after != before {
		t.Fatal("the read-only folder changed")
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
