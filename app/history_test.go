package app

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/textdiff"
)

// colleague is a second replica of the fixture's plan, edited by Bruno on
// his own laptop.
func colleague(t *testing.T, f *fixture) *doc.Plan {
	t.Helper()
	saved, err := f.plan.Save()
	if err != nil {
		t.Fatal(err)
	}
	p, err := doc.LoadPlan(saved, bruno)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mergeReplica brings a replica's edits into the fixture's plan, as sync
// does, and lets the window hear of them.
func mergeReplica(t *testing.T, f *fixture, other *doc.Plan) {
	t.Helper()
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	theirs, err := other.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.plan.Merge(theirs); err != nil {
		t.Fatal(err)
	}
	f.ui.ws.drain()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// history opens the History screen and waits for its first reading.
func (f *fixture) history(t *testing.T) *historyScreen {
	t.Helper()
	f.open(t, outlineItem{kind: kindHistory})
	h, ok := f.ui.ws.current.(*historyScreen)
	if !ok {
		t.Fatalf("centre shows %T", f.ui.ws.current)
	}
	runHopsUntil(t, func() bool { return h.loaded && !h.loading })
	return h
}

// reload waits for the History screen to read the plan again.
func (h *historyScreen) reloadNow(t *testing.T) {
	t.Helper()
	gen := h.loads
	h.load()
	runHopsUntil(t, func() bool { return h.loads > gen && !h.loading })
}

// texts are the texts of the labels and rich texts under o, in order.
func texts(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.RichText:
			out = append(out, v.String())
		}
	})
	return out
}

func hasText(ts []string, s string) bool {
	return slices.ContainsFunc(ts, func(t string) bool { return strings.Contains(t, s) })
}

// tapTop taps a button of the dialog on top of the window.
func tapTop(t *testing.T, f *fixture, label string) {
	t.Helper()
	top := f.ui.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog is open to tap %q in", label)
	}
	test.Tap(findButton(t, top, label))
}

// closeDialogs dismisses the dialogs left open (results, information).
func closeDialogs(f *fixture) {
	for f.ui.win.Canvas().Overlays().Top() != nil {
		f.ui.win.Canvas().Overlays().Remove(f.ui.win.Canvas().Overlays().Top())
	}
}

// sessionRows are the rows the sessions tab lays out (every other object
// is a separator), newest first.
func (h *historyScreen) sessionRows() []fyne.CanvasObject {
	var rows []fyne.CanvasObject
	for _, o := range h.sessBox.Objects {
		if _, sep := o.(*widget.Separator); !sep {
			rows = append(rows, o)
		}
	}
	return rows
}

