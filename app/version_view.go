package app

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// versionChoice is a version of the plan as the window names it: a
// session, a named draft, a release, a meeting's start or end, or now.
type versionChoice struct {
	v     doc.Version
	label string // in words, after "as of": "Ana Costa's session of 14 Mar 2025, 10:02–10:20"
	// focus is the outline item the version view opens on ("" for the
	// overview): the commitment a session edited, say.
	focus string
}

// nowChoice is the plan as it is.
func nowChoice(p *doc.Plan) (versionChoice, error) {
	v, err := p.ResolveVersion("now")
	return versionChoice{v: v, label: "now"}, err
}

// namedChoice names a release, draft or meeting version.
func namedChoice(v doc.Version) versionChoice {
	when := ""
	if !v.Time.IsZero() {
		when = ", " + v.Time.Local().Format("2 Jan 2006 15:04")
	}
	switch v.Kind {
	case doc.VersionRelease:
		return versionChoice{v: v, label: "signed release " + v.Label + when}
	case doc.VersionDraft:
		return versionChoice{v: v, label: "the named draft “" + v.Label + "”" + when}
	case doc.VersionMeeting:
		return versionChoice{v: v, label: "meeting " + v.Label + when}
	case doc.VersionNow:
		return versionChoice{v: v, label: "now"}
	}
	return versionChoice{v: v, label: v.String() + when}
}

// sessionChoice is the version right after a session's last change.
func sessionChoice(p *doc.Plan, s doc.Session) (versionChoice, error) {
	v, err := p.ResolveVersion(s.Last)
	if err != nil {
		return versionChoice{}, err
	}
	who := orDefault(s.Author, "an unknown device")
	c := versionChoice{v: v, label: fmt.Sprintf("the end of %s's session of %s", who, sessionWhen(s))}
	if len(s.Commitments) == 1 {
		c.focus = outlineItem{kind: kindCommitment, id: s.Commitments[0]}.key()
	}
	return c, nil
}

// sessionWhen says when a session ran: "14 Mar 2025, 10:02–10:20".
func sessionWhen(s doc.Session) string {
	start, end := s.Start.Local(), s.End.Local()
	out := start.Format("2 Jan 2006, 15:04")
	switch {
	case end.YearDay() != start.YearDay() || end.Year() != start.Year():
		out += " – " + end.Format("2 Jan 2006, 15:04")
	case end.Format("15:04") != start.Format("15:04"):
		out += "–" + end.Format("15:04")
	}
	return out
}

// versionView shows the plan read-only as it was at a past version, over
// the whole window, with the rendering the window uses while a plan opens
// from its cache, a banner saying so, and restore buttons. The live
// workspace stays behind it, merging colleagues' edits, and comes back
// with "Back to now".
type versionView struct {
	ui     *UI
	ws     *workspace
	choice versionChoice
	c      doc.Content
	pv     *preview
	root   fyne.CanvasObject
	behind fyne.CanvasObject // the workspace's content, put back by back
	banner *widget.Label
}

// viewVersion reads the plan at ch off the UI thread and shows it.
func (ws *workspace) viewVersion(ch versionChoice) {
	p := ws.plan
	var c doc.Content
	ws.ui.runTask("Opening a past version", "Reading the plan as of "+ch.label+"…", true, func(t *task) error {
		old, err := p.AtVersion(ch.v)
		if err != nil {
			return err
		}
		if t.ctx.Err() != nil {
			return context.Canceled
		}
		c = old.Content()
		return nil
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			ws.errorf(fmt.Errorf("could not open the plan as of %s: %w", ch.label, err))
		case ws.closed || ws.ui.ws != ws:
		default:
			ws.showVersion(ch, c)
		}
	})
}

