package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coplan/coplan/doc"
)

// sharing makes a user on the same data folder as u with a profile of
// their own (another drafter at the same laptop).
func (u *user) sharing(name, org, side string) *user {
	o := &user{t: u.t, data: u.data, conf: u.t.TempDir()}
	o.ok("profile", "set", "--name", name, "--org", org, "--side", side)
	return o
}

// fails runs a command that must fail, saying want on standard error.
func (u *user) fails(want string, args ...string) {
	u.t.Helper()
	out, errs, code := u.run(args...)
	if code == 0 || !strings.Contains(errs, want) {
		u.t.Fatalf("coplan %s: exit %d, stdout %q, stderr %q (want an error saying %q)", strings.Join(args, " "), code, out, errs, want)
	}
}

// json runs a command and decodes what it prints into v.
func (u *user) json(v any, args ...string) {
	u.t.Helper()
	if err := json.Unmarshal([]byte(u.ok(args...)), v); err != nil {
		u.t.Fatalf("coplan %s: %v", strings.Join(args, " "), err)
	}
}

// History from the command line: entries and sessions, in words and as
// JSON, with every filter.
func TestCLIHistorySessions(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	c1 := ann.ok("commitment", "add", plan, "--title", "Open contracting")
	ann.ok("commitment", "add", plan, "--title", "Beneficial ownership")
	mau := ann.sharing("Maurice Frankel", "Campaign for Freedom of Information", "civil-society")
	mau.ok("commitment", "set", plan, "2", "description", "A public register of who owns companies.")
	mau.ok("timeline", "add", plan, "--title", "Self-assessment due", "--date", "2026-09-30")

	if h := ann.ok("history", plan); !strings.Contains(h, "Maurice Frankel (Campaign for Freedom of Information)") ||
		!strings.Contains(h, "Edit the description of commitment 2 “Beneficial ownership”") || !strings.Contains(h, "[unverified]") {
		t.Fatalf("history:\n%s", h)
	}
	var all []doc.Session
	ann.json(&all, "history", plan, "--sessions", "--json")
	if len(all) != 2 {
		t.Fatalf("%d sessions: %+v", len(all), all)
	}
	out := ann.ok("history", plan, "--sessions")
	for _, want := range []string{
		"Ann Jones (Cabinet Office) created plan UK NAP 6 and added commitments 1 and 2, ",
		"Maurice Frankel (Campaign for Freedom of Information) edited the description of commitment 2 and added timeline entry “Self-assessment due”, ",
		", +59 −0 characters", // 40 of description, 19 of title
	} {
		if !strings.Contains(out, want) {
			t.Errorf("sessions lack %q:\n%s", want, out)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string // session authors, in order
	}{
		{"member", []string{"--member", "maurice frankel"}, []string{"Maurice Frankel"}},
		{"organisation", []string{"--org", "Cabinet Office"}, []string{"Ann Jones"}},
		{"side", []string{"--side", "civil-society"}, []string{"Maurice Frankel"}},
		{"commitment by number", []string{"--commitment", "1"}, []string{"Ann Jones"}},
		{"commitment by ID", []string{"--commitment", c1[:6]}, []string{"Ann Jones"}},
		{"since", []string{"--since", "2999-01-01"}, nil},
		{"until", []string{"--until", "2000-01-01 10:00"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ss []doc.Session
			ann.json(&ss, append([]string{"history", plan, "--sessions", "--json"}, tc.args...)...)
			var got []string
			for _, s := range ss {
				got = append(got, s.Author)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("sessions by %q, want %q", got, tc.want)
			}
		})
	}
	var h []doc.HistoryEntry
	ann.json(&h, "history", plan, "--commitment", "2", "--json")
	if len(h) != 2 || h[1].Author != "Maurice Frankel" || h[1].Edits[0].Field != "description" || h[1].Edits[0].Inserted != 40 {
		t.Fatalf("history of commitment 2: %+v", h)
	}
	for _, tc := range []struct{ name, want string }{
		{"--side=press", "side"},
		{"--commitment=9", "not found"},
		{"--since=yesterday", "not a date"},
	} {
		t.Run(tc.name, func(t *testing.T) { ann.fails(tc.want, "history", plan, "--sessions", tc.name) })
	}
}

// `show --at` prints what a copy saved at that point prints, whether the
// version is named by a draft, a bare label or change hashes.
func TestCLIShowAt(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	c1 := ann.ok("commitment", "add", plan, "--title", "Open contracting")
	ann.ok("commitment", "set", plan, c1, "description", "Publish every contract.")
	dir := t.TempDir()
	type point struct {
		copy string
		refs []string
	}
	var points []point
	mark := func(label string) {
		t.Helper()
		copy := filepath.Join(dir, fmt.Sprintf("copy%d.coplan", len(points)))
		ann.ok("export", plan, "-o", copy)
		var h []doc.HistoryEntry
		ann.json(&h, "history", plan, "--json")
		refs := []string{h[len(h)-1].Hash, h[len(h)-1].Hash[:12]}
		if label != "" {
			if out := ann.ok("draft", plan, label); !strings.Contains(out, "Saved draft") {
				t.Fatalf("draft: %s", out)
			}
			refs = append(refs, "draft:"+label, label)
		}
		points = append(points, point{copy, refs})
	}
	mark("For consultation")
	ann.ok("commitment", "set", plan, c1, "description", "Publish every contract over £10,000.")
	c2 := ann.ok("commitment", "add", plan, "--title", "Beneficial ownership")
	mark("")
	ann.ok("commitment", "rm", plan, c2)
	ann.ok("timeline", "add", plan, "--title", "Self-assessment due", "--date", "2026-09-30")
	mark("After the forum")
	ann.ok("commitment", "set", plan, c1, "title", "Open contracting everywhere")

	for _, pt := range points {
		want := ann.ok("show", pt.copy, "--json")
		for _, ref := range pt.refs {
			t.Run(ref, func(t *testing.T) {
				if got := ann.ok("show", plan, "--at", ref, "--json"); got != want {
					t.Fatalf("show --at %s:\n%s\nwant (the copy saved then)\n%s", ref, got, want)
				}
			})
		}
	}
	if out := ann.ok("show", plan, "--at", "For consultation"); !strings.Contains(out, "Version: draft “For consultation”") ||
		strings.Contains(out, "Beneficial") {
		t.Fatalf("show --at in words:\n%s", out)
	}
	vs := ann.ok("versions", plan)
	if !strings.Contains(vs, "draft “For consultation”") || !strings.Contains(vs, "--at draft:After the forum") {
		t.Fatalf("versions:\n%s", vs)
	}
	ann.fails("no release, draft, meeting, time or change", "show", plan, "--at", "no-such-label")
	ann.fails("a draft with that label exists", "draft", plan, "For consultation")
}

// Restoring from the command line: a deleted commitment, an old text, a
// deleted timeline entry; each a new change by whoever restores it.
func TestCLIRestore(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	c1 := ann.ok("commitment", "add", plan, "--title", "Open contracting")
	c2 := ann.ok("commitment", "add", plan, "--title", "Beneficial ownership")
	ann.ok("commitment", "set", plan, c2, "description", "A public register.")
	mid := ann.ok("milestone", "add", plan, c2, "--title", "Register opened", "--end", "2026-06-30")
	tl := ann.ok("timeline", "add", plan, "--title", "Consultation", "--date", "2025-12-01")
	ann.ok("commitment", "set", plan, c1, "description", "Publish every contract.")
	ann.ok("draft", plan, "v1")
	then := ann.show(plan)

	ann.ok("commitment", "rm", plan, c2)
	ann.ok("commitment", "set", plan, c1, "description", "Publish contracts.")
	ann.ok("timeline", "rm", plan, tl)
	mau := ann.sharing("Maurice Frankel", "Campaign for Freedom of Information", "civil-society")
	for _, tc := range []struct {
		name string
		args []string
		says string
	}{
		{"commitment by its old number", []string{"--commitment", "2"}, "Restore commitment 2 “Beneficial ownership” from draft “v1”"},
		{"a text", []string{"--commitment", c1[:6], "--field", "description"}, "Restore the description of commitment 1 “Open contracting” from draft “v1”"},
		{"a timeline entry", []string{"--timeline", tl}, "Restore timeline entry “Consultation”"},
		{"again: nothing to do", []string{"--timeline", tl}, "Nothing to restore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out := mau.ok(append([]string{"restore", plan, "--at", "v1"}, tc.args...)...); !strings.Contains(out, tc.says) {
				t.Fatalf("restore said %q, want %q", out, tc.says)
			}
		})
	}
	now := ann.show(plan)
	if showJSON(t, now.Commitments) != showJSON(t, then.Commitments) || showJSON(t, now.Timeline) != showJSON(t, then.Timeline) {
		t.Fatalf("after restoring:\n%s\nwant\n%s", showJSON(t, now), showJSON(t, then))
	}
	if now.Commitments[1].Milestones[0].ID != mid {
		t.Fatal("the milestone came back under another ID")
	}
	var h []doc.HistoryEntry
	ann.json(&h, "history", plan, "--member", "Maurice Frankel", "--json")
	if len(h) != 3 || !strings.HasPrefix(h[0].Message, "Restore commitment 2") {
		t.Fatalf("Maurice's history: %+v", h)
	}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"restore", plan, "--commitment", "1"}, "--at VERSION is required"},
		{[]string{"restore", plan, "--at", "v1"}, "say what to restore"},
		{[]string{"restore", plan, "--at", "v1", "--commitment", "#9"}, "not found"},
		{[]string{"restore", plan, "--at", "v1", "--milestone", "zz"}, "not found"},
	} {
		mau.fails(tc.says, tc.args...)
	}
}

func showJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// `coplan diff` between a named draft and now, in each format.
func TestCLIDiff(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	c1 := ann.ok("commitment", "add", plan, "--title", "Open contracting")
	ann.ok("commitment", "set", plan, c1, "description", "Publish every contract.")
	ann.ok("draft", plan, "For consultation")
	ann.ok("commitment", "set", plan, c1, "description", "Publish each contract within a month.")
	ann.ok("commitment", "add", plan, "--title", "Open budgets")
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		file string
		want []string
	}{
		{"text", nil, "", []string{"Changes: UK NAP 6", "From draft “For consultation”",
			"What is the commitment?: Publish [-every-]{+each+} contract{+ within a month+}.", "Commitment 2: Open budgets — added"}},
		{"markdown by extension", []string{"-o", filepath.Join(dir, "d.md")}, "d.md", []string{"Publish ~~every~~**each** contract **within a month**."}},
		{"html", []string{"--format", "html", "-o", filepath.Join(dir, "d.html")}, "d.html", []string{"Publish <del>every</del><ins>each</ins> contract<ins> within a month</ins>."}},
		{"json", []string{"--format", "json"}, "", []string{`"change": "added"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := ann.ok(append([]string{"diff", plan, "For consultation", "now"}, tc.args...)...)
			if tc.file != "" {
				raw, err := os.ReadFile(filepath.Join(dir, tc.file))
				if err != nil {
					t.Fatal(err)
				}
				out = string(raw)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
		})
	}
	ann.fails("want 3 argument(s)", "diff", plan, "now")
	ann.fails("--format", "diff", plan, "now", "now", "--format", "pdf")
	ann.fails("no draft", "diff", plan, "draft:nope", "now")
}

// pdfPages is the text of each page of a PDF, by pdftotext.
func pdfPages(t *testing.T, path string) []string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	if len(pages) > 0 && strings.TrimSpace(pages[len(pages)-1]) == "" {
		pages = pages[:len(pages)-1]
	}
	return pages
}

// A meeting started and ended on one laptop, with a colleague's edits
// carried over on a file and merged in between: its record names both,
// the attendees and the decisions, and the notes publish on their own.
func TestCLIMeeting(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	mau := newUser(t, "Maurice Frankel", "Campaign for Freedom of Information", "civil-society")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	c1 := ann.ok("commitment", "add", plan, "--title", "Open contracting")
	c2 := ann.ok("commitment", "add", plan, "--title", "Secret budget line", "--side", "civil-society")
	stick := filepath.Join(t.TempDir(), "plan.coplan")
	ann.ok("export", plan, "-o", stick)
	mau.ok("import", stick)

	// Maurice is neither co-chair nor administrator: refused in one line,
	// nothing written (no notes opened).
	mau.fails("is not a member of the plan, so it cannot start a meeting", "meeting", "start", plan, "--title", "Maurice's meeting")
	mau.fails("is not a member of the plan, so it cannot name a draft", "draft", plan, "Maurice's draft")
	if out := mau.ok("meeting", "list", plan); !strings.Contains(out, "No meetings yet") {
		t.Fatalf("a refused meeting start left a meeting: %s", out)
	}
	if out := mau.ok("versions", plan); !strings.Contains(out, "No named versions yet") {
		t.Fatalf("a refused draft left a version: %s", out)
	}
	out := ann.ok("meeting", "start", plan, "--title", "Forum 3", "--attendee", "Maurice Frankel", "--attendee", "Carla Diaz")
	if !strings.Contains(out, `Started meeting "Forum 3"`) || !strings.Contains(out, "Ann Jones, Maurice Frankel, Carla Diaz") {
		t.Fatalf("meeting start: %s", out)
	}
	ann.fails("a meeting is running", "meeting", "start", plan)
	var ms []doc.Meeting
	ann.json(&ms, "meeting", "list", plan, "--json")
	if len(ms) != 1 || ms[0].Ended() {
		t.Fatalf("meetings %+v", ms)
	}
	note := ms[0].Note

	// During the meeting: Ann decides on her laptop, Maurice writes on his,
	// and his copy comes back on the stick.
	ann.ok("commitment", "set", plan, c1, "state", "adopted")
	ann.ok("note", "set", plan, note, "body", "Ann opened the meeting.")
	mau.ok("commitment", "set", plan, c2, "state", "not-adopted")
	mau.ok("commitment", "set", plan, c2, "response", "Budgets are published already.")
	back := filepath.Join(t.TempDir(), "mau.coplan")
	mau.ok("export", plan, "-o", back)
	ann.ok("merge", plan, back)

	out = ann.ok("meeting", "end", plan)
	for _, want := range []string{"Attendees: Ann Jones, Maurice Frankel, Carla Diaz",
		"Edited during the meeting by: Ann Jones (Cabinet Office), Maurice Frankel (Campaign for Freedom of Information)",
		"- Commitment 1 “Open contracting”: moved from proposal to adopted",
		"- Commitment 2 “Secret budget line”: moved from proposal to not adopted. Reasoned response: Budgets are published already."} {
		if !strings.Contains(out, want) {
			t.Errorf("meeting end lacks %q:\n%s", want, out)
		}
	}
	ann.fails("no meeting is running", "meeting", "end", plan)

	dir := t.TempDir()
	for _, format := range []string{"md", "html", "pdf"} {
		t.Run("notes as "+format, func(t *testing.T) {
			f := filepath.Join(dir, "notes."+format)
			ann.ok("export", plan, "--notes", note[:6], "-o", f)
			var text string
			if format == "pdf" {
				text = strings.Join(pdfPages(t, f), "\n")
			} else {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				text = string(raw)
			}
			flat := strings.Join(strings.Fields(text), " ")
			for _, want := range []string{"Forum 3", "Ann opened the meeting.", "Ann Jones, Maurice Frankel, Carla Diaz", "Meeting record"} {
				if !strings.Contains(flat, want) {
					t.Errorf("published notes lack %q:\n%s", want, text)
				}
			}
			// Nothing else of the plan: not its title, nor a commitment
			// the record does not name.
			if strings.Contains(flat, "UK NAP 6") {
				t.Errorf("published notes carry the plan:\n%s", text)
			}
		})
	}
	ann.fails("meeting notes as", "export", plan, "--notes", note, "--format", "ics", "-o", filepath.Join(dir, "x.ics"))
	ann.fails("not found", "export", plan, "--notes", "zzzz", "-o", filepath.Join(dir, "x.md"))
}

// Draft exports carry "Draft — not signed", the version and its date
// wherever a reader looks: every PDF page, the HTML banner, the Markdown's
// first line; the calendar keeps its event UIDs across exports and
// updates an event whose date moved.
func TestCLIDraftExports(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	for i := 1; i <= 4; i++ {
		c := ann.ok("commitment", "add", plan, "--title", fmt.Sprintf("Commitment number %d", i))
		ann.ok("commitment", "set", plan, c, "description", strings.Repeat(fmt.Sprintf("Commitment %d will publish data. ", i), 60))
		ann.ok("milestone", "add", plan, c, "--title", "First milestone", "--start", "2026-01-01", "--end", "2026-06-30")
	}
	tl := ann.ok("timeline", "add", plan, "--title", "Self-assessment due", "--date", "2026-09-30")
	ann.ok("timeline", "add", plan, "--title", "IRM report", "--date", "2027-03-01")
	ann.ok("draft", plan, "For consultation")
	var vs []doc.Version
	ann.json(&vs, "versions", plan, "--json")
	version := "draft “For consultation” (" + vs[0].Heads[0][:8]
	date := vs[0].Time.UTC().Format("2 January 2006")
	dir := t.TempDir()

	pdf := filepath.Join(dir, "plan.pdf")
	ann.ok("export", plan, "--at", "For consultation", "-o", pdf)
	pages := pdfPages(t, pdf)
	if len(pages) < 4 {
		t.Fatalf("%d pages: the test wants several", len(pages))
	}
	for i, pg := range pages {
		flat := strings.Join(strings.Fields(pg), " ")
		if !strings.Contains(flat, "Draft — not signed") || !strings.Contains(flat, version) || !strings.Contains(flat, date) {
			t.Errorf("page %d lacks the draft mark, version or date:\n%s", i+1, pg)
		}
	}
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"plan.html", []string{`<div class="draft" role="note">Draft — not signed · version ` + version, "(draft, not signed)</title>"}},
		{"plan.md", []string{"**Draft — not signed · version " + version}},
		{"plan.json", []string{`"status": "Draft — not signed"`, `"version": "` + version}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := filepath.Join(dir, tc.file)
			ann.ok("export", plan, "--at", "draft:For consultation", "-o", f)
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(raw), w) {
					t.Errorf("lacks %q:\n%.600s", w, raw)
				}
			}
			if tc.file == "plan.md" && !strings.HasPrefix(string(raw), "**Draft — not signed") {
				t.Errorf("the mark is not the first line:\n%.200s", raw)
			}
		})
	}

	type event struct{ uid, seq, modified, start string }
	events := func(name string) map[string]event {
		t.Helper()
		f := filepath.Join(dir, name)
		ann.ok("export", plan, "-o", f)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]event{}
		var cur event
		for _, line := range strings.Split(string(raw), "\r\n") {
			k, v, _ := strings.Cut(line, ":")
			switch {
			case line == "BEGIN:VEVENT":
				cur = event{}
			case k == "UID":
				cur.uid = v
			case k == "SEQUENCE":
				cur.seq = v
			case k == "LAST-MODIFIED":
				cur.modified = v
			case strings.HasPrefix(k, "DTSTART"):
				cur.start = v
			case line == "END:VEVENT":
				out[cur.uid] = cur
			}
		}
		return out
	}
	first, again := events("a.ics"), events("b.ics")
	if len(first) != 6 || showJSON(t, first) != showJSON(t, again) {
		t.Fatalf("two exports of one timeline differ:\n%v\n%v", first, again)
	}
	uid := "timeline-" + tl + "@" + plan + ".coplan"
	before, ok := first[uid]
	if !ok || before.seq != "0" || before.start != "20260930" {
		t.Fatalf("event %s: %+v in %v", uid, before, first)
	}
	time.Sleep(1100 * time.Millisecond) // LAST-MODIFIED counts seconds
	ann.ok("timeline", "set", plan, tl, "date", "2026-10-15")
	after := events("c.ics")
	moved := after[uid]
	if len(after) != 6 || moved.seq != "1" || moved.start != "20261015" || moved.modified <= before.modified {
		t.Fatalf("after moving the date: %+v (was %+v)", moved, before)
	}
	for id, ev := range after {
		if id != uid && ev != first[id] {
			t.Errorf("event %s changed though its item did not: %+v -> %+v", id, first[id], ev)
		}
	}
}

