package app

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// descriptionEditor opens a commitment's description and focuses it with
// the cursor at off.
func descriptionEditor(t *testing.T, f *fixture, id string, off int) (*commitmentEditor, *editorText) {
	t.Helper()
	ce := f.commitment(t, id)
	selectTab(t, ce.tabs, "Commitment")
	ed := ce.long["description"].ed.(*editorText)
	ed.SetCursorOffset(off)
	ed.focus(f.ui.win.Canvas())
	return ce, ed
}

func TestTypingWritesSplices(t *testing.T) {
	f := newFixture(t)
	id := f.ids[1]
	_, ed := descriptionEditor(t, f, id, 0)
	type splice struct {
		pos, del int
		ins      string
	}
	var got []splice
	inner := ed.OnSplice
	ed.OnSplice = func(pos, del int, ins string) {
		got = append(got, splice{pos, del, ins})
		inner(pos, del, ins)
	}
	typeFocused(t, f.ui.win.Canvas(), "Draft: ")
	f.ui.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})

	if len(got) != len("Draft: ")+1 {
		t.Fatalf("got %d splices, want one per keystroke: %v", len(got), got)
	}
	for i, s := range got[:7] {
		if s.pos != i || s.del != 0 || len(s.ins) != 1 {
			t.Errorf("keystroke %d wrote splice %+v, want one character at %d", i, s, i)
		}
	}
	if last := got[7]; last.pos != 6 || last.del != 1 || last.ins != "" {
		t.Errorf("backspace wrote %+v, want a one-character delete at 6", last)
	}
	text, err := f.plan.Text(doc.CommitmentText(id, "description"))
	if err != nil {
		t.Fatal(err)
	}
	if text != ed.Text() {
		t.Fatalf("document and editor differ:\n doc %q\n ed  %q", text, ed.Text())
	}
	if !strings.HasPrefix(text, "Draft:The commitment") {
		t.Fatalf("document text %q", text)
	}
	if ed.CursorOffset() != 6 {
		t.Errorf("cursor at %d, want 6", ed.CursorOffset())
	}
}

func TestRemoteMergeWhileTyping(t *testing.T) {
	f := newFixture(t)
	id := f.ids[0]
	ref := doc.CommitmentText(id, "description")
	before, _ := f.plan.Text(ref)
	// A colleague's replica, taken before we start typing.
	saved, err := f.plan.Save()
	if err != nil {
		t.Fatal(err)
	}
	other, err := doc.LoadPlan(saved, bruno)
	if err != nil {
		t.Fatal(err)
	}
	mid := strings.Index(before, "data") // type in the middle of the first paragraph
	_, ed := descriptionEditor(t, f, id, mid)
	c := f.ui.win.Canvas()

	typeFocused(t, c, "open ")
	// The colleague edits before and after our cursor, and in another field.
	if err := other.Splice(ref, 0, 0, "[Gov] "); err != nil {
		t.Fatal(err)
	}
	otherText, _ := other.Text(ref)
	if err := other.Splice(ref, len([]rune(otherText)), 0, " (agreed)"); err != nil {
		t.Fatal(err)
	}
	if err := other.SetCommitmentShort(id, doc.FieldLead, "Public Procurement Agency"); err != nil {
		t.Fatal(err)
	}
	theirs, err := other.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.plan.Merge(theirs); err != nil {
		t.Fatal(err)
	}
	f.ui.ws.drain() // the UI goroutine's hop, done here on the test goroutine
	typeFocused(t, c, "machine-readable ")

	want := "[Gov] " + before[:mid] + "open machine-readable " + before[mid:] + " (agreed)"
	got, _ := f.plan.Text(ref)
	if got != want {
		t.Fatalf("document text\n got %q\nwant %q", got, want)
	}
	if ed.Text() != want {
		t.Fatalf("editor text\n got %q\nwant %q", ed.Text(), want)
	}
	wantCursor := len([]rune("[Gov] " + before[:mid] + "open machine-readable "))
	if ed.CursorOffset() != wantCursor {
		t.Errorf("cursor at %d, want %d (it must stay after the typed text)", ed.CursorOffset(), wantCursor)
	}
	ce := f.ui.ws.current.(*commitmentEditor)
	if ce.lead.entry.Text != "Public Procurement Agency" {
		t.Errorf("lead shows %q after the merge", ce.lead.entry.Text)
	}
}

