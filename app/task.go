package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// task is slow work (joining, opening, importing, exporting, signing) run
// off the UI thread behind a dialog that says what is happening. One runs
// at a time: while it does, actions that would start another are refused.
type task struct {
	ui     *UI
	title  string
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed once work has returned

	dlg     *dialog.CustomDialog
	status  *widget.Label
	elapsed *widget.Label  // how long it has taken so far, once a second
	stop    *widget.Button // Cancel; nil when the work cannot be cancelled

	mu        sync.Mutex
	committed bool // past the point where Cancel could undo anything
	cancelled bool
}

// runTask runs work in a goroutine behind a progress dialog titled title,
// showing status. With cancellable the dialog has a Cancel that cancels
// work's context and hands the window back at once; work calls commit
// before a step that cannot be undone, which turns Cancel off. finish runs
// on the UI thread once work returns, with work's error, or with
// context.Canceled when the user cancelled or the window closed (finish
// then only tidies up: closes a plan that was opened for nothing). It
// reports false, running nothing, when other work is still running.
func (u *UI) runTask(title, status string, cancellable bool, work func(t *task) error, finish func(err error)) bool {
	if u.stillOpening() {
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	t := &task{ui: u, title: title, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	t.status = widget.NewLabel(status)
	t.status.Wrapping = fyne.TextWrapWord
	// A counter rather than an animated bar: the window repaints whole at
	// every frame, and on a laptop without a GPU an animation running the
	// whole time slowed opening a large plan from 3 s to 7 s.
	t.elapsed = widget.NewLabel("Working…")
	t.elapsed.Importance = widget.LowImportance
	// The status has its width before the dialog measures it: unmeasured,
	// a wrapped label is one word a line, and the window grew to fit it.
	t.dlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(container.New(fixedWidth(380), t.status), t.elapsed), u.win)
	if cancellable {
		t.stop = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), t.userCancel)
		t.dlg.SetButtons([]fyne.CanvasObject{t.stop})
	}
	t.dlg.Resize(fyne.NewSize(420, 0))
	u.task = t
	t.dlg.Show()
	if runBackground {
		go t.count(time.Now())
	}
	go func() {
		err := work(t)
		close(t.done)
		t.cancel()
		onUI(func() { t.end(err, finish) })
	}()
	return true
}

// userCancel is the Cancel button: the work's context is cancelled and the
// window is given back; what the work still returns is tidied away.
func (t *task) userCancel() {
	t.mu.Lock()
	if t.committed {
		t.mu.Unlock()
		return
	}
	t.cancelled = true
	t.mu.Unlock()
	t.cancel()
	t.dlg.Hide()
	if t.ui.task == t {
		t.ui.task = nil
	}
}

// commit marks the point of no return: it reports false when the user has
// cancelled already (the work must stop), and otherwise turns Cancel off.
func (t *task) commit() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancelled {
		return false
	}
	if !t.committed && t.stop != nil {
		stop := t.stop
		onUI(stop.Disable)
	}
	t.committed = true
	return true
}

// count shows, once a second until the work returns, how long it has run.
func (t *task) count(start time.Time) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-t.ctx.Done():
			return
		case now := <-tick.C:
			s := fmt.Sprintf("Working for %d s", int(now.Sub(start).Seconds()+0.5))
			onUI(func() { t.elapsed.SetText(s) })
		}
	}
}

// say changes the status line; any goroutine may call it.
func (t *task) say(status string) {
	onUI(func() { t.status.SetText(status) })
}

// end runs on the UI thread once the work has returned.
func (t *task) end(err error, finish func(error)) {
	t.ui.endMu.Lock()
	defer t.ui.endMu.Unlock()
	t.mu.Lock()
	cancelled := t.cancelled
	t.mu.Unlock()
	if t.ui.task == t {
		t.ui.task = nil
	}
	if !cancelled {
		t.dlg.Hide()
	}
	if cancelled || t.ui.closed {
		err = context.Canceled
	}
	finish(err)
}

// abort cancels the task as the window closes. It reports whether the
// window must still wait for the work: work that cannot be cancelled, or
// is past its point of no return, may be writing to the plan.
func (t *task) abort() (wait bool) {
	t.mu.Lock()
	wait = t.committed || t.stop == nil
	t.cancelled = !wait
	t.mu.Unlock()
	t.cancel()
	return wait
}

// canceled reports whether err means the user cancelled.
func canceled(err error) bool { return errors.Is(err, context.Canceled) }
