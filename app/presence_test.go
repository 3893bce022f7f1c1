package app

import (
	"context"
	"errors"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	p2psync "github.com/coplan/coplan/sync"
)

// nodeSync gives a test window a real sync node, as main's adapter does
// (the app itself never imports sync).
type nodeSync struct{ n *p2psync.Node }

var errNotHere = errors.New("not in this test")

func (s nodeSync) Start(p *doc.Plan) error { return s.n.Start(p) }
func (s nodeSync) Stop(id string)          { s.n.Stop(id) }
func (s nodeSync) Status(id string) SyncStatus {
	st := s.n.Status(id)
	return SyncStatus{Connected: st.Connected, Names: st.Names, LastSynced: st.LastSynced, Offline: st.Offline, Err: st.Problem}
}
func (s nodeSync) Invite(*doc.Plan, time.Duration) (InviteCode, error) {
	return InviteCode{}, errNotHere
}
func (s nodeSync) InviteWords(context.Context, string, time.Duration) (string, <-chan InviteResult, error) {
	return "", nil, errNotHere
}
func (s nodeSync) Join(context.Context, string, doc.Author) (string, error) { return "", errNotHere }
func (s nodeSync) Peers(string) []PeerStatus                                { return nil }
func (s nodeSync) SyncNow(id string) error                                  { return s.n.SyncNow(id) }
func (s nodeSync) SetPresence(id string, p Presence)                        { s.n.SetPresence(id, p2psync.Presence(p)) }
func (s nodeSync) WatchPresence(id string) (<-chan struct{}, func())        { return s.n.WatchPresence(id) }
func (s nodeSync) Presence(id string) []Colleague {
	var out []Colleague
	for _, c := range s.n.Presence(id) {
		out = append(out, Colleague{PeerID: c.PeerID, Name: c.Name, Org: c.Org, Side: c.Side, Presence: Presence(c.Presence), LastSeen: c.LastSeen})
	}
	return out
}

// laptop is one colleague's window on a real node on loopback.
type laptop struct {
	author doc.Author
	lib    *doc.Library
	node   *p2psync.Node
	dir    string
	ui     *UI
}