func TestCreateSelectFilter(t *testing.T) {
	f := newFixture(t)
	ws := f.ui.ws
	n := len(f.plan.Summaries())
	ws.newCommitment()
	sums := f.plan.Summaries()
	if len(sums) != n+1 {
		t.Fatalf("%d commitments after New, want %d", len(sums), n+1)
	}
	ce, ok := ws.current.(*commitmentEditor)
	if !ok || ce.id != sums[n].ID {
		t.Fatalf("the new commitment is not shown (centre %T)", ws.current)
	}
	if f.ui.win.Canvas().Focused() != ce.title {
		t.Errorf("the new commitment's title does not have the focus")
	}
	typeFocused(t, f.ui.win.Canvas(), "Open courts")
	if c, _ := f.plan.Commitment(ce.id); c.Title != "Open courts" || c.Origin.Side != doc.CivilSociety {
		t.Errorf("new commitment %+v", c)
	}
	f.plan.Commit()
	ws.drain()

	listed := func() (ids []string) {
		for _, it := range ws.outline.items {
			if it.kind == kindCommitment {
				ids = append(ids, it.id)
			}
		}
		return ids
	}
	if got := listed(); len(got) != n+1 {
		t.Fatalf("outline lists %d commitments, want %d", len(got), n+1)
	}
	for _, tc := range []struct {
		name  string
		apply func(o *outline)
		want  []string
	}{
		{"state", func(o *outline) { o.state.SetSelected(stateLabel(doc.Adopted)) }, []string{f.ids[3]}},
		{"side", func(o *outline) { o.side.SetSelected(sideLabel(doc.Government)) }, []string{f.ids[1], f.ids[3]}},
		{"theme", func(o *outline) { o.themes.SetSelected("anti-corruption") }, []string{f.ids[1], f.ids[4]}},
		{"text in description", func(o *outline) { test.Type(o.search, "participatory budgeting") }, []string{f.ids[2]}},
		{"state and side", func(o *outline) {
			o.state.SetSelected(stateLabel(doc.NotAdopted))
			o.side.SetSelected(sideLabel(doc.CivilSociety))
		}, []string{f.ids[4]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws.outline.clearFilters()
			tc.apply(ws.outline)
			got := listed()
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("listed %v, want %v", got, tc.want)
			}
		})
	}
	ws.outline.clearFilters()
	// Selecting in the outline shows that commitment; headers are not selectable.
	for i, it := range ws.outline.items {
		if it.kind == kindHeader {
			ws.outline.list.Select(i)
			if ws.currentItem.kind == kindHeader {
				t.Fatal("a header was opened")
			}
			break
		}
	}
	ce = f.commitment(t, f.ids[2])
	if ce.title.Text != "Participatory budgeting in municipalities" {
		t.Errorf("selected commitment shows %q", ce.title.Text)
	}
}

func TestMilestoneDates(t *testing.T) {
	f := newFixture(t)
	id := f.ids[1]
	ce := f.commitment(t, id)
	selectTab(t, ce.tabs, "Milestones")
	test.Tap(findButton(t, f.ui.win.Canvas().Content(), "Add milestone"))
	c, _ := f.plan.Commitment(id)
	if len(c.Milestones) != 1 {
		t.Fatalf("%d milestones", len(c.Milestones))
	}
	mid := c.Milestones[0].ID
	row := ce.milestones.row[mid]
	milestone := func() doc.Milestone {
		c, _ := f.plan.Commitment(id)
		return c.Milestones[0]
	}

	test.Type(row.start.entry, "2025-13-45")
	if row.start.Err() == "" {
		t.Error("no error shown for 2025-13-45")
	}
	if m := milestone(); m.Start != "" {
		t.Errorf("a bad date was written: %q", m.Start)
	}

	row.start.entry.SetText("2025-10-01")
	if row.start.Err() != "" || milestone().Start != "2025-10-01" {
		t.Errorf("valid start: err %q, written %q", row.start.Err(), milestone().Start)
	}
	row.end.entry.SetText("2025-09-01")
	if row.end.Err() == "" || milestone().End != "" {
		t.Errorf("end before start: err %q, written %q", row.end.Err(), milestone().End)
	}
	row.end.entry.SetText("2028-01-31") // after the plan period (2025 to 2027)
	if row.end.Err() != "" || milestone().End != "2028-01-31" {
		t.Errorf("late end: err %q, written %q", row.end.Err(), milestone().End)
	}
	if !row.end.msg.Visible() || !strings.Contains(row.end.msg.Text, "outside the plan period") {
		t.Errorf("a date outside the plan period is not flagged: %q", row.end.msg.Text)
	}
	test.Type(row.deliverable, "Register online")
	if m := milestone(); m.Deliverable != "Register online" {
		t.Errorf("deliverable %q", m.Deliverable)
	}
}

