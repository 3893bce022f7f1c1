package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// now is the clock the window shows; tests fix it.
var now = time.Now

// statusBar shows sync state (peers connected, last synced, offline) and
// whether edits are saved.
type statusBar struct {
	ws    *workspace
	icon  *widget.Icon
	sync  *widget.Label
	who   *widget.Label // whose profile this window is
	saved *widget.Label
	// syncFrom is when sync started on the plan (zero: not yet): for
	// syncStarting after it no member reachable means still looking.
	syncFrom time.Time
}

// While sync starts, the bar is read every startPoll rather than on the
// workspace's 2 s tick, so a colleague's session shows as it opens, and
// nobody reachable yet reads as looking, not Offline (the sync layer
// cannot tell the two apart until it has dialled the members it knows).
const (
	syncStarting = 5 * time.Second
	startPoll    = 200 * time.Millisecond
)

func newStatusBar(ws *workspace) *statusBar { return &statusBar{ws: ws} }

func (s *statusBar) buildUI() fyne.CanvasObject {
	s.icon = widget.NewIcon(theme.MediaRecordIcon())
	s.sync = widget.NewLabel("")
	s.sync.SizeName = theme.SizeNameCaptionText
	s.saved = widget.NewLabel("All changes saved on this laptop")
	s.saved.SizeName = theme.SizeNameCaptionText
	s.saved.Importance = widget.LowImportance
	s.who = widget.NewLabelWithStyle(profileText(s.ws.ui.cfg.Author), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	s.who.SizeName = theme.SizeNameCaptionText
	s.who.Truncation = fyne.TextTruncateEllipsis
	s.refresh()
	return container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, container.NewHBox(s.icon, s.sync, s.ws.here.bar), s.saved, s.who))
}

// syncText says in words how the plan is syncing; starting says sync
// started on it moments ago.
func syncText(svc SyncService, planID string, t time.Time, starting bool) (string, fyne.Resource) {
	if svc == nil {
		return "Peer sync not available: working on this laptop only", theme.MediaRecordIcon()
	}
	st := svc.Status(planID)
	last := "never synced"
	if !st.LastSynced.IsZero() {
		last = "last synced " + ago(st.LastSynced, t)
	}
	switch {
	case st.Err != "":
		return "Sync problem: " + st.Err + " · " + last, theme.WarningIcon()
	case st.Connected > 0 && len(st.Names) == st.Connected && st.Connected <= 3:
		return "Connected to " + strings.Join(st.Names, ", ") + " · " + last, theme.ConfirmIcon()
	case st.Connected > 0:
		return plural(st.Connected, "peer") + " connected · " + last, theme.ConfirmIcon()
	case starting:
		return "Looking for colleagues on the network… · " + last, theme.SearchIcon()
	case st.Offline:
		return "Offline: edits are kept on this laptop · " + last, theme.MediaRecordIcon()
	}
	return "Online, no peers nearby · " + last, theme.MediaRecordIcon()
}

// ago says how long ago t was, calmly.
func ago(t, ref time.Time) string {
	d := ref.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case t.YearDay() == ref.YearDay() && t.Year() == ref.Year():
		return "at " + t.Local().Format("15:04")
	}
	return t.Local().Format("2 Jan 15:04")
}

// syncStarted is told that sync has started on the plan (before or after
// the bar is built): the bar follows the sessions closely while they open.
func (s *statusBar) syncStarted() {
	s.syncFrom = time.Now()
	if s.sync != nil {
		s.refresh()
	}
	if !runBackground {
		return
	}
	go func() {
		t := time.NewTicker(startPoll)
		defer t.Stop()
		end := time.After(syncStarting + startPoll)
		for {
			select {
			case <-s.ws.done:
				return
			case <-end:
				return
			case <-t.C:
				onUI(func() {
					if !s.ws.closed && s.sync != nil {
						s.refresh()
					}
				})
			}
		}
	}()
}

func (s *statusBar) refresh() {
	if s.ws.ui.cfg.Sync != nil && s.syncFrom.IsZero() {
		// Drawn before sync starts on the plan: it knows nothing yet.
		s.show("Starting peer sync…", theme.SearchIcon())
		return
	}
	starting := time.Since(s.syncFrom) < syncStarting
	txt, icon := syncText(s.ws.ui.cfg.Sync, s.ws.plan.ID(), now(), starting)
	if len(s.ws.here.here) > 0 {
		txt = hereText(txt)
	}
	s.show(txt, icon)
}

// show sets the sync words and icon, touching the widgets only when they
// change: a refresh repaints, and a repaint in the window's first frames
// can size it to a wrapped label's width-less height.
func (s *statusBar) show(txt string, icon fyne.Resource) {
	if s.sync.Text != txt {
		s.sync.SetText(txt)
	}
	if s.icon.Resource != icon {
		s.icon.SetResource(icon)
	}
}

func (s *statusBar) changed(ev doc.Event) {
	t := now().Local().Format("15:04")
	if ev.Remote {
		s.saved.SetText("Merged colleagues' edits " + t)
	} else {
		s.saved.SetText("All changes saved " + t)
	}
	s.refresh()
}