// showVersion puts the view of content c (the plan at ch) over the window.
func (ws *workspace) showVersion(ch versionChoice, c doc.Content) *versionView {
	vv := &versionView{ui: ws.ui, ws: ws, choice: ch, c: c, behind: ws.ui.win.Content()}
	if cur := ws.ui.viewing(); cur != nil {
		vv.behind = cur.behind // one version at a time: Back goes to now
	}
	vv.pv = newPreview(ws.ui, c)
	vv.pv.past, vv.pv.restore = true, vv.restoreButton
	vv.root = vv.buildUI()
	ws.ui.version = vv
	ws.ui.win.SetContent(vv.root)
	ws.ui.setTitle(c.Title + " (as of " + ch.label + ")")
	return vv
}

// viewing is the version view the window shows, nil when it shows the
// live plan.
func (u *UI) viewing() *versionView {
	if u.version == nil || u.ws != u.version.ws || u.win.Content() != u.version.root {
		return nil
	}
	return u.version
}

// warningBand is the background of banners that must not be missed.
func warningBand(o fyne.CanvasObject) fyne.CanvasObject {
	c := theme.Color(theme.ColorNameWarning)
	r, g, b, _ := c.RGBA()
	bg := canvas.NewRectangle(color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40})
	return container.NewStack(bg, container.NewPadded(o))
}

func (vv *versionView) buildUI() fyne.CanvasObject {
	vv.banner = widget.NewLabel("Viewing “" + vv.c.Title + "” as of " + vv.choice.label + " — read-only")
	vv.banner.TextStyle = fyne.TextStyle{Bold: true}
	vv.banner.Wrapping = fyne.TextWrapWord
	back := widget.NewButtonWithIcon("Back to now", theme.NavigateBackIcon(), vv.back)
	back.Importance = widget.HighImportance
	compare := widget.NewButtonWithIcon("Compare with now", theme.ViewRefreshIcon(), vv.compareWithNow)
	if vv.choice.v.Kind == doc.VersionNow {
		compare.Disable()
	}
	exp := widget.NewButtonWithIcon("Export this version…", theme.DocumentSaveIcon(), func() { vv.ui.exportDraftDialog(&vv.choice) })
	hint := widget.NewLabel("Nothing here can be edited. “Restore” buttons bring a text or an item back as it was then, as a new change by you.")
	hint.Wrapping = fyne.TextWrapWord
	hint.SizeName = theme.SizeNameCaptionText
	band := warningBand(container.NewBorder(nil, nil, widget.NewIcon(theme.HistoryIcon()), container.NewHBox(exp, compare, back),
		container.NewVBox(flowText(vv.banner), flowText(hint))))

	// The title is in the banner: the view is no taller than the workspace.
	return container.NewBorder(container.NewVBox(band, widget.NewSeparator()), nil, nil, nil, vv.pv.body(filter{}, vv.choice.focus))
}

// back shows the live plan again.
func (vv *versionView) back() {
	if vv.ui.viewing() != vv {
		return
	}
	vv.ui.version = nil
	vv.ui.win.SetContent(vv.behind)
	vv.ui.setTitle(vv.ws.plan.Info().Title)
}

func (vv *versionView) compareWithNow() {
	now, err := nowChoice(vv.ws.plan)
	if err != nil {
		vv.ws.errorf(err)
		return
	}
	vv.back()
	vv.ws.compare(vv.choice, now)
}

// restoreTarget is what a restore button brings back: a text (ref), or a
// commitment, milestone, timeline entry or set of notes as a whole.
type restoreTarget struct {
	kind  string // "text", or one of doc's Item kinds
	ref   doc.TextRef
	id    string // the item; for a milestone or a text, its commitment
	sub   string // a milestone's ID
	title string // how the button's confirmation names it
	what  string // or the whole of what it says, when set
	value string // a plan field's earlier value ("planfield")
}

