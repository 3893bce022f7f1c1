package app

import (
	"errors"
	"strings"
	"sync"
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

func TestOpenUncachedInBackground(t *testing.T) {
	t.Run("progress, then editable", func(t *testing.T) {
		f := newFixture(t)
		w := f.ui.win
		id := otherPlan(t, f, "Second plan")
		release := slowLoads(t)
		if err := f.ui.OpenPlan(id); err != nil {
			t.Fatal(err)
		}
		if !taskShown(w, "Opening the plan") {
			t.Fatal("no progress dialog while the plan opens")
		}
		// The plan shown before stays live meanwhile.
		if f.ui.plan != f.plan || f.ui.ws == nil {
			t.Fatal("the open plan went away before the next was ready")
		}
		f.open(t, outlineItem{kind: kindOverview})
		ov := f.ui.ws.current.(*overview)
		ov.country.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
		test.Type(ov.country.entry, "Ruritania")
		if got := f.plan.Info().Country; got != "Ruritania" {
			t.Errorf("country typed while opening is %q", got)
		}
		// Clicking again opens nothing twice.
		if err := f.ui.OpenPlan(id); !errors.Is(err, errStillOpening) {
			t.Errorf("a second open while opening: %v", err)
		}
		if f.ui.openCached(id) {
			t.Error("a cached open started while opening")
		}
		release()
		runHopsUntil(t, func() bool { return f.ui.task == nil })
		if f.ui.plan == nil || f.ui.plan.ID() != id || f.ui.ws == nil {
			t.Fatal("the plan did not open")
		}
		if w.Canvas().Overlays().Top() != nil {
			t.Error("the progress dialog stayed")
		}
		f.open(t, outlineItem{kind: kindOverview})
		ov = f.ui.ws.current.(*overview)
		if ov.title.entry.Disabled() || ov.title.entry.Text != "Second plan" {
			t.Errorf("opened plan's title entry: %q, disabled %v", ov.title.entry.Text, ov.title.entry.Disabled())
		}
		test.Type(ov.country.entry, "Upper ")
		if got := f.ui.plan.Info().Country; got != "Upper Freedonia" {
			t.Errorf("the opened plan took %q", got)
		}
	})

	t.Run("cancel, then open again", func(t *testing.T) {
		f := newFixture(t)
		w := f.ui.win
		id := otherPlan(t, f, "Second plan")
		// The first load waits for the gate; the second checks that the
		// copy the first made was closed before it starts.
		gate := make(chan struct{})
		var (
			mu      sync.Mutex
			copies  []*doc.Plan
			overlap bool
		)
		inner := loadPlan
		loadPlan = func(lib *doc.Library, id string, a doc.Author) (*doc.Plan, error) {
			mu.Lock()
			first := copies
			mu.Unlock()
			if len(first) == 0 {
				<-gate
			} else if first[0].SetPlanField("country", "Two copies") == nil {
				overlap = true
			}
			p, err := inner(lib, id, a)
			mu.Lock()
			copies = append(copies, p)
			mu.Unlock()
			return p, err
		}
		t.Cleanup(func() { loadPlan = inner })

		before := w.Canvas().Content()
		if err := f.ui.OpenPlan(id); err != nil {
			t.Fatal(err)
		}
		tapCancel(t, w)
		if f.ui.task != nil || w.Canvas().Overlays().Top() != nil {
			t.Fatal("Cancel did not give the window back")
		}
		if f.ui.plan != f.plan || w.Canvas().Content() != before {
			t.Fatal("Cancel changed what the window shows")
		}
		// Opened again at once: this load waits for the cancelled one,
		// which finishes later and is closed unseen.
		if err := f.ui.OpenPlan(id); err != nil {
			t.Fatal(err)
		}
		close(gate)
		runHop(t) // the cancelled load: tidied away
		if f.ui.plan != f.plan {
			t.Fatal("a cancelled open replaced the plan")
		}
		runHopsUntil(t, func() bool { return f.ui.task == nil })
		if f.ui.plan == nil || f.ui.plan.ID() != id {
			t.Fatal("opening again after a cancel failed")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(copies) != 2 || copies[1] != f.ui.plan {
			t.Fatalf("%d loads, want the cancelled one and the one shown", len(copies))
		}
		if overlap {
			t.Error("the second load started while the cancelled copy was still open")
		}
		if copies[0].SetPlanField("country", "Still open") == nil {
			t.Error("the cancelled copy was never closed")
		}
	})

	t.Run("at start, over the welcome screen", func(t *testing.T) {
		f := newFixture(t)
		id := otherPlan(t, f, "Second plan") // never shown: no content cache
		cfg := f.cfg
		cfg.ConfigDir = t.TempDir()
		(&appState{LastPlan: id}).save(cfg.ConfigDir)
		release := slowLoads(t)
		u := New(test.NewTempApp(t), cfg)
		defer u.Close()
		if u.wel == nil || u.plan != nil || !taskShown(u.win, "Opening the plan") {
			t.Fatal("the window did not show the welcome screen with the plan opening")
		}
		release()
		runHopsUntil(t, func() bool { return u.task == nil })
		if u.plan == nil || u.plan.ID() != id || u.ws == nil || u.wel != nil {
			t.Fatal("the last plan did not open")
		}
	})
}