// `coplan blame` gives each passage of a text to the member who typed it.
func TestCLIBlame(t *testing.T) {
	ann := newUser(t, "Ann Jones", "Cabinet Office", "government")
	mau := ann.sharing("Maurice Frankel", "Campaign for Freedom of Information", "civil-society")
	plan := ann.ok("new", "--title", "UK NAP 6", "--country", "United Kingdom")
	c1 := ann.ok("commitment", "add", plan, "--title", "Open contracting")
	ann.ok("commitment", "set", plan, c1, "description", "Publish every contract.")
	mau.ok("commitment", "set", plan, c1, "description", "Publish every contract within a month.")
	ann.ok("draft", plan, "v1")
	ann.ok("commitment", "set", plan, c1, "description", "Publish every contract within a month, in full.")
	var ps []doc.Passage
	ann.json(&ps, "blame", plan, "--commitment", "1", "--field", "description", "--json")
	var got []string
	for _, p := range ps {
		got = append(got, p.Author+":"+p.Text)
	}
	if want := "Ann Jones:Publish every contract|Maurice Frankel: within a month|Ann Jones:, in full."; strings.Join(got, "|") != want {
		t.Fatalf("blame %q, want %q", strings.Join(got, "|"), want)
	}
	out := ann.ok("blame", plan, "--commitment", c1, "--field", "description", "--at", "v1")
	if !strings.Contains(out, "Maurice Frankel (Campaign for Freedom of Information), characters 23–37  [unverified]:\n   within a month") ||
		!strings.Contains(out, "Ann Jones (Cabinet Office), character 38:\n  .") || // Ann's device signed for her typing
		strings.Contains(out, "Ann Jones (Cabinet Office), characters 1–22  [unverified]") ||
		strings.Contains(out, "in full") {
		t.Fatalf("blame at v1:\n%s", out)
	}
	ann.fails("needs --field", "blame", plan, "--commitment", "1")
	ann.fails("say which text", "blame", plan)
}
