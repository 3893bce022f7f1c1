package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	am "github.com/automerge/automerge-go"

	"github.com/coplan/coplan/cli"
	"github.com/coplan/coplan/doc"
)

// TestMain lets the test binary stand in for coplan in the few tests that
// need a second process (serve, stopped by a signal): with COPLAN_CLI_CHILD
// set it runs its arguments as a coplan command line and exits.
func TestMain(m *testing.M) {
	if os.Getenv("COPLAN_CLI_CHILD") == "1" {
		os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	if os.Getenv("COPLAN_MEASURE_CHILD") == "1" {
		measureChild()
	}
	os.Exit(m.Run())
}

// user is one person on one computer: a data folder and a config folder
// (profile and device key), passed to every command as --data-dir and
// --config-dir.
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

// run runs a command line in this process through cli.Run, as main does.
func (u *user) run(args ...string) (string, string, int) {
	u.t.Helper()
	return runCLI(append([]string{"--data-dir", u.data, "--config-dir", u.conf}, args...)...)
}

func runCLI(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := cli.Run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// child starts a command line as a separate process (the test binary
// acting as coplan), for commands that run until a signal.
func (u *user) child(env []string, args ...string) *exec.Cmd {
	u.t.Helper()
	self, err := os.Executable()
	if err != nil {
		u.t.Fatal(err)
	}
	cmd := exec.Command(self, append([]string{"--data-dir", u.data, "--config-dir", u.conf}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"COPLAN_CLI_CHILD=1"}, env...)...)
	return cmd
}

func (u *user) ok(args ...string) string {
	u.t.Helper()
	out, errs, code := u.run(args...)
	if code != 0 {
		u.t.Fatalf("coplan %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return strings.TrimSpace(out)
}

// device is the peer ID of this user's device.
func (u *user) device() string {
	u.t.Helper()
	for _, line := range strings.Split(u.ok("profile", "show"), "\n") {
		if v, ok := strings.CutPrefix(line, "device: "); ok {
			return strings.TrimSpace(v)
		}
	}
	u.t.Fatal("profile show prints no device")
	return ""
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
	for _, want := range []string{"Create plan UK NAP 6", "Add commitment 1 “Open contracting” and edit its description", "Add timeline entry “Self-assessment due”", "Ann Jones (Cabinet Office)"} {
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
	// Ann (the founder) admits Bryn's device, so his edits carry his name.
	ann.ok("member", "add", plan, bob.device(), "--name", "Bryn Davies", "--org", "Open Rights Cymru", "--side", "civil-society")
	ann.ok("export", plan, "-o", stick)
	bob.ok("import", stick)
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
		// "#99": a bare "99" could be the prefix of a random ID (1 in 256).
		{"unknown commitment", []string{"commitment", "set", plan, "#99", "lead", "X"}, "not found"},
		{"not a plan file", []string{"import", notPlan}, "not a Coplan plan"},
		{"merge not a plan", []string{"merge", plan, notPlan}, "not a Coplan plan"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing args", []string{"commitment", "set", plan, cid}, "want 4 argument(s)"},
		{"bad value", []string{"commitment", "set", plan, cid, "values", "transparency,magic"}, `OGP value "magic"`},
		{"peer not a multiaddr", []string{"peer", "add", plan, "192.168.1.5:4077"}, "is not a multiaddr"},
		{"peer without ID", []string{"sync", plan, "--peer", "/ip4/127.0.0.1/tcp/4077"}, "must end in /p2p/PEER-ID"},
		{"relay not named", []string{"sync", plan, "--peer", "/p2p-circuit/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA"}, "must name the relay"},
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

// The folders come from COPLAN_DATA and COPLAN_CONFIG unless --data-dir
// and --config-dir (before or after the command) say otherwise, and the
// device key is 0600.
func TestFolders(t *testing.T) {
	envData, envConf := t.TempDir(), t.TempDir()
	t.Setenv("COPLAN_DATA", envData)
	t.Setenv("COPLAN_CONFIG", envConf)
	if _, errs, code := runCLI("profile", "set", "--name", "Ann Jones", "--org", "Cabinet Office", "--side", "government"); code != 0 {
		t.Fatalf("profile set from the environment: %s", errs)
	}
	flagData, flagConf := t.TempDir(), t.TempDir()
	if _, errs, code := runCLI("--config-dir", flagConf, "profile", "set", "--name", "Bryn Davies", "--side", "civil-society"); code != 0 {
		t.Fatalf("profile set with --config-dir: %s", errs)
	}
	for _, tc := range []struct {
		name          string
		before, after []string // around "new --title T --country C"
		data          string   // where the plan must land
		author        string
	}{
		{"environment", nil, nil, envData, "Ann Jones"},
		{"--data-dir before", []string{"--data-dir", flagData}, nil, flagData, "Ann Jones"},
		{"--data-dir after", nil, []string{"--data-dir", flagData}, flagData, "Ann Jones"},
		{"both flags", []string{"--data-dir=" + flagData, "--config-dir=" + flagConf}, nil, flagData, "Bryn Davies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string(nil), tc.before...), "new", "--title", "Plan "+tc.name, "--country", "X"), tc.after...)
			out, errs, code := runCLI(args...)
			if code != 0 {
				t.Fatalf("coplan %s: %s", strings.Join(args, " "), errs)
			}
			plan := strings.TrimSpace(out)
			if _, err := os.Stat(filepath.Join(tc.data, "plans", plan)); err != nil {
				t.Fatalf("plan not in %s: %v", tc.data, err)
			}
			list, _, _ := runCLI("list")
			if strings.Contains(list, plan) != (tc.data == envData) {
				t.Fatalf("COPLAN_DATA's list and %q disagree: %s", plan, list)
			}
			hist, _, _ := runCLI("--data-dir", tc.data, "history", plan)
			if !strings.Contains(hist, tc.author) {
				t.Fatalf("history names someone else than %s:\n%s", tc.author, hist)
			}
		})
	}
	for _, dir := range []string{envConf, flagConf} {
		st, err := os.Stat(filepath.Join(dir, "device.key"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("device key mode %v", st.Mode().Perm())
		}
	}
}

// A change made under another member's name, forced into a .coplan copy
// through automerge-go (a new actor whose actors-map entry names Ann's
// device), shows in history --json as Ann's claim, unverified; Ann's own
// changes are verified.
func TestHistoryMarksUnverifiedChanges(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "Cynllun", "--country", "Cymru", "--period", "2025-2027")
	cid := ann.ok("commitment", "add", plan, "--title", "Open budgets")
	forger := am.NewActorID()
	forged := forgeCopy(t, ann.exportedBytes(plan), "Set commitment 1 org", func(d *am.Doc) {
		if err := d.SetActorID(forger); err != nil {
			t.Fatal(err)
		}
		actors, _ := d.RootMap().Get("actors")
		if err := actors.Map().Set(forger, ann.device()); err != nil {
			t.Fatal(err)
		}
		cm, _ := d.Path("commitments", cid).Get()
		if err := cm.Map().Set("org", "Forged Org"); err != nil {
			t.Fatal(err)
		}
	})
	ann.ok("merge", plan, forged)

	var h []doc.HistoryEntry
	if err := json.Unmarshal([]byte(ann.ok("history", plan, "--json")), &h); err != nil {
		t.Fatal(err)
	}
	var sawForged, sawVerified bool
	for _, e := range h {
		switch {
		case e.Actor == forger:
			sawForged = true
			if e.Verified || e.Author != "Ann Jones" {
				t.Errorf("forged change: author %q verified %v, want Ann's claim, unverified", e.Author, e.Verified)
			}
		case e.Verified:
			sawVerified = true
			if e.Author != "Ann Jones" {
				t.Errorf("verified change by %q", e.Author)
			}
		}
	}
	if !sawForged || !sawVerified {
		t.Fatalf("history lacks the forged change (%v) or a verified one (%v): %+v", sawForged, sawVerified, h)
	}
	out := ann.ok("history", plan)
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "Create plan") && strings.Contains(line, "[unverified]") {
			t.Errorf("Ann's own change marked unverified: %s", line)
		}
	}
	if !strings.Contains(out, "[unverified]") {
		t.Fatalf("history text does not mark the forged change unverified:\n%s", out)
	}
}