func TestHistoryListsSessionsWithNames(t *testing.T) {
	f := newFixture(t)
	other := colleague(t, f)
	must(t, other.SetText(doc.CommitmentText(f.ids[1], "problem"), "Company ownership is hidden behind nominees."))
	mergeReplica(t, f, other)

	h := f.history(t)
	want, err := f.plan.Sessions(doc.HistoryFilter{})
	must(t, err)
	rows := h.sessionRows()
	if len(rows) != len(want) || len(want) < 2 {
		t.Fatalf("%d rows for %d sessions", len(rows), len(want))
	}
	for i, s := range want {
		row := texts(rows[len(want)-1-i]) // newest first
		who := s.Author + " (" + s.Org + ") · " + sideLabel(s.Side)
		if !hasText(row, who) {
			t.Errorf("row of %s's session says %q, want %q", s.Author, row, who)
		}
		badge := "Unverified"
		if s.Verified {
			badge = "Verified"
		}
		if !hasText(row, badge) {
			t.Errorf("row %q has no %q badge", row, badge)
		}
		if !hasText(row, sessionWhen(s)) {
			t.Errorf("row %q does not say when (%s)", row, sessionWhen(s))
		}
	}
	last := want[len(want)-1]
	bruno := texts(rows[0])
	if last.Author != "Bruno Mensah" || !hasText(bruno, "Edited the problem of commitment 2") ||
		!hasText(bruno, fmt.Sprintf("+%d −%d characters", last.Inserted, last.Deleted)) || last.Inserted == 0 {
		t.Errorf("Bruno's session row says %q", bruno)
	}
	// No row is cut short: every line wraps.
	walk(h.sessBox, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text != "" && l.Wrapping != fyne.TextWrapWord && l.Text != "Unverified" && l.Text != "Verified" {
			t.Errorf("label %q does not wrap", l.Text)
		}
	})

	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			set  func()
			who  string // the only author listed; "" for none
		}{
			{"member", func() { h.member.SetSelected("Bruno Mensah (Cabinet Office)") }, "Bruno Mensah"},
			{"organisation", func() { h.org.SetSelected("Open Budget Coalition") }, "Ana Costa"},
			{"side", func() { h.side.SetSelected(sideLabel(doc.Government)) }, "Bruno Mensah"},
			{"commitment", func() { h.commitment.SetSelected("5. Lobbying register") }, "Ana Costa"},
			{"dates", func() { h.until.SetText("2025-03-14") }, "Ana Costa"},
			{"nothing", func() { h.since.SetText("2001-01-01"); h.until.SetText("2001-01-02") }, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h.quiet = true
				h.member.SetSelected(allMembers)
				h.org.SetSelected(allOrgs)
				h.side.SetSelected(allSides)
				h.commitment.SetSelected(allCommitments)
				h.since.SetText("")
				h.until.SetText("")
				h.quiet = false
				tc.set()
				h.reloadNow(t)
				hf, err := h.filter()
				must(t, err)
				want, err := f.plan.Sessions(hf)
				must(t, err)
				rows := h.sessionRows()
				if len(rows) != len(want) || (tc.who == "") != (len(rows) == 0) {
					t.Fatalf("%d rows for %d sessions, want %q's", len(rows), len(want), tc.who)
				}
				for i, r := range rows {
					if who := texts(r)[0]; !strings.HasPrefix(who, tc.who+" (") {
						t.Errorf("row %d is %q's, want %s's", i, who, tc.who)
					}
				}
			})
		}
	})
	t.Run("bad date", func(t *testing.T) {
		h.until.SetText("")
		h.since.SetText("14/03/2025")
		if !h.filterBox.Visible() || !strings.Contains(h.filterMsg.Text, "YYYY-MM-DD") {
			t.Errorf("a date that is not one says %q", h.filterMsg.Text)
		}
		h.since.SetText("")
	})
}

// viewedText is the text of the read-only editor in the version view's
// selected tab.
func viewedText(t *testing.T, vv *versionView) string {
	t.Helper()
	var got []string
	walk(vv.pv.center, func(o fyne.CanvasObject) {
		if e, ok := o.(interface{ Text() string }); ok {
			if _, isLabel := o.(*widget.Label); !isLabel {
				got = append(got, e.Text())
			}
		}
	})
	if len(got) == 0 {
		t.Fatal("no text shown")
	}
	return got[0]
}

