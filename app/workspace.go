package app

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// screen is one editor shown in the centre pane.
type screen interface {
	buildUI() fyne.CanvasObject
	// refresh re-reads the document; remote says the change came from
	// elsewhere, so fields being typed into must be reconciled.
	refresh(remote bool)
	close()
}

// withLongText is a screen with long texts, which Ctrl+F can search.
type withLongText interface {
	longFields() []*longField
}

// focusedLongField is the long text of the screen shown that has the
// focus (or whose find bar has it), or nil.
func (ws *workspace) focusedLongField() *longField {
	s, ok := ws.current.(withLongText)
	if !ok {
		return nil
	}
	c := ws.ui.win.Canvas()
	for _, lf := range s.longFields() {
		if lf != nil && lf.find != nil && lf.focused(c) {
			return lf
		}
	}
	return nil
}

// background work is off in tests, which drive events by hand.
var runBackground = true

// workspace is the main screen for an open plan: outline, centre editor,
// status bar.
type workspace struct {
	ui      *UI
	plan    *doc.Plan
	outline *outline
	status  *statusBar
	meeting *meetingBar
	here    *presenceView // colleagues connected now (presence.go)
	center  *fyne.Container
	heading *widget.Label
	period  *widget.Label

	current     screen
	currentItem outlineItem

	events <-chan doc.Event
	cancel func()
	done   chan struct{}
	closed bool

	// The content cache is rewritten after a few idle seconds (and once
	// after opening), off the UI thread.
	cacheDirty bool
	cacheBusy  bool
	lastChange time.Time
}

// cacheIdle is how long the plan must be quiet before its content cache is
// rewritten: reading the content of a large plan holds it for ~60 ms.
const cacheIdle = 5 * time.Second

func newWorkspace(u *UI, p *doc.Plan) *workspace {
	ws := &workspace{ui: u, plan: p, done: make(chan struct{}), cacheDirty: true, lastChange: time.Now()}
	ws.outline = newOutline(p, u.state.Filters, ws.show)
	ws.status = newStatusBar(ws)
	ws.meeting = newMeetingBar(ws)
	ws.here = newPresenceView(ws)
	ws.outline.here = ws.here.at
	ws.events, ws.cancel = p.Subscribe()
	return ws
}

func (ws *workspace) buildUI() fyne.CanvasObject {
	ws.heading = widget.NewLabel("")
	ws.period = widget.NewLabel("")
	ws.refreshHeading()

	newBtn := widget.NewButtonWithIcon("New commitment", theme.ContentAddIcon(), ws.newCommitment)
	newBtn.Importance = widget.HighImportance
	invite := widget.NewButtonWithIcon("Invite", theme.MailSendIcon(), ws.ui.showInvite)
	if ws.ui.cfg.Sync == nil {
		invite.Disable()
	}
	export := widget.NewButtonWithIcon("Export", theme.DocumentSaveIcon(), ws.ui.exportDialog)
	merge := widget.NewButtonWithIcon("Merge file", theme.FolderOpenIcon(), ws.ui.mergeDialog)
	top := titleBar(ws.heading, ws.period, merge, export, invite, newBtn)

	ws.center = container.NewStack()
	left := ws.outline.buildUI()
	split := container.NewHSplit(left, container.NewPadded(ws.center))
	split.Offset = 0.27

	if !ws.outline.selectKey(ws.ui.state.LastItem) {
		ws.outline.selectKey(outlineItem{kind: kindOverview}.key())
	}
	if runBackground {
		go ws.pump()
		go ws.tick()
		ws.here.start()
	}
	return container.NewBorder(container.NewVBox(top, ws.meeting.buildUI(), widget.NewSeparator()), ws.status.buildUI(), nil, nil, split)
}

func (ws *workspace) refreshHeading() {
	info := ws.plan.Info()
	ws.heading.SetText(info.Title)
	ws.period.SetText(periodText(info))
}

func periodText(info doc.Info) string {
	var period string
	if info.PeriodStart != "" || info.PeriodEnd != "" {
		period = fmt.Sprintf("%s to %s", info.PeriodStart, info.PeriodEnd)
	}
	if info.Country != "" {
		period = info.Country + " · " + period
	}
	return period
}

