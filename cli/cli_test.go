package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coplan/coplan/doc"
)

var binary string

// TestMain builds the real coplan binary once; the tests run it on
// temporary data and config folders.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "coplan-cli-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "coplan")
	build := exec.Command("go", "build", "-o", binary, "..")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build coplan: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type user struct {
	t          *testing.T
	data, conf string
}

func newUser(t *testing.T, name, org, side string) *user {
	u := &user{t: t, data: t.TempDir(), conf: t.TempDir()}
	if name != "" {
		u.ok("profile", "set", "--name", name, "--org", org, "--side", side)
	}
	return u
}

func (u *user) run(args ...string) (string, string, int) {
	u.t.Helper()
	cmd := exec.Command(binary, args...)
	// C.UTF-8, as on servers and CI: nothing may add noise to stderr there.
	cmd.Env = append(os.Environ(), "COPLAN_DATA="+u.data, "COPLAN_CONFIG="+u.conf, "LANG=C.UTF-8", "LANGUAGE=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func (u *user) ok(args ...string) string {
	u.t.Helper()
	out, errs, code := u.run(args...)
	if code != 0 {
		u.t.Fatalf("coplan %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return strings.TrimSpace(out)
}

func (u *user) show(plan string) doc.Content {
	u.t.Helper()
	var c doc.Content
	if err := json.Unmarshal([]byte(u.ok("show", plan, "--json")), &c); err != nil {
		u.t.Fatal(err)
	}
	return c
}

func TestWorkflow(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom", "--period", "2025-2027")
	if len(plan) != 32 {
		t.Fatalf("new printed %q, want a plan ID", plan)
	}
	cid := ann.ok("commitment", "add", plan[:8], "--title", "Open contracting", "--lead", "Crown Commercial Service")
	ann.ok("commitment", "set", plan, cid, "description", "Publish every contract over £10,000.")
	ann.ok("commitment", "set", plan, "1", "values", "transparency,accountability")
	ann.ok("commitment", "set", plan, "#1", "themes", "procurement, open data")
	ann.ok("commitment", "set", plan, cid, "start", "2025-01-01")
	mid := ann.ok("milestone", "add", plan, cid, "--title", "Data standard adopted", "--start", "2025-02-01", "--end", "2025-06-30")
	ann.ok("milestone", "set", plan, cid, mid, "progress", "substantial")
	c2 := ann.ok("commitment", "add", plan, "--title", "Beneficial ownership", "--side", "civil-society", "--org", "Transparency International UK")
	ann.ok("commitment", "move", plan, c2, "1")
	ann.ok("timeline", "add", plan, "--title", "Self-assessment due", "--date", "2026-09-30")
	ann.ok("note", "add", plan, "--title", "Forum meeting 1", "--date", "2025-01-15", "--body", "Agreed the themes.")

	c := ann.show(plan)
	if c.Title != "UK NAP 6" || c.PeriodStart != "2025-01-01" || c.PeriodEnd != "2027-12-31" {
		t.Fatalf("plan heading %+v", c)
	}
	if len(c.Commitments) != 2 || c.Commitments[0].ID != c2 || c.Commitments[1].ID != cid {
		t.Fatalf("commitments not in moved order: %+v", c.Commitments)
	}
	oc := c.Commitments[1]
	if oc.Description != "Publish every contract over £10,000." || !oc.Values.Transparency || !oc.Values.Accountability || oc.Values.Technology {
		t.Fatalf("commitment fields %+v", oc)
	}
	if strings.Join(oc.Themes, "|") != "open data|procurement" || oc.Lead != "Crown Commercial Service" {
		t.Fatalf("themes/lead %+v", oc)
	}
	if len(oc.Milestones) != 1 || oc.Milestones[0].Progress != doc.Substantial || oc.Milestones[0].End != "2025-06-30" {
		t.Fatalf("milestones %+v", oc.Milestones)
	}
	if c.Commitments[0].Origin.Side != doc.CivilSociety || c.Commitments[0].Origin.Org != "Transparency International UK" {
		t.Fatalf("origin %+v", c.Commitments[0].Origin)
	}
	if len(c.Timeline) != 1 || len(c.Notes) != 1 || c.Notes[0].Body != "Agreed the themes." {
		t.Fatalf("timeline/notes %+v %+v", c.Timeline, c.Notes)
	}
	if len(c.Members) != 1 || c.Members[0].Name != "Ann Jones" {
		t.Fatalf("members %+v", c.Members)
	}

	hist := ann.ok("history", plan)
	for _, want := range []string{"Create plan UK NAP 6", "Add commitment 1: Open contracting", "Edit commitment 1 description", "Ann Jones (Cabinet Office)"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if list := ann.ok("list"); !strings.Contains(list, plan) || !strings.Contains(list, "UK NAP 6") {
		t.Fatalf("list: %s", list)
	}

	// Markdown and JSON exports.
	md := filepath.Join(t.TempDir(), "plan.md")
	ann.ok("export", plan, "--format", "md", "-o", md)
	raw, _ := os.ReadFile(md)
	if !strings.Contains(string(raw), "### 2. Open contracting") || !strings.Contains(string(raw), "Data standard adopted") {
		t.Fatalf("markdown export:\n%s", raw)
	}
	js := filepath.Join(t.TempDir(), "plan.json")
	ann.ok("export", plan, "-o", js)
	var jc doc.Content
	raw, _ = os.ReadFile(js)
	if err := json.Unmarshal(raw, &jc); err != nil || jc.ID != plan {
		t.Fatalf("json export: %v %s", err, raw)
	}

	// Remove and re-check.
	ann.ok("milestone", "rm", plan, cid, mid)
	ann.ok("commitment", "rm", plan, c2)
	if c := ann.show(plan); len(c.Commitments) != 1 || len(c.Commitments[0].Milestones) != 0 {
		t.Fatalf("after rm: %+v", c.Commitments)
	}
}

// Two drafters carry copies on a USB stick: export, import, edit apart,
// merge back; both edits survive and merge reports who made them.
func TestCarryAndMerge(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	bob := newUser(t, "Bryn Davies", "Open Rights Cymru", "civil-society")
	plan := ann.ok("new", "--title", "Cynllun Gweithredu", "--country", "Cymru", "--period", "2025-2027")
	cid := ann.ok("commitment", "add", plan, "--title", "Open budgets")
	ann.ok("commitment", "set", plan, cid, "description", "Publish the budget.")
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	ann.ok("export", plan, "-o", stick)

	if out := bob.ok("import", stick); !strings.Contains(out, plan) || !strings.Contains(out, "imported") {
		t.Fatalf("import: %s", out)
	}
	// Offline edits on both laptops in the same paragraph.
	bob.ok("commitment", "set", plan, cid, "description", "Publish the budget monthly.")
	ann.ok("commitment", "set", plan, cid, "description", "Publish the whole budget.")
	back := filepath.Join(t.TempDir(), "bob.coplan")
	bob.ok("export", plan, "--format", "coplan", "-o", back)

	out := ann.ok("merge", plan, back)
	if !strings.Contains(out, "Bryn Davies") {
		t.Fatalf("merge report does not name the author: %s", out)
	}
	got := ann.show(plan).Commitments[0].Description
	if got != "Publish the whole budget monthly." {
		t.Fatalf("merged description %q", got)
	}
	if out := ann.ok("merge", plan, back); !strings.Contains(out, "nothing new") {
		t.Fatalf("second merge: %s", out)
	}
	// A file can be shown without importing it.
	if c := ann.show(back); c.ID != plan {
		t.Fatalf("show file: %+v", c)
	}
}

// Bad input: a one-line error naming what is wrong, non-zero exit, and
// nothing written.
func TestBadInput(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "NAP", "--country", "X")
	cid := ann.ok("commitment", "add", plan, "--title", "C")
	before := ann.ok("show", plan, "--json")
	histBefore := ann.ok("history", plan)
	notPlan := filepath.Join(t.TempDir(), "notes.coplan")
	os.WriteFile(notPlan, []byte("just some notes\n"), 0o644)

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown plan", []string{"show", "ffffffff"}, "no plan"},
		{"unknown field", []string{"commitment", "set", plan, cid, "colour", "red"}, `unknown field: commitment field "colour"`},
		{"bad date", []string{"commitment", "set", plan, cid, "end", "31/12/2026"}, "is not a date"},
		{"impossible date", []string{"milestone", "add", plan, cid, "--title", "M", "--end", "2026-02-30"}, "is not a date"},
		{"bad state", []string{"commitment", "set", plan, cid, "state", "maybe"}, "invalid value: state"},
		{"bad side", []string{"commitment", "add", plan, "--title", "D", "--side", "both"}, "side"},
		{"unknown commitment", []string{"commitment", "set", plan, "99", "lead", "X"}, "not found"},
		{"not a plan file", []string{"import", notPlan}, "not a Coplan plan"},
		{"merge not a plan", []string{"merge", plan, notPlan}, "not a Coplan plan"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing args", []string{"commitment", "set", plan, cid}, "want 4 argument(s)"},
		{"bad value", []string{"commitment", "set", plan, cid, "values", "transparency,magic"}, `OGP value "magic"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := ann.run(tc.args...)
			if code == 0 {
				t.Fatalf("exit 0, out %q", out)
			}
			if !strings.Contains(errs, tc.want) {
				t.Fatalf("stderr %q lacks %q", errs, tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(errs), "\n"); lines > 1 {
				t.Fatalf("error is %d lines: %q", lines+1, errs)
			}
		})
	}
	if after := ann.ok("show", plan, "--json"); after != before {
		t.Fatalf("bad input changed the plan")
	}
	if h := ann.ok("history", plan); h != histBefore {
		t.Fatalf("bad input added history:\n%s", h)
	}
	// Without a profile, edits are refused with the fix in the message.
	anon := newUser(t, "", "", "")
	if _, errs, code := anon.run("new", "--title", "T", "--country", "C"); code == 0 || !strings.Contains(errs, "coplan profile set") {
		t.Fatalf("no profile: %d %q", code, errs)
	}
}

// Data folder from --data-dir wins over COPLAN_DATA, and key files are 0600.
func TestDataDirAndKeyMode(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	other := t.TempDir()
	plan := ann.ok("--data-dir", other, "new", "--title", "Elsewhere", "--country", "X")
	if _, err := os.Stat(filepath.Join(other, "plans", plan)); err != nil {
		t.Fatalf("--data-dir ignored: %v", err)
	}
	if out := ann.ok("list"); strings.Contains(out, plan) {
		t.Fatalf("plan leaked into COPLAN_DATA: %s", out)
	}
	st, err := os.Stat(filepath.Join(ann.conf, "device.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("device key mode %v", st.Mode().Perm())
	}
}

// With no display, `coplan` alone says why the window cannot open instead
// of crashing in the GL library.
func TestNoDisplay(t *testing.T) {
	u := newUser(t, "", "", "")
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), "COPLAN_DATA="+u.data, "COPLAN_CONFIG="+u.conf, "DISPLAY=", "WAYLAND_DISPLAY=")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v, output %s", err, out)
	}
	if !strings.Contains(string(out), "no display") || strings.Contains(string(out), "panic") {
		t.Fatalf("output %q", out)
	}
}