func TestViewSessionShowsThatVersion(t *testing.T) {
	f := newFixture(t)
	id := f.ids[2]
	ref := doc.CommitmentText(id, "description")
	before, err := f.plan.Text(ref)
	must(t, err)
	other := colleague(t, f)
	must(t, other.SetText(ref, "Rewritten by the ministry."))
	must(t, other.RemoveCommitment(f.ids[4]))
	mergeReplica(t, f, other)

	h := f.history(t)
	sessions, err := f.plan.Sessions(doc.HistoryFilter{})
	must(t, err)
	rows := h.sessionRows()
	test.Tap(findButton(t, rows[len(rows)-1], "View")) // the oldest: Ana's seeding
	runHopsUntil(t, func() bool { return f.ui.viewing() != nil })
	vv := f.ui.viewing()

	old, err := f.plan.At(sessions[0].Last)
	must(t, err)
	want := old.Content()
	if vv.c.Title != want.Title || len(vv.c.Commitments) != len(want.Commitments) || len(want.Commitments) != 5 {
		t.Fatalf("version view shows %q with %d commitments, want %q with %d", vv.c.Title, len(vv.c.Commitments), want.Title, len(want.Commitments))
	}
	for i, c := range want.Commitments {
		if vv.c.Commitments[i].Description != c.Description || vv.c.Commitments[i].Title != c.Title {
			t.Errorf("commitment %d shown as %q, was %q", i+1, vv.c.Commitments[i].Description, c.Description)
		}
	}
	if !strings.Contains(vv.banner.Text, "as of the end of Ana Costa's session") || !strings.HasSuffix(vv.banner.Text, "read-only") {
		t.Errorf("banner says %q", vv.banner.Text)
	}
	// The commitment's text as it was, and the one deleted since, listed.
	if !vv.pv.outline.selectKey(outlineItem{kind: kindCommitment, id: id}.key()) {
		t.Fatal("the version's outline has no commitment 3")
	}
	selectTab(t, vv.pv.tabs, "Commitment")
	if got := viewedText(t, vv); got != before {
		t.Errorf("description shown %q, was %q", got, before)
	}
	if !vv.pv.outline.selectKey(outlineItem{kind: kindCommitment, id: f.ids[4]}.key()) {
		t.Error("the commitment deleted since is not listed in the past version")
	}
	findButton(t, vv.pv.center, "Restore this deleted commitment")

	test.Tap(findButton(t, vv.root, "Back to now"))
	if f.ui.viewing() != nil || f.ui.win.Content() == vv.root {
		t.Fatal("Back to now left the past version on screen")
	}
	if _, ok := f.ui.ws.current.(*historyScreen); !ok {
		t.Errorf("back on %T, want the History screen", f.ui.ws.current)
	}
	if now, _ := f.plan.Text(ref); now != "Rewritten by the ministry." {
		t.Errorf("the plan now holds %q", now)
	}
}

func TestCompareShowsKnownEdits(t *testing.T) {
	f := newFixture(t)
	if !f.ui.ws.saveDraft("For consultation") {
		t.Fatal("draft not saved")
	}
	closeDialogs(f)
	id := f.ids[1]
	must(t, f.plan.SetText(doc.CommitmentText(id, "problem"), "Today the data is hidden across agencies."))
	must(t, f.plan.SetCommitmentShort(id, doc.FieldLead, "Companies Registry"))
	must(t, f.plan.Commit())
	f.ui.ws.drain()

	h := f.history(t)
	selectTab(t, h.tabs, "Named versions")
	var draftRow, nowRow fyne.CanvasObject
	for _, o := range h.namedBox.Objects {
		ts := texts(o)
		switch {
		case hasText(ts, "Named draft “For consultation”"):
			draftRow = o
		case hasText(ts, "Now: the plan as it is"):
			nowRow = o
		}
	}
	if draftRow == nil || nowRow == nil {
		t.Fatalf("named versions list %q", texts(h.namedBox))
	}
	if !h.compareBtn.Disabled() {
		t.Error("Compare is on with nothing ticked")
	}
	tick := func(row fyne.CanvasObject) {
		walk(row, func(o fyne.CanvasObject) {
			if c, ok := o.(*widget.Check); ok {
				test.Tap(c)
			}
		})
	}
	tick(nowRow) // picked in either order: the earlier one goes first
	tick(draftRow)
	if h.compareBtn.Disabled() {
		t.Fatalf("Compare is off with two ticked: %q", h.pickMsg.Text)
	}
	test.Tap(h.compareBtn)
	runHopsUntil(t, func() bool { _, ok := f.ui.ws.current.(*diffScreen); return ok })
	ds := f.ui.ws.current.(*diffScreen)

	if ds.from.v.Kind != doc.VersionDraft || ds.to.v.Kind != doc.VersionNow {
		t.Fatalf("compares %s with %s", ds.from.label, ds.to.label)
	}
	d := ds.d
	if len(d.Plan) != 0 || len(d.Timeline) != 0 || len(d.Notes) != 0 || len(d.Commitments) != 1 {
		t.Fatalf("diff lists more than the edits: %+v", d)
	}
	c := d.Commitments[0]
	var fields []string
	for _, fd := range c.Fields {
		fields = append(fields, fd.Field)
	}
	if c.ID != id || c.Change != doc.Changed || !slices.Equal(fields, []string{"lead", "problem"}) {
		t.Fatalf("diff of commitment %s (%s): fields %v", c.ID, c.Change, fields)
	}
	// On screen: the words, styled as added and removed.
	var added, removed []string
	walk(ds.body, func(o fyne.CanvasObject) {
		rt, ok := o.(*widget.RichText)
		if !ok {
			return
		}
		for _, s := range rt.Segments {
			ts, ok := s.(*widget.TextSegment)
			if !ok {
				continue
			}
			switch ts.Style {
			case insertStyle():
				added = append(added, ts.Text)
			case deleteStyle():
				removed = append(removed, ts.Text)
			}
		}
	})
	if got := strings.Fields(strings.Join(added, " ")); !slices.Equal(got, []string{"Companies", "Registry", "hidden"}) ||
		!slices.Equal(strings.Fields(strings.Join(removed, " ")), []string{"Ministry", "of", "Finance", "scattered"}) {
		t.Errorf("shown added %q, removed %q", added, removed)
	}
	shown := texts(ds.body)
	if !hasText(shown, "Commitment 2: Beneficial ownership register — changed") || hasText(shown, "Commitment 1:") {
		t.Errorf("diff screen shows %q", shown)
	}

	t.Run("export", func(t *testing.T) {
		for _, ext := range []string{".md", ".html"} {
			path := filepath.Join(t.TempDir(), "diff"+ext)
			ds.exportDiff(path, ext)
			runHopsUntil(t, func() bool { return f.ui.task == nil })
			data, err := os.ReadFile(path)
			must(t, err)
			for _, w := range []string{"Beneficial ownership register", "hidden", "scattered", "Companies", "Registry", "Finance"} {
				if !strings.Contains(string(data), w) {
					t.Errorf("%s export lacks %q", ext, w)
				}
			}
			closeDialogs(f)
		}
	})

	test.Tap(findButton(t, f.ui.ws.center, "Back to history"))
	if f.ui.ws.current != h || len(h.picks) != 2 {
		t.Errorf("back to %T with %d ticks, want the same History screen", f.ui.ws.current, len(h.picks))
	}
}