func TestCommitmentFields(t *testing.T) {
	f := newFixture(t)
	id := f.ids[0]
	ce := f.commitment(t, id)
	test.Tap(ce.values["technology"])
	ce.state.SetSelected(stateLabel(doc.NotAdopted))
	ce.lead.entry.SetText("Procurement Agency")
	ce.themeIn.SetText("Open Data ")
	ce.addTheme()
	c, _ := f.plan.Commitment(id)
	if !c.Values.Technology || !c.Values.Transparency || c.State != doc.NotAdopted || c.Lead != "Procurement Agency" {
		t.Errorf("commitment after edits: %+v", c)
	}
	if strings.Join(c.Themes, ",") != "open data,procurement" {
		t.Errorf("themes %v", c.Themes)
	}
	if ce.tabs.Selected().Text != "Decision" {
		t.Errorf("not adopting without a reasoned response should open the Decision tab, shows %q", ce.tabs.Selected().Text)
	}
	// A comment thread: add, resolve.
	selectTab(t, ce.tabs, "Comments")
	ce.comments.body.SetText("Budget line?")
	ce.comments.send()
	cs := f.plan.CommentsOn(id)
	if len(cs) != 2 || cs[1].Body != "Budget line?" || cs[1].Author != ana.Name {
		t.Fatalf("comments %+v", cs)
	}
	if !strings.HasPrefix(ce.commentTab.Text, "Comments (2)") {
		t.Errorf("tab says %q", ce.commentTab.Text)
	}
	test.Tap(findButton(t, ce.comments.list, "Resolve"))
	if cs := f.plan.CommentsOn(id); !cs[0].Resolved {
		t.Error("comment not resolved")
	}
}

// Peers > Sync now asks the sync layer to sync the open plan.
func TestSyncNowMenu(t *testing.T) {
	f := newFixture(t)
	var item *fyne.MenuItem
	for _, m := range f.ui.win.MainMenu().Items {
		for _, it := range m.Items {
			if m.Label == "Peers" && it.Label == "Sync now" {
				item = it
			}
		}
	}
	if item == nil {
		t.Fatal("no Peers > Sync now")
	}
	item.Action()
	f.sync.mu.Lock()
	defer f.sync.mu.Unlock()
	if len(f.sync.syncNow) != 1 || f.sync.syncNow[0] != f.plan.ID() {
		t.Fatalf("Sync now asked for %v, want the open plan %s", f.sync.syncNow, f.plan.ID())
	}
}

func TestRememberWindowAndPlan(t *testing.T) {
	f := newFixture(t)
	f.ui.win.Resize(fyne.NewSize(900, 640))
	f.commitment(t, f.ids[2])
	f.ui.Close()
	st := loadState(f.cfg.ConfigDir, nil)
	if st.LastPlan != f.plan.ID() || st.Width != 900 || st.Height != 640 {
		t.Fatalf("state %+v", st)
	}
	u := New(f.app, f.cfg)
	defer u.Close()
	if u.preview == nil {
		t.Fatal("closing the plan left no content cache to open from")
	}
	runHop(t) // the plan has loaded
	if u.plan == nil || u.plan.ID() != f.plan.ID() {
		t.Fatal("the last plan was not reopened")
	}
	if ce, ok := u.ws.current.(*commitmentEditor); !ok || ce.id != f.ids[2] {
		t.Errorf("reopened on %T, want the commitment shown last", u.ws.current)
	}
}

