package app

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/coplan/coplan/doc"
)

func (u *UI) buildMenu() {
	mod := fyne.KeyModifierShortcutDefault
	item := func(label string, f func(), k fyne.KeyName, m fyne.KeyModifier) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, f)
		if k != "" {
			// Menu shortcuts fire even while an entry has the focus.
			it.Shortcut = &desktop.CustomShortcut{KeyName: k, Modifier: m}
		}
		return it
	}
	file := fyne.NewMenu("File",
		fyne.NewMenuItem("New plan…", u.newPlanDialog),
		fyne.NewMenuItem("Open plan…", u.switchPlanDialog),
		item("Open or merge .coplan file…", u.mergeDialog, fyne.KeyO, mod),
		fyne.NewMenuItemSeparator(),
		item("Export .coplan file…", u.exportDialog, fyne.KeyS, mod|fyne.KeyModifierShift),
		fyne.NewMenuItem("Export draft (PDF, HTML, calendar…)…", func() { u.exportDraftDialog(u.viewedChoice()) }),
		fyne.NewMenuItem("Export meeting notes…", u.exportNotesDialog),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Your profile…", u.profileDialog),
		fyne.NewMenuItemSeparator(),
		quitItem(u.quit),
	)
	undo := fyne.NewMenuItem("Undo", func() { u.toFocused(&fyne.ShortcutUndo{}) })
	undo.Shortcut = &fyne.ShortcutUndo{}
	redo := fyne.NewMenuItem("Redo", func() { u.toFocused(&fyne.ShortcutRedo{}) })
	redo.Shortcut = &fyne.ShortcutRedo{}
	edit := fyne.NewMenu("Edit",
		undo, redo,
		fyne.NewMenuItemSeparator(),
		item("New commitment", u.newCommitment, fyne.KeyN, mod),
		item("Find in the text or commitments", u.find, fyne.KeyF, mod),
		item("Save now", u.flush, fyne.KeyS, mod),
	)
	peers := fyne.NewMenu("Peers",
		item("Invite a colleague…", u.showInvite, fyne.KeyI, mod),
		fyne.NewMenuItem("Join with an invite code…", u.joinDialog),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Sync now", u.syncNow),
	)
	u.startItem = fyne.NewMenuItem("Start meeting…", u.startMeetingDialog)
	u.endItem = fyne.NewMenuItem("End meeting…", u.endMeetingDialog)
	plan := fyne.NewMenu("Plan",
		fyne.NewMenuItem("Save as named draft…", u.saveDraftDialog),
		fyne.NewMenuItemSeparator(),
		u.startItem,
		u.endItem,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("History", u.showHistory),
		fyne.NewMenuItem("Restore deleted items…", u.restoreDeleted),
	)
	u.planMenu = plan
	u.win.SetMainMenu(fyne.NewMainMenu(file, edit, plan, peers))
}

// refreshMeetingItems offers Start and End meeting only to a device that
// may use them now (co-chairs and administrators start; they and whoever
// started a meeting end it), as the plan's authority says.
func (u *UI) refreshMeetingItems(p *doc.Plan) {
	if u.planMenu == nil {
		return
	}
	start, end := p != nil && p.MayStartMeeting() == nil, false
	if p != nil {
		if m, ok := runningMeeting(p); ok {
			end = p.MayEndMeeting(m) == nil
		}
	}
	if u.startItem.Disabled == !start && u.endItem.Disabled == !end {
		return
	}
	u.startItem.Disabled, u.endItem.Disabled = !start, !end
	u.planMenu.Refresh()
}

// addShortcuts binds the common actions to Ctrl (Cmd on macOS) keys.
func (u *UI) addShortcuts() {
	add := func(k fyne.KeyName, mod fyne.KeyModifier, f func()) {
		u.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: mod}, func(fyne.Shortcut) { f() })
	}
	mod := fyne.KeyModifierShortcutDefault
	add(fyne.KeyN, mod, u.newCommitment)
	add(fyne.KeyF, mod, u.find)
	add(fyne.KeyQ, mod, u.quit)
	add(fyne.KeyS, mod, u.flush)
	add(fyne.KeyS, mod|fyne.KeyModifierShift, u.exportDialog)
	add(fyne.KeyO, mod, u.mergeDialog)
	add(fyne.KeyI, mod, u.showInvite)
}

func (u *UI) newCommitment() {
	if ws := u.liveWorkspace(); ws != nil {
		ws.newCommitment()
	}
}

// quitItem is File > Quit on Ctrl+Q (Fyne would add a Quit of its own
// that skips the window's closing).
func quitItem(quit func()) *fyne.MenuItem {
	it := fyne.NewMenuItem("Quit", quit)
	it.IsQuit = true
	it.Shortcut = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}
	return it
}

// quit closes the window as its close button does (saving the window's
// state, waiting for work past its point of no return, closing the plan)
// and ends the app.
func (u *UI) quit() {
	u.onClose()
	u.app.Quit()
}

// toFocused hands an edit shortcut (undo, redo) to the widget with the
// focus: the menu takes them before the focused widget sees them.
func (u *UI) toFocused(s fyne.Shortcut) {
	if f, ok := u.win.Canvas().Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
	}
}

// find searches within the long text being edited (or whose find bar has
// the focus), and otherwise the commitments.
func (u *UI) find() {
	if u.ws != nil {
		if lf := u.ws.focusedLongField(); lf != nil {
			lf.showFind(u.win.Canvas())
			return
		}
	}
	u.focusSearch()
}

func (u *UI) focusSearch() {
	switch {
	case u.viewing() != nil:
		u.win.Canvas().Focus(u.viewing().pv.outline.search)
	case u.ws != nil:
		u.win.Canvas().Focus(u.ws.outline.search)
	case u.preview != nil:
		u.win.Canvas().Focus(u.preview.outline.search)
	}
}

// syncNow asks the sync layer to reach every member at once.
func (u *UI) syncNow() {
	if u.plan == nil {
		return
	}
	if u.cfg.Sync == nil {
		u.showError(errors.New("peer sync is not available in this build"))
		return
	}
	if err := u.cfg.Sync.SyncNow(u.plan.ID()); err != nil {
		u.showError(fmt.Errorf("could not sync now: %w", err))
	}
}

// flush commits pending edits to disk now.
func (u *UI) flush() {
	if u.plan == nil {
		return
	}
	if err := u.plan.Commit(); err != nil {
		u.showError(err)
		return
	}
	if u.ws != nil {
		u.ws.status.saved.SetText("All changes saved " + now().Local().Format("15:04"))
	}
}
