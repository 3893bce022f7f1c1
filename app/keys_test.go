package app

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// press delivers a shortcut as Fyne's desktop driver does: the main menu's
// items take it first, then the focused widget, then the window.
func press(w fyne.Window, s fyne.Shortcut) {
	if mm := w.MainMenu(); mm != nil {
		var inMenu func(m *fyne.Menu) bool
		inMenu = func(m *fyne.Menu) bool {
			for _, it := range m.Items {
				if it.Shortcut != nil && it.Shortcut.ShortcutName() == s.ShortcutName() && it.Action != nil {
					it.Action()
					return true
				}
				if it.ChildMenu != nil && inMenu(it.ChildMenu) {
					return true
				}
			}
			return false
		}
		for _, m := range mm.Items {
			if inMenu(m) {
				return
			}
		}
	}
	if f, ok := w.Canvas().Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	w.Canvas().(fyne.Shortcutable).TypedShortcut(s)
}

func ctrl(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

// menuItem finds a main-menu item by its label.
func menuItem(t *testing.T, w fyne.Window, menu, label string) *fyne.MenuItem {
	t.Helper()
	for _, m := range w.MainMenu().Items {
		if m.Label != menu {
			continue
		}
		for _, it := range m.Items {
			if it.Label == label {
				return it
			}
		}
	}
	t.Fatalf("no %s > %s in the menu", menu, label)
	return nil
}

func TestQuitWithCtrlQ(t *testing.T) {
	f := newFixture(t)
	quit := menuItem(t, f.ui.win, "File", "Quit")
	if !quit.IsQuit || quit.Shortcut == nil || quit.Shortcut.ShortcutName() != ctrl(fyne.KeyQ).ShortcutName() {
		t.Fatalf("File > Quit is not the quit item on Ctrl+Q: %+v", quit)
	}
	f.ui.win.Resize(fyne.NewSize(930, 650))
	f.commitment(t, f.ids[1])

	// A signature past its point of no return must land before the plan
	// closes.
	release, committed := make(chan struct{}), make(chan struct{})
	landed := false
	f.ui.runTask("Signing", "Signing…", true, func(tk *task) error {
		if !tk.commit() {
			return nil
		}
		close(committed)
		<-release
		landed = f.plan.SetCommitmentShort(f.ids[1], doc.FieldContact, "signed@example.org") == nil
		return nil
	}, func(error) {})
	<-committed
	go func() {
		time.Sleep(50 * time.Millisecond)
		close(release)
	}()
	press(f.ui.win, ctrl(fyne.KeyQ))
	if !landed {
		t.Fatal("quitting did not wait for the work past its point of no return")
	}
	if !f.ui.closed || f.ui.plan != nil {
		t.Fatal("Ctrl+Q left the window open")
	}
	st := loadState(f.cfg.ConfigDir, nil)
	if st.Width != 930 || st.Height != 650 || st.LastPlan != f.plan.ID() || !strings.Contains(st.LastItem, f.ids[1]) {
		t.Errorf("state after quit %+v", st)
	}
	p, err := f.lib.Open(f.plan.ID(), ana)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if c, _ := p.Commitment(f.ids[1]); c.Contact != "signed@example.org" {
		t.Errorf("the edit made while quitting is not on disk: contact %q", c.Contact)
	}
}

func TestEditMenuUndoRedo(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	undo, redo := menuItem(t, w, "Edit", "Undo"), menuItem(t, w, "Edit", "Redo")
	if _, ok := undo.Shortcut.(*fyne.ShortcutUndo); !ok {
		t.Errorf("Undo shows shortcut %v", undo.Shortcut)
	}
	if _, ok := redo.Shortcut.(*fyne.ShortcutRedo); !ok {
		t.Errorf("Redo shows shortcut %v", redo.Shortcut)
	}
	t.Run("long text", func(t *testing.T) {
		_, ed := descriptionEditor(t, f, f.ids[1], 0)
		before := ed.Text()
		typeFocused(t, w.Canvas(), "Draft ")
		press(w, &fyne.ShortcutUndo{})
		ref := doc.CommitmentText(f.ids[1], "description")
		if got, _ := f.plan.Text(ref); ed.Text() != before || got != before {
			t.Fatalf("after Undo the editor has %q, the plan %q; want %q", ed.Text(), got, before)
		}
		press(w, &fyne.ShortcutRedo{})
		if got, _ := f.plan.Text(ref); !strings.HasPrefix(got, "Draft The commitment") {
			t.Errorf("after Redo the plan has %q", got)
		}
	})
	t.Run("title entry", func(t *testing.T) {
		ce := f.commitment(t, f.ids[2])
		w.Canvas().Focus(ce.title)
		ce.title.CursorColumn = len([]rune(ce.title.Text))
		typeFocused(t, w.Canvas(), " now")
		press(w, &fyne.ShortcutUndo{})
		if c, _ := f.plan.Commitment(f.ids[2]); c.Title != "Participatory budgeting in municipalities" {
			t.Errorf("Undo in the title left %q", c.Title)
		}
	})
}

func TestCtrlHomeEndInLongText(t *testing.T) {
	f := newFixture(t)
	_, ed := descriptionEditor(t, f, f.ids[0], 5)
	press(f.ui.win, ctrl(fyne.KeyEnd))
	if n := len([]rune(ed.Text())); ed.CursorOffset() != n {
		t.Errorf("Ctrl+End put the cursor at %d of %d", ed.CursorOffset(), n)
	}
	typeFocused(t, f.ui.win.Canvas(), "!")
	press(f.ui.win, ctrl(fyne.KeyHome))
	if ed.CursorOffset() != 0 {
		t.Errorf("Ctrl+Home put the cursor at %d", ed.CursorOffset())
	}
	if got, _ := f.plan.Text(doc.CommitmentText(f.ids[0], "description")); !strings.HasSuffix(got, "Second paragraph.!") {
		t.Errorf("typing after Ctrl+End went elsewhere: %q", got)
	}
}

func TestFindInLongText(t *testing.T) {
	f := newFixture(t)
	w := f.ui.win
	ce, ed := descriptionEditor(t, f, f.ids[1], 0)
	lf := ce.long["description"]
	text := []rune(ed.Text())
	press(w, ctrl(fyne.KeyF))
	if !lf.find.box.Visible() || w.Canvas().Focused() != lf.find.entry {
		t.Fatal("Ctrl+F in the text did not open its find bar")
	}
	test.Type(lf.find.entry, "PARAGRAPH")
	want := strings.Index(strings.ToLower(string(text)), "paragraph")
	if from, to := ed.Selection(); from != want || to != want+9 {
		t.Fatalf("the match is not selected: %d..%d, want %d..%d", from, to, want, want+9)
	}
	if lf.find.count.Text != "1 of 1" {
		t.Errorf("count says %q", lf.find.count.Text)
	}

	test.Type(lf.find.entry, "x")
	if lf.find.count.Text != "Not found" {
		t.Errorf("count says %q for no match", lf.find.count.Text)
	}
	lf.find.entry.SetText("e")
	var seen []int
	for range 3 {
		lf.find.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		from, _ := ed.Selection()
		seen = append(seen, from)
	}
	if !(seen[0] < seen[1] && seen[1] < seen[2]) {
		t.Errorf("Enter does not go from match to match: %v", seen)
	}
	test.Tap(findButtonIcon(t, lf.find.box, "up"))
	if from, _ := ed.Selection(); from != seen[1] {
		t.Errorf("previous went to %d, want %d", from, seen[1])
	}
	lf.find.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if lf.find.box.Visible() || !ed.HasFocus() {
		t.Error("Escape did not close the bar and go back to the text")
	}
	if from, _ := ed.Selection(); from != seen[1] {
		t.Errorf("closing the bar lost the match: selection at %d", from)
	}

	// Outside a long text, Ctrl+F searches the commitments.
	w.Canvas().Focus(ce.title)
	press(w, ctrl(fyne.KeyF))
	if w.Canvas().Focused() != f.ui.ws.outline.search {
		t.Errorf("Ctrl+F in the title focused %T, want the commitment search", w.Canvas().Focused())
	}
}

// findButtonIcon finds a button without text by its icon's name.
func findButtonIcon(t *testing.T, root fyne.CanvasObject, icon string) fyne.Tappable {
	t.Helper()
	var found fyne.Tappable
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widgetButton); ok && found == nil && b.Icon != nil && strings.Contains(strings.ToLower(b.Icon.Name()), icon) {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no %s button", icon)
	}
	return found
}