func TestWelcomeNewPlan(t *testing.T) {
	lib, _ := doc.OpenLibrary(t.TempDir())
	var saved doc.Author
	u := New(test.NewTempApp(t), Config{Library: lib, ConfigDir: t.TempDir(), Author: keyedAuthor("", "", ""),
		SaveProfile: func(a doc.Author) error { saved = a; return nil }})
	defer u.Close()
	if u.wel == nil {
		t.Fatal("first run does not show the welcome screen")
	}
	if err := u.wel.ensureProfile(); err == nil {
		t.Error("an empty profile was accepted")
	}
	u.wel.name.SetText("Chidi Okafor")
	u.wel.org.SetText("Ministry of Justice")
	u.wel.side.SetSelected(sideLabel(doc.Government))
	if !u.beforePlanAction() {
		t.Fatal("profile refused")
	}
	if saved.Name != "Chidi Okafor" || saved.Side != doc.Government || saved.PeerID != keyedAuthor("", "", "").PeerID {
		t.Errorf("saved profile %+v", saved)
	}
	if err := u.createPlan("Plan", "", "2027", "2025"); err == nil || !strings.Contains(err.Error(), "please check") {
		t.Errorf("a period ending before it starts gave %v", err)
	}
	if err := u.createPlan("Local plan", "Kaduna", "2025", "2026"); err != nil {
		t.Fatal(err)
	}
	if u.plan == nil || u.ws == nil || u.plan.Info().Title != "Local plan" {
		t.Fatal("the new plan is not open")
	}
	if ms := u.plan.Members(); len(ms) != 1 || ms[0].Name != "Chidi Okafor" {
		t.Errorf("members %+v", ms)
	}
}

// colleagueCopy is Bruno's copy of the fixture's plan, with a commitment
// he added, as a .coplan file.
func colleagueCopy(t *testing.T, f *fixture) string {
	t.Helper()
	saved, _ := f.plan.Save()
	other, _ := doc.LoadPlan(saved, bruno)
	if _, err := other.AddCommitment(doc.NewCommitment{Title: "Open parliament"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bruno.coplan")
	if err := other.ExportFile(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDropMergesFile(t *testing.T) {
	f := newFixture(t)
	path := colleagueCopy(t, f)
	f.ui.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)})
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	found := false
	for _, it := range f.ui.ws.outline.items {
		found = found || strings.Contains(it.title, "Open parliament")
	}
	if !found {
		t.Error("the dropped file's commitment is not in the outline")
	}
	// Not a plan: a clear error, nothing merged.
	bad := filepath.Join(t.TempDir(), "notes.coplan")
	os.WriteFile(bad, []byte("hello"), 0o600)
	n := len(f.plan.Summaries())
	f.ui.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(bad)})
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if !dialogSays(f.ui.win, "not a Coplan plan file") {
		t.Error("a bad file was not refused in words")
	}
	if len(f.plan.Summaries()) != n {
		t.Error("a bad file changed the plan")
	}
}

func TestExportImport(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "plan.coplan")
	if err := f.plan.ExportFile(path); err != nil {
		t.Fatal(err)
	}
	lib2, _ := doc.OpenLibrary(t.TempDir())
	u := New(test.NewTempApp(t), Config{Library: lib2, ConfigDir: t.TempDir(), Author: bruno})
	defer u.Close()
	u.importFile(path, nil)
	runHopsUntil(t, func() bool { return u.task == nil })
	if u.plan == nil || u.plan.ID() != f.plan.ID() || len(u.plan.Summaries()) != len(f.ids) {
		t.Fatal("import did not open the plan")
	}
}

func findButton(t *testing.T, root fyne.CanvasObject, label string) fyne.Tappable {
	t.Helper()
	var found fyne.Tappable
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(interface {
			fyne.Tappable
			fyne.Widget
		}); ok && found == nil {
			if bt, ok := o.(*widgetButton); ok && strings.HasPrefix(bt.Text, label) {
				found = b
			}
		}
	})
	if found == nil {
		t.Fatalf("no %q button", label)
	}
	return found
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walk(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walk(c, f)
		}
	}
}

// The window logs through the logger it is handed, at the policy's levels.
func TestLogsThroughConfigLogger(t *testing.T) {
	var buf bytes.Buffer
	cfgDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(cfgDir, StateFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	lib, _ := doc.OpenLibrary(t.TempDir())
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	u := New(test.NewTempApp(t), Config{Library: lib, ConfigDir: cfgDir, Author: ana, Logger: log})
	defer u.Close()
	if out := buf.String(); !strings.Contains(out, "level=WARN") || !strings.Contains(out, "ignoring unreadable window state") {
		t.Errorf("the damaged state file was not logged as a warning through Config.Logger: %q", out)
	}
}
