package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/coplan/coplan/doc"
)

// blockingSync is a SyncService whose Join blocks until the test answers
// it or its context ends.
type blockingSync struct {
	fakeSync
	calls   chan context.Context // each Join's context, as it starts
	answer  chan joinAnswer
	stopped chan error // why a Join gave up: its context's error
	deaf    bool       // Join ignores its context, as a join already done would
}

type joinAnswer struct {
	id  string
	err error
}

func newBlockingSync() *blockingSync {
	return &blockingSync{calls: make(chan context.Context, 4), answer: make(chan joinAnswer), stopped: make(chan error, 4)}
}

func (b *blockingSync) Join(ctx context.Context, code string, a doc.Author) (string, error) {
	b.calls <- ctx
	if b.deaf {
		ans := <-b.answer
		return ans.id, ans.err
	}
	select {
	case ans := <-b.answer:
		return ans.id, ans.err
	case <-ctx.Done():
		b.stopped <- ctx.Err()
		return "", ctx.Err()
	}
}

// joinFixture is the window on a seeded plan, with a Join that blocks.
func joinFixture(t *testing.T) (*fixture, *blockingSync) {
	t.Helper()
	f := newFixture(t)
	bs := newBlockingSync()
	f.ui.cfg.Sync = bs
	return f, bs
}

// startJoin joins with a code and waits until the sync layer has the call.
func startJoin(t *testing.T, f *fixture, bs *blockingSync) context.Context {
	t.Helper()
	f.ui.join("coplan1:SOMECODE")
	select {
	case ctx := <-bs.calls:
		return ctx
	case <-time.After(10 * time.Second):
		t.Fatal("Join was never called")
		return nil
	}
}

// taskShown reports whether the topmost dialog is a running task with the
// title, saying it is at work.
func taskShown(w fyne.Window, title string) bool {
	return dialogSays(w, title) && dialogSays(w, "Working")
}

func tapCancel(t *testing.T, w fyne.Window) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog to cancel")
	}
	test.Tap(findButton(t, top, "Cancel"))
}

