package app

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/app/editor"
	"github.com/coplan/coplan/doc"
)

// slowLoads makes loadPlan wait until the returned release is called.
func slowLoads(t *testing.T) (release func()) {
	t.Helper()
	gate := make(chan struct{})
	inner := loadPlan
	loadPlan = func(lib *doc.Library, id string, a doc.Author) (*doc.Plan, error) {
		<-gate
		return inner(lib, id, a)
	}
	t.Cleanup(func() { loadPlan = inner })
	return func() { close(gate) }
}

func TestOpenFromCacheThenLive(t *testing.T) {
	f := newFixture(t)
	f.commitment(t, f.ids[2])
	f.ui.Close() // writes the content cache
	if _, ok := f.lib.ContentCache(f.plan.ID()); !ok {
		t.Fatal("closing the window wrote no content cache")
	}

	release := slowLoads(t)
	u := New(test.NewTempApp(t), f.cfg)
	defer u.Close()
	u.win.Resize(fyne.NewSize(1100, 720))
	if u.plan != nil || u.preview == nil {
		t.Fatalf("the window waited for the plan (plan %v, preview %v)", u.plan != nil, u.preview != nil)
	}
	// The cached content is on screen while the plan is still loading.
	root := u.win.Canvas().Content()
	if !hasLabel(root, "Participatory budgeting in municipalities") || !hasLabel(root, "Opening… (editing in a moment)") {
		t.Error("the cached commitment or the opening notice is not shown")
	}
	var titles []string
	for _, it := range u.preview.outline.items {
		if it.kind == kindCommitment {
			titles = append(titles, it.title)
		}
	}
	if len(titles) != len(f.ids) {
		t.Errorf("outline lists %v", titles)
	}
	// Nothing can be typed into but the outline's search.
	walk(root, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Entry:
			if !w.Disabled() && w != u.preview.outline.search {
				t.Errorf("an editable entry %q in the preview", w.Text)
			}
		case *editor.Editor:
			if !w.Disabled() {
				t.Errorf("an editable text in the preview: %.30q", w.Text())
			}
		}
	})
	// The user moves on while waiting: the description of another commitment.
	if !u.preview.outline.selectKey(outlineItem{kind: kindCommitment, id: f.ids[0]}.key()) {
		t.Fatal("cannot select in the preview outline")
	}
	selectTab(t, u.preview.tabs, "Commitment")
	if !hasEditorText(u.win.Canvas().Content(), "The commitment will publish open contracting in public works data") {
		t.Error("the cached description is not shown")
	}
	if err := u.OpenPlan(f.plan.ID()); err == nil {
		t.Error("a second open was started while the plan loads")
	}

	release()
	runHop(t)
	if u.plan == nil || u.preview != nil {
		t.Fatal("the live plan did not replace the preview")
	}
	ce, ok := u.ws.current.(*commitmentEditor)
	if !ok || ce.id != f.ids[0] {
		t.Fatalf("live window shows %T, want the commitment selected in the preview", u.ws.current)
	}
	if ce.tabs.Selected().Text != "Commitment" {
		t.Errorf("live editor on tab %q, want the preview's", ce.tabs.Selected().Text)
	}
	if ce.long["description"].ed.(*editorText).Disabled() {
		t.Error("the live description is not editable")
	}
	if hasLabel(u.win.Canvas().Content(), "Opening… (editing in a moment)") {
		t.Error("the opening notice is still shown")
	}
}

func TestOpenFromCacheLoadFails(t *testing.T) {
	f := newFixture(t)
	f.ui.Close()
	inner := loadPlan
	loadPlan = func(*doc.Library, string, doc.Author) (*doc.Plan, error) { return nil, doc.ErrCorrupt }
	defer func() { loadPlan = inner }()
	u := New(test.NewTempApp(t), f.cfg)
	defer u.Close()
	runHop(t)
	if u.plan != nil || u.preview != nil || u.wel == nil {
		t.Fatal("a failed load should fall back to the welcome screen")
	}
}

func hasLabel(root fyne.CanvasObject, text string) bool {
	found := false
	walk(root, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Visible() && strings.Contains(l.Text, text) {
			found = true
		}
	})
	return found
}

func hasEditorText(root fyne.CanvasObject, text string) bool {
	found := false
	walk(root, func(o fyne.CanvasObject) {
		if e, ok := o.(*editor.Editor); ok && strings.Contains(e.Text(), text) {
			found = true
		}
	})
	return found
}