func TestWordDiffStyles(t *testing.T) {
	long := strings.Repeat("unchanged words ", 60)
	for _, tc := range []struct {
		name string
		a, b string
		want string // segments as [-del-] {+ins+}
	}{
		{"replace", "within thirty days", "within sixty days", "within [-thirty-] {+sixty+} days"},
		{"insert", "a contract", "a public contract", "a {+public +}contract"},
		{"paragraph break removed", "one.\n\ntwo", "one. two", "one.[- ¶  ¶ -]{+ +}two"},
		{"long stretch shortened", long + "end", long + "finish", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := wordDiff(textdiff.Words(tc.a, tc.b))
			var b strings.Builder
			for _, s := range rt.Segments {
				ts := s.(*widget.TextSegment)
				switch ts.Style {
				case insertStyle():
					b.WriteString("{+" + ts.Text + "+}")
				case deleteStyle():
					b.WriteString("[-" + ts.Text + "-]")
				default:
					b.WriteString(ts.Text)
				}
			}
			got := b.String()
			if tc.want == "" {
				if !strings.Contains(got, " … ") || len(got) > 400 || !strings.HasSuffix(got, "[-end-] {+finish+}") {
					t.Errorf("long diff shown as %q", got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// viewNamed opens the named version labelled label from History.
func viewNamed(t *testing.T, f *fixture, label string) *versionView {
	t.Helper()
	h := f.history(t)
	for _, o := range h.namedBox.Objects {
		if hasText(texts(o), label) {
			test.Tap(findButton(t, o, "View"))
			runHopsUntil(t, func() bool { return f.ui.viewing() != nil })
			return f.ui.viewing()
		}
	}
	t.Fatalf("no named version %q in %q", label, texts(h.namedBox))
	return nil
}

func TestRestoreTextWritesChangeByRestorer(t *testing.T) {
	f := newFixture(t)
	id := f.ids[0]
	ref := doc.CommitmentText(id, "description")
	then, _ := f.plan.Text(ref)
	f.ui.ws.saveDraft("Before the ministry's edit")
	closeDialogs(f)
	other := colleague(t, f)
	must(t, other.SetText(ref, "The ministry will consider publishing some contracts."))
	mergeReplica(t, f, other)
	before, err := f.plan.ChangeCount()
	must(t, err)

	vv := viewNamed(t, f, "Before the ministry's edit")
	vv.pv.outline.selectKey(outlineItem{kind: kindCommitment, id: id}.key())
	selectTab(t, vv.pv.tabs, "Commitment")
	test.Tap(findButton(t, vv.pv.center, "Restore this text"))
	top := f.ui.win.Canvas().Overlays().Top()
	if ask := texts(top); !hasText(ask, "a new change by you (Ana Costa)") {
		t.Fatalf("confirmation says %q", ask)
	}
	tapTop(t, f, "Restore")
	runHopsUntil(t, func() bool { return f.ui.task == nil && f.ui.viewing() == nil })

	if got, _ := f.plan.Text(ref); got != then {
		t.Fatalf("text after restore %q, want %q", got, then)
	}
	after, err := f.plan.ChangeCount()
	must(t, err)
	if after != before+1 {
		t.Errorf("%d changes after restoring, want %d: one new change", after, before+1)
	}
	log, err := f.plan.ChangeLog()
	must(t, err)
	last := log[len(log)-1]
	if last.Author != ana.Name || !slices.ContainsFunc(last.Edits, func(e doc.Edit) bool { return e.Verb == doc.VerbRestore && e.ID == id }) {
		t.Errorf("last change by %q: %q %+v, want Ana's restore", last.Author, last.Message, last.Edits)
	}
	// The window is back on now, on the restored text.
	ce, ok := f.ui.ws.current.(*commitmentEditor)
	if !ok || ce.id != id || ce.tabs.Selected().Text != "Commitment" || ce.long["description"].ed.Text() != then {
		t.Errorf("after restoring the window shows %T", f.ui.ws.current)
	}
	if !hasText(texts(f.ui.win.Canvas().Overlays().Top()), "is back as it was") {
		t.Error("no word that the text is back")
	}
}

func TestRestoreDeleted(t *testing.T) {
	f := newFixture(t)
	gone := f.ids[4]
	c, err := f.plan.Commitment(gone)
	must(t, err)
	must(t, f.plan.RemoveCommitment(gone))
	ms, err := f.plan.Commitment(f.ids[0])
	must(t, err)
	must(t, f.plan.RemoveMilestone(f.ids[0], ms.Milestones[0].ID))
	tl := f.plan.Timeline()
	must(t, f.plan.RemoveTimeline(tl[0].ID))
	must(t, f.plan.Commit())
	f.ui.ws.drain()

	items, err := deletedItems(f.plan)
	must(t, err)
	var kinds []string
	for _, it := range items {
		kinds = append(kinds, it.target.kind+" "+it.target.title)
	}
	slices.Sort(kinds)
	want := []string{"commitment Lobbying register", "milestone Publish contracts dataset", "timeline Self-assessment due"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("deleted items %q, want %q", kinds, want)
	}

	f.ui.restoreDeleted()
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	dlg := f.ui.win.Canvas().Overlays().Top()
	var row fyne.CanvasObject
	walk(dlg, func(o fyne.CanvasObject) {
		if b, ok := o.(*fyne.Container); ok && row == nil && hasText(texts(b), "The deleted commitment “Lobbying register”") &&
			!hasText(texts(b), "Publish contracts dataset") {
			row = b
		}
	})
	if row == nil || !hasText(texts(row), "Deleted by Ana Costa") {
		t.Fatalf("restore dialog lists %q", texts(dlg))
	}
	test.Tap(findButton(t, row, "Restore"))
	tapTop(t, f, "Restore")
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	back, err := f.plan.Commitment(gone)
	if err != nil {
		t.Fatalf("the commitment is not back: %v", err)
	}
	if back.Title != c.Title || back.Description != c.Description || back.State != c.State {
		t.Errorf("restored as %q (%s), was %q (%s)", back.Title, back.State, c.Title, c.State)
	}
	if ce, ok := f.ui.ws.current.(*commitmentEditor); !ok || ce.id != gone {
		t.Errorf("after restoring the window shows %T", f.ui.ws.current)
	}
	if items, _ := deletedItems(f.plan); len(items) != 2 {
		t.Errorf("%d deleted items left, want the milestone and timeline entry", len(items))
	}
}

func TestBlameTwoTypists(t *testing.T) {
	f := newFixture(t)
	id := f.ids[3]
	ref := doc.CommitmentText(id, "contribution")
	_, ed := func() (*commitmentEditor, *editorText) {
		ce := f.commitment(t, id)
		selectTab(t, ce.tabs, "Impact")
		ed := ce.long["contribution"].ed.(*editorText)
		ed.focus(f.ui.win.Canvas())
		return ce, ed
	}()
	typeFocused(t, f.ui.win.Canvas(), "Citizens can request any record online.")
	must(t, f.plan.Commit())
	other := colleague(t, f)
	text, _ := other.Text(ref)
	must(t, other.Splice(ref, len([]rune(text)), 0, " The ministry answers within 20 days."))
	mergeReplica(t, f, other)
	if ed.Text() != "Citizens can request any record online. The ministry answers within 20 days." {
		t.Fatalf("editor shows %q", ed.Text())
	}

	ce := f.ui.ws.current.(*commitmentEditor)
	lf := ce.long["contribution"]
	selectTab(t, lf.tabs, blameTab)
	runHopsUntil(t, func() bool { return lf.blame.loaded })

	by := map[string]string{}
	who := ""
	for _, s := range lf.blame.text.Segments {
		ts := s.(*widget.TextSegment)
		if strings.HasPrefix(ts.Text, "‹") {
			who = strings.TrimSuffix(strings.TrimPrefix(ts.Text, "‹"), "› ")
			continue
		}
		by[who] += ts.Text
	}
	if by["Ana Costa"] != "Citizens can request any record online." || by["Bruno Mensah"] != " The ministry answers within 20 days." {
		t.Errorf("passages by typist %q", by)
	}
	key := texts(lf.blame.key)
	if len(key) != 2 || !hasText(key, "Ana Costa (Open Budget Coalition)") || !hasText(key, "Bruno Mensah (Cabinet Office)") {
		t.Errorf("key %q", key)
	}
	if lf.blame.text.Segments[1].(*widget.TextSegment).Style.ColorName == lf.blame.text.Segments[3].(*widget.TextSegment).Style.ColorName {
		t.Error("both typists drawn in one colour")
	}
}

func TestMeetingStartAndEnd(t *testing.T) {
	f := newFixture(t)
	if f.ui.ws.meeting.box.Visible() {
		t.Fatal("meeting banner shown with no meeting")
	}
	f.ui.startMeetingDialog()
	dlg := f.ui.win.Canvas().Overlays().Top()
	var entries []*widget.Entry
	var present []string
	walk(dlg, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Entry:
			entries = append(entries, v)
		case *widget.Check:
			if v.Checked {
				present = append(present, v.Text)
			}
		}
	})
	if !slices.Equal(present, []string{"Bruno Mensah"}) || len(entries) < 2 {
		t.Fatalf("start dialog offers %q connected, %d entries", present, len(entries))
	}
	entries[0].SetText("Forum meeting 5")
	entries[len(entries)-1].SetText("Chidi Okafor, Dana Lee")
	tapTop(t, f, "Start")
	if !f.ui.ws.meeting.box.Visible() || !strings.Contains(f.ui.ws.meeting.text.Text, "Forum meeting 5") {
		t.Fatalf("meeting banner: %v %q", f.ui.ws.meeting.box.Visible(), f.ui.ws.meeting.text.Text)
	}
	m, ok := runningMeeting(f.plan)
	if !ok || !slices.Equal(m.Attendees, []string{"Ana Costa", "Bruno Mensah", "Chidi Okafor", "Dana Lee"}) {
		t.Fatalf("meeting %+v", m)
	}
	if n, ok := f.ui.ws.current.(*notesScreen); !ok || n.current != m.Note {
		t.Errorf("the meeting's notes are not open: %T", f.ui.ws.current)
	}

	// Edits on both laptops during the meeting.
	other := colleague(t, f)
	must(t, other.SetCommitmentState(f.ids[1], doc.Agreed))
	must(t, f.plan.SetCommitmentShort(f.ids[0], doc.FieldLead, "Public Procurement Agency"))
	must(t, f.plan.Commit())
	mergeReplica(t, f, other)

	test.Tap(findButton(t, f.ui.ws.meeting.box, "End meeting"))
	tapTop(t, f, "End meeting")
	runHopsUntil(t, func() bool { return f.ui.task == nil })

	if f.ui.ws.meeting.box.Visible() {
		t.Error("banner still shown after the meeting ended")
	}
	n, ok := f.ui.ws.current.(*notesScreen)
	if !ok || n.current != m.Note {
		t.Fatalf("after ending, the window shows %T", f.ui.ws.current)
	}
	body := n.text.ed.Text()
	for _, w := range []string{"Ana Costa", "Bruno Mensah", "Chidi Okafor", "Dana Lee", "Public Procurement Agency", "agreed"} {
		if !strings.Contains(body, w) {
			t.Errorf("meeting record lacks %q:\n%s", w, body)
		}
	}
	if !strings.Contains(n.attendees.entry.Text, "Chidi Okafor") {
		t.Errorf("attendees %q", n.attendees.entry.Text)
	}
	if info := texts(f.ui.win.Canvas().Overlays().Top()); !hasText(info, "4 people present, 2 members edited the plan, 1 decision taken") {
		t.Errorf("end message %q", info)
	}
}

func TestExportDraft(t *testing.T) {
	f := newFixture(t)
	f.ui.ws.saveDraft("For consultation")
	closeDialogs(f)
	must(t, f.plan.SetText(doc.CommitmentText(f.ids[0], "title"), "Open contracting everywhere"))
	must(t, f.plan.Commit())
	choices, err := exportChoices(f.plan, nil)
	must(t, err)
	if len(choices) != 2 || choices[0].v.Kind != doc.VersionNow || choices[1].v.Kind != doc.VersionDraft {
		t.Fatalf("export offers %v", choices)
	}
	for _, tc := range []struct {
		ext   string
		at    versionChoice
		title string
	}{
		{".md", choices[0], "Open contracting everywhere"},
		{".html", choices[1], "Open contracting in public works"},
		{".json", choices[1], "Open contracting in public works"},
		{".ics", choices[0], "Self-assessment due"},
		{".pdf", choices[1], "Open contracting in public works"},
	} {
		t.Run(tc.ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "draft"+tc.ext)
			f.ui.ws.exportDraft(tc.at, tc.ext, path)
			runHopsUntil(t, func() bool { return f.ui.task == nil })
			defer closeDialogs(f)
			data, err := os.ReadFile(path)
			must(t, err)
			text := string(data)
			if tc.ext == ".pdf" {
				if !strings.HasPrefix(text, "%PDF") {
					t.Fatal("not a PDF")
				}
				out, err := exec.Command("pdftotext", path, "-").Output()
				if err != nil {
					t.Skipf("pdftotext: %v", err)
				}
				text = string(out)
			}
			if !strings.Contains(text, "Draft") || !strings.Contains(text, "not signed") {
				t.Errorf("%s export is not marked as a draft", tc.ext)
			}
			if !strings.Contains(text, tc.title) {
				t.Errorf("%s export of %s lacks %q", tc.ext, tc.at.label, tc.title)
			}
			if tc.at.v.Kind == doc.VersionDraft && tc.ext != ".ics" && !strings.Contains(text, "For consultation") {
				t.Errorf("%s export does not name the version", tc.ext)
			}
		})
	}
	t.Run("meeting notes", func(t *testing.T) {
		notes := f.plan.Notes()
		path := filepath.Join(t.TempDir(), "notes.md")
		f.ui.ws.exportNotes(notes[0].ID, ".md", path)
		runHopsUntil(t, func() bool { return f.ui.task == nil })
		defer closeDialogs(f)
		data, err := os.ReadFile(path)
		must(t, err)
		for _, w := range []string{"Forum meeting 1", "Ana, Bruno, Chidi", "Agreed five themes."} {
			if !strings.Contains(string(data), w) {
				t.Errorf("notes export lacks %q:\n%s", w, data)
			}
		}
		if strings.Contains(string(data), "Lobbying register") {
			t.Error("notes export carries the plan too")
		}
	})
}

// A past version stays on screen while colleagues' edits merge behind it;
// an action that edits the plan goes back to now first.
func TestVersionViewWhileEditing(t *testing.T) {
	f := newFixture(t)
	f.ui.ws.saveDraft("Seed")
	closeDialogs(f)
	vv := viewNamed(t, f, "Seed")
	title := f.ui.win.Title()
	other := colleague(t, f)
	must(t, other.SetText(doc.CommitmentText(f.ids[0], "title"), "Renamed by Bruno"))
	mergeReplica(t, f, other)
	if f.ui.viewing() != vv || f.ui.win.Title() != title || !strings.Contains(title, "as of the named draft “Seed”") {
		t.Fatalf("after a merge the window shows %q (viewing %v)", f.ui.win.Title(), f.ui.viewing() != nil)
	}
	if vv.c.Commitments[0].Title != "Open contracting in public works" {
		t.Errorf("the past version changed: %q", vv.c.Commitments[0].Title)
	}
	n := len(f.plan.Summaries())
	f.ui.newCommitment()
	if f.ui.viewing() != nil {
		t.Fatal("New commitment left the past version on screen")
	}
	if ce, ok := f.ui.ws.current.(*commitmentEditor); !ok || len(f.plan.Summaries()) != n+1 || ce.number.Text != fmt.Sprintf("Commitment %d", n+1) {
		t.Errorf("New commitment from a past version: %T, %d commitments", f.ui.ws.current, len(f.plan.Summaries()))
	}
	if f.ui.win.Title() != "Coplan — Fourth National Action Plan — Ana Costa (Open Budget Coalition)" {
		t.Errorf("title back on now: %q", f.ui.win.Title())
	}
}

// A member who is neither co-chair nor administrator is told in one line
// why it cannot start a meeting, and nothing is written; naming a draft
// stays open to every member.
func TestMeetingRefusedWithoutRole(t *testing.T) {
	f := newFixture(t)
	must(t, f.plan.AddMember(doc.Member{PeerID: bruno.PeerID, Name: bruno.Name, Org: bruno.Org, Side: bruno.Side}))
	must(t, f.plan.SetMemberRole(bruno.PeerID, doc.RoleAdmin, true))
	must(t, f.plan.SetMemberRole(ana.PeerID, doc.RoleAdmin, false))
	must(t, f.plan.Commit())
	heads := f.plan.Heads()
	notes := len(f.plan.Notes())

	f.ui.startMeetingDialog()
	info := texts(f.ui.win.Canvas().Overlays().Top())
	if !hasText(info, "Only a co-chair or an administrator may start a meeting") {
		t.Fatalf("refusal %q", info)
	}
	closeDialogs(f)
	if !slices.Equal(heads, f.plan.Heads()) || len(f.plan.Notes()) != notes || len(f.plan.Meetings()) != 0 {
		t.Fatal("a refused meeting start wrote to the plan")
	}

	// Bruno, now the administrator, starts a meeting on his laptop; Ana
	// cannot end it.
	other := colleague(t, f)
	if _, err := other.StartMeeting("Bruno's forum", nil); err != nil {
		t.Fatal(err)
	}
	mergeReplica(t, f, other)
	f.ui.endMeetingDialog()
	if info := texts(f.ui.win.Canvas().Overlays().Top()); !hasText(info, "Only a co-chair or an administrator may end a meeting someone else started") {
		t.Fatalf("end refusal %q", info)
	}
	closeDialogs(f)
	if m, ok := runningMeeting(f.plan); !ok || m.Title != "Bruno's forum" {
		t.Fatalf("the meeting no longer runs: %+v", m)
	}

	f.ui.saveDraftDialog()
	if top := f.ui.win.Canvas().Overlays().Top(); top == nil || hasText(texts(top), "cannot") {
		t.Fatalf("the draft dialog: %q", texts(top))
	}
	closeDialogs(f)
	if !f.ui.ws.saveDraft("Ana's reading") || len(f.plan.Drafts()) != 1 {
		t.Fatal("a member could not name a draft")
	}
}