// otherPlan puts a second plan in the fixture's library, as a join or a
// colleague's file would, and returns its ID.
func otherPlan(t *testing.T, f *fixture, title string) string {
	t.Helper()
	p, err := f.lib.Create(title, "Freedonia", "2025", "2027", bruno)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AddCommitment(doc.NewCommitment{Title: "Open parliament"}); err != nil {
		t.Fatal(err)
	}
	id := p.ID()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// Close leaves a content cache; these tests open the plan uncached.
	if err := os.Remove(filepath.Join(f.lib.Dir(), "plans", id, "content.json")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return id
}

func TestJoinOffTheUIThread(t *testing.T) {
	t.Run("progress, a responsive window, no second join", func(t *testing.T) {
		f, bs := joinFixture(t)
		w := f.ui.win
		ctx := startJoin(t, f, bs)
		if !taskShown(w, "Joining a plan") {
			t.Fatal("no progress dialog while joining")
		}
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > joinTimeout || time.Until(dl) < joinTimeout-time.Minute {
			t.Errorf("join context deadline %v, want about %v from now", dl, joinTimeout)
		}
		// The window still answers: the outline filters and the plan
		// takes an edit while the join waits.
		test.Type(f.ui.ws.outline.search, "lobbying")
		var shown []string
		for _, it := range f.ui.ws.outline.items {
			if it.kind == kindCommitment {
				shown = append(shown, it.title)
			}
		}
		if len(shown) != 1 || !strings.Contains(shown[0], "Lobbying register") {
			t.Errorf("search while joining shows %q", shown)
		}
		f.ui.ws.outline.search.SetText("")
		f.open(t, outlineItem{kind: kindOverview})
		ov := f.ui.ws.current.(*overview)
		ov.country.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
		test.Type(ov.country.entry, "Ruritania")
		if got := f.plan.Info().Country; got != "Ruritania" {
			t.Errorf("country typed while joining is %q", got)
		}
		// Clicking again starts nothing.
		f.ui.join("coplan1:SOMECODE")
		f.ui.openFileDialog()
		if err := f.ui.OpenPlan(f.plan.ID()); !errors.Is(err, errStillOpening) {
			t.Errorf("OpenPlan while joining: %v", err)
		}
		select {
		case <-bs.calls:
			t.Fatal("a second Join started while the first runs")
		default:
		}
		if !dialogSays(w, "still busy: joining a plan") {
			t.Error("a second join was not told the first is running")
		}
		for range 2 { // the join's and the file picker's "still busy"
			w.Canvas().Overlays().Remove(w.Canvas().Overlays().Top())
		}
		if !taskShown(w, "Joining a plan") {
			t.Error("the join's progress went away")
		}
		tapCancelLater := ctx // keep the first join's context for the end
		bs.answer <- joinAnswer{err: errors.New("bad plan ID")}
		runHopsUntil(t, func() bool { return f.ui.task == nil })
		if !dialogSays(w, "could not join with that code: bad plan ID") {
			t.Error("a failed join was not explained")
		}
		if tapCancelLater.Err() == nil {
			t.Error("the join's context was left running after it returned")
		}
	})

	t.Run("cancel", func(t *testing.T) {
		f, bs := joinFixture(t)
		w := f.ui.win
		ctx := startJoin(t, f, bs)
		before := f.ui.win.Canvas().Content()
		tapCancel(t, w)
		select {
		case err := <-bs.stopped:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Join stopped with %v, want context.Canceled", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Cancel did not reach the join")
		}
		if ctx.Err() == nil {
			t.Error("Join's context is not cancelled")
		}
		// The window is back as it was, at once: no dialog, same plan,
		// and a new join may start.
		if w.Canvas().Overlays().Top() != nil || f.ui.task != nil {
			t.Error("the progress dialog stayed after Cancel")
		}
		if f.ui.plan != f.plan || f.ui.ws == nil || w.Canvas().Content() != before {
			t.Error("Cancel changed what the window shows")
		}
		runHop(t) // the join returns: nothing to show
		if w.Canvas().Overlays().Top() != nil {
			t.Errorf("a cancelled join showed a dialog")
		}
		startJoin(t, f, bs)
		if !taskShown(w, "Joining a plan") {
			t.Error("cannot join again after cancelling")
		}
		tapCancel(t, w)
		runHop(t)
	})

	t.Run("joined before Cancel took effect", func(t *testing.T) {
		f, bs := joinFixture(t)
		bs.deaf = true
		id := otherPlan(t, f, "Joined plan")
		startJoin(t, f, bs)
		tapCancel(t, f.ui.win)
		bs.answer <- joinAnswer{id: id}
		runHop(t)
		if f.ui.plan != f.plan {
			t.Error("a cancelled join opened the plan")
		}
		if !dialogSays(f.ui.win, "had arrived before Cancel took effect") {
			t.Error("a join that completed despite Cancel was not told")
		}
	})

	t.Run("the dialog counts the seconds", func(t *testing.T) {
		f, bs := joinFixture(t)
		runBackground = true // only the task's counter: no workspace is built meanwhile
		startJoin(t, f, bs)
		runBackground = false
		runHop(t)
		if !dialogSays(f.ui.win, "Working for 1 s") {
			t.Error("the dialog does not count the seconds")
		}
		tapCancel(t, f.ui.win)
		select {
		case <-bs.stopped:
		case <-time.After(10 * time.Second):
			t.Fatal("Cancel did not reach the join")
		}
		runHop(t) // the cancelled join returns
	})

	t.Run("success opens the plan", func(t *testing.T) {
		f, bs := joinFixture(t)
		w := f.ui.win
		id := otherPlan(t, f, "Joined plan")
		startJoin(t, f, bs)
		release := slowLoads(t)
		bs.answer <- joinAnswer{id: id}
		runHop(t) // joined: the opening starts
		if !taskShown(w, "Opening the plan") {
			t.Fatal("no progress while the joined plan opens")
		}
		if f.ui.plan != f.plan {
			t.Error("the plan shown before was replaced before the joined one was ready")
		}
		release()
		runHopsUntil(t, func() bool { return f.ui.task == nil })
		if f.ui.plan == nil || f.ui.plan.ID() != id || f.ui.ws == nil {
			t.Fatal("the joined plan is not open")
		}
		if w.Canvas().Overlays().Top() != nil {
			t.Error("a dialog is left over after joining")
		}
		if bs.started[len(bs.started)-1] != id {
			t.Errorf("sync started for %v, want the joined plan last", bs.started)
		}
	})
}

func TestExportInBackground(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "out.coplan")
	f.ui.exportFile(path)
	if !taskShown(f.ui.win, "Exporting") {
		t.Error("no progress dialog while exporting")
	}
	runHopsUntil(t, func() bool { return f.ui.task == nil })
	if !dialogSays(f.ui.win, "Saved the plan as out.coplan") {
		t.Error("export did not say where it saved")
	}
	got, err := doc.ReadFile(path, bruno)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.ID() != f.plan.ID() || len(got.Summaries()) != len(f.ids) {
		t.Error("the exported file is not the plan")
	}
}

func TestImportCancelled(t *testing.T) {
	f := newFixture(t)
	path := colleagueCopy(t, f)
	gate := make(chan struct{})
	inner := readImport
	readImport = func(p string) ([]byte, error) { <-gate; return os.ReadFile(p) }
	defer func() { readImport = inner }()

	n := len(f.plan.Summaries())
	f.ui.importFile(path, nil)
	if !taskShown(f.ui.win, "Importing bruno.coplan") {
		t.Fatal("no progress dialog while importing")
	}
	tapCancel(t, f.ui.win)
	if f.ui.task != nil || f.ui.win.Canvas().Overlays().Top() != nil {
		t.Error("Cancel did not give the window back")
	}
	close(gate)
	runHop(t)
	if got := len(f.plan.Summaries()); got != n {
		t.Errorf("a cancelled import merged: %d commitments, want %d", got, n)
	}
	if f.ui.win.Canvas().Overlays().Top() != nil {
		t.Error("a cancelled import showed a dialog")
	}
}