// restoreButton is the button for t in the version view, nil when there is
// nothing to restore (the text reads the same now).
func (vv *versionView) restoreButton(t restoreTarget) fyne.CanvasObject {
	label, gone := vv.ws.restoreLabel(t)
	if label == "" {
		return nil
	}
	b := widget.NewButtonWithIcon(label, theme.ContentUndoIcon(), func() { vv.ws.confirmRestore(t, vv.choice, gone, vv.back) })
	b.Importance = widget.LowImportance
	if t.kind == "text" {
		now, err := vv.ws.plan.Text(t.ref)
		then, terr := vv.pastText(t.ref)
		if err == nil && terr == nil && now == then {
			b.SetText("Same as now")
			b.Disable()
		}
	}
	return b
}

// pastText is a text of the version shown.
func (vv *versionView) pastText(r doc.TextRef) (string, error) {
	if r.Kind == "plan" {
		return vv.c.Vision, nil
	}
	for _, c := range vv.c.Commitments {
		if c.ID != r.ID {
			continue
		}
		switch r.Field {
		case "title":
			return c.Title, nil
		case "problem":
			return c.Problem, nil
		case "description":
			return c.Description, nil
		case "contribution":
			return c.Contribution, nil
		case "additional":
			return c.Additional, nil
		case "response":
			return c.Response, nil
		}
	}
	return "", doc.ErrNotFound
}

// restoreLabel names the restore button for t, and says whether the item
// is gone from the plan now.
func (ws *workspace) restoreLabel(t restoreTarget) (label string, gone bool) {
	p := ws.plan
	switch t.kind {
	case "text":
		return "Restore this text", false
	case doc.ItemCommitment:
		if _, err := p.Commitment(t.id); err != nil {
			return "Restore this deleted commitment", true
		}
		return "Restore this commitment as it was", false
	case doc.ItemMilestone:
		c, err := p.Commitment(t.id)
		if err != nil {
			return "", true // its commitment must come back first
		}
		if !slices.ContainsFunc(c.Milestones, func(m doc.Milestone) bool { return m.ID == t.sub }) {
			return "Restore", true
		}
		return "Restore", false
	case doc.ItemTimeline:
		gone = !slices.ContainsFunc(p.Timeline(), func(e doc.TimelineEntry) bool { return e.ID == t.id })
		return "Restore", gone
	case doc.ItemNote:
		if !slices.ContainsFunc(p.Notes(), func(n doc.Note) bool { return n.ID == t.id }) {
			return "Restore these deleted notes", true
		}
		return "Restore these notes as they were", false
	}
	return "", false
}

// restoreWhat names t in a sentence: "the description of commitment 3
// “Open contracting”", "the deleted milestone “Publish data”".
func (ws *workspace) restoreWhat(t restoreTarget, gone bool) string {
	if t.what != "" {
		return t.what
	}
	if t.kind == "text" {
		return ws.plan.DescribeText(t.ref)
	}
	deleted := ""
	if gone {
		deleted = "deleted "
	}
	kind := map[string]string{doc.ItemCommitment: "commitment", doc.ItemMilestone: "milestone",
		doc.ItemTimeline: "timeline entry", doc.ItemNote: "meeting notes"}[t.kind]
	return fmt.Sprintf("the %s%s “%s”", deleted, kind, orDefault(t.title, "untitled"))
}

// confirmRestore asks, then restores t as it was at ch as a new change by
// this laptop's drafter; then runs then (leaving the version view) and
// shows what came back.
func (ws *workspace) confirmRestore(t restoreTarget, ch versionChoice, gone bool, then func()) {
	what := ws.restoreWhat(t, gone)
	msg := fmt.Sprintf("Bring back %s as it was at %s?\n\nThis writes a new change by you (%s); what it holds now stays in the history.",
		what, ch.label, orDefault(ws.ui.cfg.Author.Name, "this laptop"))
	d := dialog.NewCustomConfirm("Restore?", "Restore", "Cancel", inDialog(wrapped(msg)), func(ok bool) {
		if ok {
			ws.restore(t, ch, what, then)
		}
	}, ws.ui.win)
	d.Resize(fyne.NewSize(480, 0))
	d.Show()
}