// pump carries the plan's change events to the UI thread.
func (ws *workspace) pump() {
	for ev := range ws.events {
		onUI(func() { ws.onEvent(ev) })
	}
}

// drain handles waiting events on the calling (UI) goroutine; tests use it
// instead of pump.
func (ws *workspace) drain() {
	for {
		select {
		case ev, ok := <-ws.events:
			if !ok {
				return
			}
			ws.onEvent(ev)
		default:
			return
		}
	}
}

func (ws *workspace) tick() {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ws.done:
			return
		case <-t.C:
			onUI(func() {
				if ws.closed {
					return
				}
				ws.status.refresh()
				ws.maybeWriteCache()
				if m, ok := ws.current.(*membersScreen); ok {
					m.load()
				}
			})
		}
	}
}

func (ws *workspace) onEvent(ev doc.Event) {
	if ws.closed {
		return
	}
	ws.cacheDirty, ws.lastChange = true, time.Now()
	ws.outline.invalidate()
	ws.outline.rebuild()
	ws.refreshHeading()
	if ws.ui.viewing() == nil { // a past version keeps its own title
		ws.ui.setTitle(ws.plan.Info().Title)
	}
	if ws.current != nil {
		ws.current.refresh(ev.Remote)
	}
	// Colleagues' carets are found again in the text as it is now: their
	// presence may have come before the words they typed.
	ws.here.showCarets()
	ws.meeting.refresh()
	ws.status.changed(ev)
}

// maybeWriteCache rewrites the content cache once the plan has been quiet
// for cacheIdle, so the next start shows it at once.
func (ws *workspace) maybeWriteCache() {
	if !ws.cacheDirty || ws.cacheBusy || time.Since(ws.lastChange) < cacheIdle {
		return
	}
	ws.cacheDirty, ws.cacheBusy = false, true
	p := ws.plan
	go func() {
		if err := p.WriteContentCache(); err != nil {
			ws.ui.log.Warn("content cache not written", "plan", p.ID(), "err", err)
		}
		onUI(func() { ws.cacheBusy = false })
	}()
}

// show opens an outline item in the centre pane.
func (ws *workspace) show(it outlineItem) {
	if ws.current != nil {
		ws.current.close()
	}
	var s screen
	switch it.kind {
	case kindOverview:
		s = newOverview(ws)
	case kindCommitment:
		s = newCommitmentEditor(ws, it.id)
	case kindTimeline:
		s = newTimelineScreen(ws)
	case kindNotes:
		s = newNotesScreen(ws)
	case kindMembers:
		s = newMembersScreen(ws)
	case kindHistory:
		s = newHistoryScreen(ws)
	case kindReleases:
		s = newReleasesScreen(ws)
	default:
		return
	}
	ws.current, ws.currentItem = s, it
	ws.ui.state.LastItem = it.key()
	ws.center.Objects = []fyne.CanvasObject{s.buildUI()}
	ws.center.Refresh()
	ws.here.showCarets()
}

// openCommitment shows a commitment, clearing filters that would hide it.
func (ws *workspace) openCommitment(id string) {
	key := outlineItem{kind: kindCommitment, id: id}.key()
	if ws.outline.selectKey(key) {
		return
	}
	ws.outline.clearFilters()
	ws.outline.selectKey(key)
}

func (ws *workspace) newCommitment() {
	n := len(ws.plan.Summaries()) + 1
	id, err := ws.plan.AddCommitment(doc.NewCommitment{Title: fmt.Sprintf("New commitment %d", n)})
	if err != nil {
		ws.ui.showError(err)
		return
	}
	ws.outline.invalidate()
	ws.outline.rebuild()
	ws.openCommitment(id)
	if ce, ok := ws.current.(*commitmentEditor); ok {
		ce.focusTitle()
		// Typing replaces the placeholder title.
		ce.title.TypedShortcut(&fyne.ShortcutSelectAll{})
	}
}

func (ws *workspace) errorf(err error) { ws.ui.showError(err) }

func (ws *workspace) close() {
	if ws.closed {
		return
	}
	ws.closed = true
	if ws.current != nil {
		ws.current.close()
	}
	ws.cancel()
	close(ws.done)
}