func newLaptop(t *testing.T, name, org string, side doc.Side) *laptop {
	t.Helper()
	dir := t.TempDir()
	id, err := p2psync.LoadOrCreateIdentity(filepath.Join(dir, "config"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := id.Key.Raw()
	if err != nil {
		t.Fatal(err)
	}
	key, err := doc.DeviceKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := doc.OpenLibrary(filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := p2psync.NewNode(p2psync.Config{Identity: id, Listen: []string{"/ip4/127.0.0.1/tcp/0"},
		StateDir: filepath.Join(dir, "data", "sync"), Library: lib, ReconnectMin: 100 * time.Millisecond, ReconnectMax: time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return &laptop{author: doc.Author{PeerID: id.PeerID.String(), Name: name, Org: org, Side: side, Key: key}, lib: lib, node: n, dir: dir}
}

// open shows the plan in a window of the test app.
func (l *laptop) open(t *testing.T, a fyne.App, planID string) {
	t.Helper()
	cfgDir := filepath.Join(l.dir, "config")
	(&appState{LastPlan: planID, Width: 1100, Height: 720}).save(cfgDir)
	l.ui = New(a, Config{Library: l.lib, ConfigDir: cfgDir, Author: l.author, Sync: nodeSync{l.node},
		SaveProfile: func(doc.Author) error { return nil }})
	l.ui.win.Resize(fyne.NewSize(1100, 720))
	t.Cleanup(func() {
		l.ui.Close()
		runQueuedHops()
	})
}

// hopsUntil runs the UI's hops, delivering plan events and presence as
// the window's own goroutines would, until cond holds or d passes; it
// says how long it took.
func hopsUntil(t *testing.T, d time.Duration, what string, cond func() bool, ls ...*laptop) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			for _, l := range ls {
				t.Logf("%s: chips %q", l.author.Name, chipTexts(l.ui.win))
			}
			t.Fatalf("not within %v: %s", d, what)
		}
		for _, l := range ls {
			if l.ui.ws != nil {
				l.ui.ws.drain()
			}
		}
		runQueuedHops()
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// chipTexts are the texts of the name chips drawn in a window.
func chipTexts(w fyne.Window) []string {
	var out []string
	for _, o := range test.LaidOutObjects(w.Content()) {
		if c, ok := o.(*nameChip); ok && c.Visible() {
			out = append(out, c.text)
		}
	}
	return out
}

// rowChips are the chips in the outline row titled title (a commitment's
// after its number).
func rowChips(w fyne.Window, title string) []string {
	for _, o := range test.LaidOutObjects(w.Content()) {
		row, ok := o.(*fyne.Container)
		if !ok || len(row.Objects) != 3 {
			continue
		}
		box, ok1 := row.Objects[0].(*fyne.Container)
		chips, ok2 := row.Objects[2].(*fyne.Container)
		if !ok1 || !ok2 || len(box.Objects) == 0 {
			continue
		}
		if l, ok := box.Objects[0].(*widget.Label); !ok || l.Text != title && !strings.HasSuffix(l.Text, ". "+title) {
			continue
		}
		var out []string
		for _, c := range chips.Objects {
			if ch, ok := c.(*nameChip); ok {
				out = append(out, ch.text)
			}
		}
		return out
	}
	return nil
}

func hasChip(w fyne.Window, text string) bool {
	for _, s := range chipTexts(w) {
		if s == text {
			return true
		}
	}
	return false
}

// presencePair is Ana's and Bruno's windows, on two real nodes on
// loopback, on a plan Ana made (setup adds to it first) and Bruno holds a
// copy of, each window following presence.
func presencePair(t *testing.T, setup func(p *doc.Plan)) (ana, bruno *laptop, planID string) {
	t.Helper()
	a := test.NewTempApp(t)
	ana = newLaptop(t, "Ana Costa", "Open Budget Coalition", doc.CivilSociety)
	bruno = newLaptop(t, "Bruno Mensah", "Cabinet Office", doc.Government)

	p, err := ana.lib.Create("Fourth National Action Plan", "Freedonia", "2025", "2027", ana.author)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AddMember(doc.Member{PeerID: bruno.author.PeerID, Name: bruno.author.Name, Org: bruno.author.Org, Side: bruno.author.Side}); err != nil {
		t.Fatal(err)
	}
	setup(p)
	saved, err := p.Save()
	if err != nil {
		t.Fatal(err)
	}
	planID = p.ID()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	q, err := bruno.lib.Adopt(saved, bruno.author)
	if err != nil {
		t.Fatal(err)
	}
	q.Close()
	// Ana's laptop knows where Bruno's is (mDNS is off).
	if _, err := p2psync.AddKnownPeer(filepath.Join(ana.dir, "data", "sync"), planID, bruno.node.Addrs()[0].String()); err != nil {
		t.Fatal(err)
	}

	bruno.open(t, a, planID)
	ana.open(t, a, planID)
	hopsUntil(t, 30*time.Second, "both plans open", func() bool { return ana.ui.ws != nil && bruno.ui.ws != nil }, ana, bruno)
	for _, l := range []*laptop{ana, bruno} {
		l.ui.ws.here.start()
	}
	return ana, bruno, planID
}

// Two windows on two real nodes on loopback: each shows the other by
// name, organisation and side within 2 s; the commitment Ana has open
// carries her chip in Bruno's outline; her cursor in the description is a
// caret in Bruno's, which moves when she types.
func TestPresenceTwoWindows(t *testing.T) {
	var cid, other string
	ana, bruno, planID := presencePair(t, func(p *doc.Plan) {
		var err error
		if cid, err = p.AddCommitment(doc.NewCommitment{Title: "Open contracting in public works", Side: doc.CivilSociety}); err != nil {
			t.Fatal(err)
		}
		if other, err = p.AddCommitment(doc.NewCommitment{Title: "Lobbying register", Side: doc.Government}); err != nil {
			t.Fatal(err)
		}
		if err := p.SetText(doc.CommitmentText(cid, "description"), "The ministry will publish every contract.\n\nIn open formats."); err != nil {
			t.Fatal(err)
		}
	})

	// Ana opens the commitment, cursor after "publish".
	ce := ana.ui.ws
	ce.openCommitment(cid)
	ace := ce.current.(*commitmentEditor)
	selectTab(t, ace.tabs, "Commitment")
	aed := ace.long["description"].ed.(*editorText)
	at := len([]rune("The ministry will publish"))
	aed.SetCursorOffset(at)
	aed.focus(ana.ui.win.Canvas())
	bruno.ui.ws.openCommitment(other)

	anaLabel := "Ana Costa (Open Budget Coalition, Civil society)"
	brunoLabel := "Bruno Mensah (Cabinet Office, Government)"
	hopsUntil(t, 30*time.Second, "the nodes to connect", func() bool {
		return bruno.node.Status(planID).Connected > 0 && ana.node.Status(planID).Connected > 0
	}, ana, bruno)
	took := hopsUntil(t, 2*time.Second, "each window to show the other, and Ana's commitment", func() bool {
		return hasChip(bruno.ui.win, anaLabel) && hasChip(ana.ui.win, brunoLabel) &&
			slices.Equal(rowChips(bruno.ui.win, "Open contracting in public works"), []string{"Ana"}) &&
			slices.Equal(rowChips(ana.ui.win, "Lobbying register"), []string{"Bruno"})
	}, ana, bruno)
	t.Logf("each shows the other %v after connecting", took)
	if got := rowChips(bruno.ui.win, "Lobbying register"); len(got) != 0 {
		t.Errorf("the commitment nobody else has open shows %v", got)
	}
	if got := bruno.ui.ws.here.in(cid); len(got) != 1 || got[0].Name != "Ana Costa" {
		t.Errorf("Bruno sees in the commitment: %+v", got)
	}
	if s := bruno.ui.ws.status.sync.Text; strings.Contains(s, "Ana") {
		t.Errorf("the status text names Ana besides her chip: %q", s)
	}

	// Bruno opens the same commitment: Ana's caret is in his description.
	bruno.ui.ws.openCommitment(cid)
	bce := bruno.ui.ws.current.(*commitmentEditor)
	selectTab(t, bce.tabs, "Commitment")
	bed := bce.long["description"].ed.(*editorText)
	caretAt := func(off int) func() bool {
		return func() bool {
			cs := bed.Carets()
			return len(cs) == 1 && cs[0].Name == "Ana Costa" && cs[0].Offset == off
		}
	}
	hopsUntil(t, 2*time.Second, "Ana's caret in Bruno's description", caretAt(at), ana, bruno)
	if cs := bed.Carets(); cs[0].Color != memberColor(ana.author.PeerID) {
		t.Errorf("caret colour %v, want Ana's %v", cs[0].Color, memberColor(ana.author.PeerID))
	}
	pos0, shown := bed.CaretPosition(0)
	if !shown {
		t.Error("the caret is not drawn")
	}
	hopsUntil(t, 2*time.Second, "Ana to see Bruno in the commitment", func() bool {
		return slices.Equal(rowChips(ana.ui.win, "Open contracting in public works"), []string{"Bruno"}) &&
			len(rowChips(ana.ui.win, "Lobbying register")) == 0
	}, ana, bruno)

	// Ana types: the text and her caret move in Bruno's window.
	typeFocused(t, ana.ui.win.Canvas(), " quickly")
	want := at + len(" quickly")
	took = hopsUntil(t, 2*time.Second, "Ana's words and caret to reach Bruno", func() bool {
		return strings.HasPrefix(bed.Text(), "The ministry will publish quickly") && caretAt(want)()
	}, ana, bruno)
	t.Logf("caret followed typing in %v", took)
	if pos1, _ := bed.CaretPosition(0); pos1.X <= pos0.X {
		t.Errorf("the caret is drawn at x %v, not right of %v", pos1.X, pos0.X)
	}
	if path := os.Getenv("COPLAN_PRESENCE_PNG"); path != "" {
		// The pointer over Ana's caret shows her name.
		pos, _ := bed.CaretPosition(0)
		abs, _ := absPos(bruno.ui.win.Content(), bed.Editor, fyne.Position{})
		test.MoveMouse(bruno.ui.win.Canvas(), abs.Add(pos).Add(fyne.NewPos(6, 8)))
		savePNG(t, bruno.ui.win, path)
	}
}

// The vision and a meeting's notes are shared as a commitment is: Ana in
// the vision and Bruno in a note's body each carry their chip on the
// other's outline row ("Overview and vision", "Meeting notes") within
// 2 s; in the same text, each one's caret is in the other's, follows
// typing, and is found again after the other's edit merged.
func TestPresenceVisionAndNotes(t *testing.T) {
	if ItemOverview != p2psync.ItemOverview || ItemTimeline != p2psync.ItemTimeline || ItemNotes != p2psync.ItemNotes {
		t.Fatal("the app's item names are not sync's")
	}
	const vision = "Our plan opens government to every citizen.\n\nIt builds on the third plan."
	const body = "Agreed: publish the minutes.\n\nNext meeting in May."
	var note string
	ana, bruno, planID := presencePair(t, func(p *doc.Plan) {
		if err := p.SetText(doc.VisionText(), vision); err != nil {
			t.Fatal(err)
		}
		var err error
		if note, err = p.AddNote("2025-03-04", "Forum meeting"); err != nil {
			t.Fatal(err)
		}
		if err := p.SetText(doc.NoteBody(note), body); err != nil {
			t.Fatal(err)
		}
	})
	open := func(l *laptop, kind itemKind) {
		t.Helper()
		if !l.ui.ws.outline.selectKey(outlineItem{kind: kind}.key()) {
			t.Fatalf("no outline row of kind %d", kind)
		}
	}
	visionOf := func(l *laptop) *editorText {
		t.Helper()
		o, ok := l.ui.ws.current.(*overview)
		if !ok {
			t.Fatalf("%s: the overview is not shown", l.author.Name)
		}
		return o.vision.ed.(*editorText)
	}
	notesOf := func(l *laptop) *editorText {
		t.Helper()
		n, ok := l.ui.ws.current.(*notesScreen)
		if !ok || n.current != note {
			t.Fatalf("%s: the meeting's notes are not shown", l.author.Name)
		}
		return n.text.ed.(*editorText)
	}
	caretAt := func(ed *editorText, name string, off int) func() bool {
		return func() bool {
			cs := ed.Carets()
			return len(cs) == 1 && cs[0].Name == name && cs[0].Offset == off
		}
	}
	// The test driver gives every object the last window's canvas, so
	// the editor's own focus call would focus Bruno's text in Ana's
	// window: the focus moves as Tab moves it, in the window's own canvas,
	// and then the cursor within the paragraph focused.
	place := func(l *laptop, ed *editorText, off int) {
		t.Helper()
		c := l.ui.win.Canvas()
		for i := 0; i < 200 && !ed.HasFocus(); i++ {
			c.FocusNext()
		}
		if !ed.HasFocus() {
			t.Fatalf("%s: Tab never reaches the text", l.author.Name)
		}
		ed.SetCursorOffset(off)
	}

	// Ana in the vision after "Our plan", Bruno in the notes after "Agreed:".
	open(ana, kindOverview)
	aAt := len([]rune("Our plan"))
	place(ana, visionOf(ana), aAt)
	open(bruno, kindNotes)
	bAt := len([]rune("Agreed:"))
	place(bruno, notesOf(bruno), bAt)
	hopsUntil(t, 30*time.Second, "the nodes to connect", func() bool {
		return bruno.node.Status(planID).Connected > 0 && ana.node.Status(planID).Connected > 0
	}, ana, bruno)
	took := hopsUntil(t, 2*time.Second, "each one's chip on the other's outline row", func() bool {
		return slices.Equal(rowChips(bruno.ui.win, "Overview and vision"), []string{"Ana"}) &&
			slices.Equal(rowChips(ana.ui.win, "Meeting notes"), []string{"Bruno"})
	}, ana, bruno)
	t.Logf("outline chips %v after connecting", took)
	for _, tc := range []struct {
		l                 *laptop
		row               string
		item, note, field string
		cursor            int
	}{
		{ana, "Overview and vision", ItemNotes, note, "body", bAt},
		{bruno, "Meeting notes", ItemOverview, "", "vision", aAt},
	} {
		if got := rowChips(tc.l.ui.win, tc.row); len(got) != 0 {
			t.Errorf("%s: the row %q nobody else has open shows %v", tc.l.author.Name, tc.row, got)
		}
		if got := tc.l.ui.ws.here.here; len(got) != 1 || got[0].Item != tc.item || got[0].Note != tc.note || got[0].Commitment != "" ||
			got[0].Field != tc.field || got[0].Cursor != tc.cursor {
			t.Errorf("%s sees %+v, want item %q note %q, the cursor at %d in %q", tc.l.author.Name, got, tc.item, tc.note, tc.cursor, tc.field)
		}
	}
	if cs := visionOf(ana).Carets(); len(cs) != 0 {
		t.Errorf("a caret of someone in another text: %+v", cs)
	}

	// Bruno opens the overview: Ana's caret is in his vision and follows
	// her typing.
	open(bruno, kindOverview)
	bv := visionOf(bruno)
	hopsUntil(t, 2*time.Second, "Ana's caret in Bruno's vision", caretAt(bv, "Ana Costa", aAt), ana, bruno)
	if cs := bv.Carets(); cs[0].Color != memberColor(ana.author.PeerID) {
		t.Errorf("caret colour %v, want Ana's %v", cs[0].Color, memberColor(ana.author.PeerID))
	}
	pos0, shown := bv.CaretPosition(0)
	if !shown {
		t.Error("the caret is not drawn")
	}
	typeFocused(t, ana.ui.win.Canvas(), " truly")
	aAt += len(" truly")
	took = hopsUntil(t, 2*time.Second, "Ana's words and caret to reach Bruno's vision", func() bool {
		return strings.HasPrefix(bv.Text(), "Our plan truly opens") && caretAt(bv, "Ana Costa", aAt)()
	}, ana, bruno)
	t.Logf("caret followed typing in the vision in %v", took)
	if pos1, _ := bv.CaretPosition(0); pos1.X <= pos0.X {
		t.Errorf("the caret is drawn at x %v, not right of %v", pos1.X, pos0.X)
	}
	hopsUntil(t, 2*time.Second, "both chips on the overview row", func() bool {
		return slices.Equal(rowChips(bruno.ui.win, "Overview and vision"), []string{"Ana"}) &&
			slices.Equal(rowChips(ana.ui.win, "Overview and vision"), []string{"Bruno"}) &&
			len(rowChips(ana.ui.win, "Meeting notes")) == 0
	}, ana, bruno)
	if path := os.Getenv("COPLAN_PRESENCE_PNG"); path != "" {
		pos, _ := bv.CaretPosition(0)
		abs, _ := absPos(bruno.ui.win.Content(), bv.Editor, fyne.Position{})
		test.MoveMouse(bruno.ui.win.Canvas(), abs.Add(pos).Add(fyne.NewPos(6, 8)))
		savePNG(t, bruno.ui.win, strings.TrimSuffix(path, ".png")+"-vision.png")
	}

	// Both in the meeting's notes: Bruno's caret is in Ana's body; he
	// types, then writes before her caret, and it is found again after
	// the merge.
	open(bruno, kindNotes)
	bn := notesOf(bruno)
	place(bruno, bn, bAt)
	open(ana, kindNotes)
	an := notesOf(ana)
	hopsUntil(t, 2*time.Second, "Bruno's caret in Ana's notes", caretAt(an, "Bruno Mensah", bAt), ana, bruno)
	place(ana, an, len([]rune(body)))
	typeFocused(t, bruno.ui.win.Canvas(), " to")
	bAt += len(" to")
	hopsUntil(t, 2*time.Second, "Bruno's words and caret to reach Ana's notes", func() bool {
		return strings.HasPrefix(an.Text(), "Agreed: to publish") && caretAt(an, "Bruno Mensah", bAt)()
	}, ana, bruno)
	anaEnd := len([]rune(an.Text()))
	hopsUntil(t, 2*time.Second, "Ana's caret at the end of Bruno's notes", caretAt(bn, "Ana Costa", anaEnd), ana, bruno)
	place(bruno, bn, 0)
	typeFocused(t, bruno.ui.win.Canvas(), "May: ")
	hopsUntil(t, 2*time.Second, "Ana's caret found again after Bruno's words merged", func() bool {
		return strings.HasPrefix(an.Text(), "May: Agreed") && caretAt(bn, "Ana Costa", anaEnd+len("May: "))() &&
			caretAt(an, "Bruno Mensah", len("May: "))()
	}, ana, bruno)
	if path := os.Getenv("COPLAN_PRESENCE_PNG"); path != "" {
		pos, _ := an.CaretPosition(0)
		abs, _ := absPos(ana.ui.win.Content(), an.Editor, fyne.Position{})
		test.MoveMouse(ana.ui.win.Canvas(), abs.Add(pos).Add(fyne.NewPos(6, 8)))
		savePNG(t, ana.ui.win, strings.TrimSuffix(path, ".png")+"-notes.png")
	}
}

// absPos is where target is in the window whose content is o at off.
func absPos(o, target fyne.CanvasObject, off fyne.Position) (fyne.Position, bool) {
	if o == target {
		return off, true
	}
	var kids []fyne.CanvasObject
	switch v := o.(type) {
	case *fyne.Container:
		kids = v.Objects
	case fyne.Widget:
		kids = test.WidgetRenderer(v).Objects()
	}
	for _, k := range kids {
		if !k.Visible() {
			continue
		}
		if p, ok := absPos(k, target, off.Add(k.Position())); ok {
			return p, true
		}
	}
	return fyne.Position{}, false
}

func savePNG(t *testing.T, w fyne.Window, path string) {
	t.Helper()
	img := w.Canvas().Capture()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestFindCaret(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		p          Presence
		want       int
	}{
		{"same text", "hello world", Presence{Cursor: 5, Before: "hello"}, 5},
		{"text inserted before", "oh, hello world", Presence{Cursor: 5, Before: "hello"}, 9},
		{"nearest of two", "ab ab ab", Presence{Cursor: 6, Before: "ab"}, 5},
		{"context gone", "goodbye", Presence{Cursor: 3, Before: "xyz"}, 3},
		{"past the end", "abc", Presence{Cursor: 10}, 3},
		{"no context", "abcdef", Presence{Cursor: 2}, 2},
		{"code points", "ééé!", Presence{Cursor: 3, Before: "é"}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := findCaret(tc.text, tc.p); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestHereText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Connected to Ana Costa · last synced just now", "Connected · last synced just now · here now:"},
		{"4 peers connected · last synced just now", "4 peers connected · last synced just now · here now:"},
		{"Offline: edits are kept on this laptop · never synced", "Offline: edits are kept on this laptop · never synced"},
	} {
		if got := hereText(tc.in); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Members' colours (a function of the peer ID alone, so the same in every
// window) differ often enough to tell colleagues apart.
func TestMemberColor(t *testing.T) {
	seen := map[any]bool{}
	for i := range 20 {
		seen[memberColor(keyedAuthor(strings.Repeat("x", i+1), "", doc.Government).PeerID)] = true
	}
	if len(seen) < 4 {
		t.Errorf("20 members in %d colours", len(seen))
	}
}

// Each outline row lists the colleagues who have its item open: a
// commitment by ID, the overview, the timeline, and the meeting notes
// whichever meeting is open; headers and other rows none.
func TestPresenceAt(t *testing.T) {
	pv := &presenceView{here: []Colleague{
		{Name: "Ana", Presence: Presence{Commitment: "c1", Cursor: -1}},
		{Name: "Bo", Presence: Presence{Item: ItemOverview, Field: "vision", Cursor: 3}},
		{Name: "Cy", Presence: Presence{Item: ItemNotes, Note: "n1", Field: "body", Cursor: 0}},
		{Name: "Di", Presence: Presence{Item: ItemNotes, Cursor: -1}},
		{Name: "Ed", Presence: Presence{Item: ItemTimeline, Cursor: -1}},
		{Name: "Flo", Presence: Presence{Cursor: -1}},
	}}
	for _, tc := range []struct {
		name string
		it   outlineItem
		want []string
	}{
		{"commitment", outlineItem{kind: kindCommitment, id: "c1"}, []string{"Ana"}},
		{"another commitment", outlineItem{kind: kindCommitment, id: "c2"}, nil},
		{"overview", outlineItem{kind: kindOverview}, []string{"Bo"}},
		{"meeting notes", outlineItem{kind: kindNotes}, []string{"Cy", "Di"}},
		{"timeline", outlineItem{kind: kindTimeline}, []string{"Ed"}},
		{"header", outlineItem{kind: kindHeader, id: "process"}, nil},
		{"members", outlineItem{kind: kindMembers}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range pv.at(tc.it) {
				got = append(got, c.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	if got := pv.in(""); len(got) != 0 {
		t.Errorf("no commitment: %+v", got)
	}
}