// errNothingRestored says a restore found the plan already as it was.
var errNothingRestored = errors.New("nothing to restore")

// restore writes the restore off the UI thread (a past version is read
// first, which takes a moment on a large plan).
func (ws *workspace) restore(t restoreTarget, ch versionChoice, what string, then func()) {
	p := ws.plan
	ws.ui.runTask("Restoring", "Bringing back "+what+"…", false, func(*task) error {
		before := strings.Join(p.Heads(), ",")
		var err error
		switch t.kind {
		case "text":
			err = p.RestoreText(t.ref, ch.v)
		case "field":
			fields := []string{t.sub}
			if t.sub == "origin" {
				fields = []string{"side", "org", "by"}
			}
			for _, f := range fields {
				if err = p.RestoreCommitmentField(t.id, f, ch.v); err != nil {
					break
				}
			}
		case "planfield":
			if err = p.SetPlanField(t.sub, t.value); err == nil {
				err = p.Commit()
			}
		case doc.ItemCommitment:
			err = p.RestoreCommitment(t.id, ch.v)
		case doc.ItemMilestone:
			err = p.RestoreMilestone(t.id, t.sub, ch.v)
		case doc.ItemTimeline:
			err = p.RestoreTimeline(t.id, ch.v)
		case doc.ItemNote:
			err = p.RestoreNote(t.id, ch.v)
		default:
			err = fmt.Errorf("%w: cannot restore a %s", doc.ErrInvalid, t.kind)
		}
		if err == nil && strings.Join(p.Heads(), ",") == before {
			err = errNothingRestored
		}
		return err
	}, func(err error) {
		switch {
		case canceled(err):
			return
		case errors.Is(err, errNothingRestored):
			ws.ui.showInfo("Nothing to restore", capitalise(what)+" already reads as it did at "+ch.label+".")
			return
		case err != nil:
			ws.errorf(fmt.Errorf("could not restore %s: %w", what, err))
			return
		}
		if then != nil {
			then()
		}
		ws.drain()
		ws.showRestored(t)
		ws.ui.showInfo("Restored", fmt.Sprintf("%s is back as it was at %s. The history shows it as a change by you.", capitalise(what), ch.label))
	})
}

// showRestored opens what a restore brought back.
func (ws *workspace) showRestored(t restoreTarget) {
	ws.outline.invalidate()
	ws.outline.rebuild()
	switch {
	case t.kind == "text" && t.ref.Kind == "plan":
		ws.outline.selectKey(outlineItem{kind: kindOverview}.key())
	case t.kind == "planfield":
		ws.outline.selectKey(outlineItem{kind: kindOverview}.key())
	case t.kind == "text", t.kind == "field", t.kind == doc.ItemCommitment, t.kind == doc.ItemMilestone:
		ws.openCommitment(t.id)
		if ce, ok := ws.current.(*commitmentEditor); ok && ce.tabs != nil {
			tab := "Details"
			if t.kind == doc.ItemMilestone {
				tab = "Milestones"
			}
			for _, s := range longFieldSpecs {
				if t.kind == "text" && s.field == t.ref.Field {
					tab = s.tab
				}
			}
			for _, it := range ce.tabs.Items {
				if it.Text == tab {
					ce.tabs.Select(it)
				}
			}
		}
	case t.kind == doc.ItemTimeline:
		ws.outline.selectKey(outlineItem{kind: kindTimeline}.key())
	case t.kind == doc.ItemNote:
		ws.openNote(t.id)
	}
}

// openNote shows one set of meeting notes.
func (ws *workspace) openNote(id string) {
	key := outlineItem{kind: kindNotes}.key()
	if ws.currentItem.key() != key {
		ws.outline.selectKey(key)
	} else {
		ws.show(ws.currentItem) // a fresh screen lists notes just added
	}
	if n, ok := ws.current.(*notesScreen); ok {
		if i := slices.Index(n.ids, id); i >= 0 {
			n.pick.SetSelectedIndex(i)
		}
	}
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
