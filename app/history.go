package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// historyScreen lists the plan's history as editing sessions (one author,
// edits close in time), newest first, with filters; and the named
// versions (drafts, releases, meetings). Any of them opens read-only as it
// was, and two ticked ones are compared.
type historyScreen struct {
	ws *workspace

	member, org, side, commitment *widget.Select
	since, until                  *widget.Entry
	filterMsg                     *widget.Label
	filterBox                     fyne.CanvasObject
	members                       map[string]string // member option -> peer ID
	commitments                   map[string]string // commitment option -> ID

	sessions []doc.Session // oldest first, as doc gives them
	named    []doc.Version
	refused  []doc.RefusedMark // marks the rules refused: shown, never hidden
	limit    int               // how many of the newest sessions are laid out

	count      *widget.Label
	sessBox    *fyne.Container
	namedBox   *fyne.Container
	tabs       *container.AppTabs
	pickMsg    *widget.Label
	compareBtn *widget.Button

	// picks are the ticked versions, at most two, by key; checks the
	// boxes on screen, so a third tick can untick the first.
	picks  []pickedVersion
	checks map[string]*widget.Check
	quiet  bool

	// Sessions are read off the UI thread: loads counts them, so a
	// stale answer is dropped, and dirty asks for another once one runs.
	loads   int
	loading bool
	dirty   bool
	loaded  bool // the first answer has been shown
}

type pickedVersion struct {
	key    string
	choice versionChoice
}

// sessionPage is how many sessions are laid out at a time.
const sessionPage = 100

const (
	allMembers     = "All members"
	allOrgs        = "All organisations"
	allCommitments = "All commitments"
)

func newHistoryScreen(ws *workspace) *historyScreen {
	return &historyScreen{ws: ws, limit: sessionPage, checks: map[string]*widget.Check{}}
}

func (h *historyScreen) buildUI() fyne.CanvasObject {
	h.member = widget.NewSelect(nil, func(string) { h.filtersChanged() })
	h.org = widget.NewSelect(nil, func(string) { h.filtersChanged() })
	h.side = widget.NewSelect([]string{allSides, sideLabel(doc.Government), sideLabel(doc.CivilSociety)}, func(string) { h.filtersChanged() })
	h.commitment = widget.NewSelect(nil, func(string) { h.filtersChanged() })
	h.since = widget.NewEntry()
	h.since.SetPlaceHolder("From YYYY-MM-DD")
	h.until = widget.NewEntry()
	h.until.SetPlaceHolder("To YYYY-MM-DD")
	h.quiet = true
	h.fillFilterOptions()
	h.member.SetSelected(allMembers)
	h.org.SetSelected(allOrgs)
	h.side.SetSelected(allSides)
	h.commitment.SetSelected(allCommitments)
	h.quiet = false
	h.since.OnChanged = func(string) { h.filtersChanged() }
	h.until.OnChanged = func(string) { h.filtersChanged() }
	h.filterMsg = widget.NewLabel("")
	h.filterMsg.Importance = widget.DangerImportance
	h.filterMsg.Wrapping = fyne.TextWrapWord
	h.filterBox = flowText(h.filterMsg)
	h.filterBox.Hide()
	filters := container.NewVBox(
		container.NewGridWithColumns(3, h.member, h.org, h.side),
		container.NewGridWithColumns(3, h.commitment, h.since, h.until),
		h.filterBox)

	h.compareBtn = widget.NewButtonWithIcon("Compare ticked versions", theme.ViewRefreshIcon(), h.compareTicked)
	h.compareBtn.Importance = widget.HighImportance
	h.pickMsg = widget.NewLabel("")
	h.pickMsg.Wrapping = fyne.TextWrapWord
	h.pickMsg.SizeName = theme.SizeNameCaptionText
	draft := widget.NewButtonWithIcon("Save as named draft…", theme.DocumentCreateIcon(), h.ws.ui.saveDraftDialog)
	deleted := widget.NewButtonWithIcon("Restore deleted…", theme.ContentUndoIcon(), h.ws.restoreDeletedDialog)
	actions := container.NewBorder(nil, nil, nil, container.NewHBox(deleted, draft, h.compareBtn), flowText(h.pickMsg))
	h.showPicks()

	h.count = widget.NewLabel("Reading the history…")
	h.count.Importance = widget.LowImportance
	h.count.Wrapping = fyne.TextWrapWord
	h.sessBox = container.NewVBox()
	h.namedBox = container.NewVBox()
	h.tabs = container.NewAppTabs(
		container.NewTabItem("Editing sessions", container.NewBorder(flowText(h.count), nil, nil, nil, container.NewVScroll(h.sessBox))),
		container.NewTabItem("Named versions", container.NewVScroll(h.namedBox)),
	)
	h.load()
	top := container.NewVBox(subHeading("History"), filters, actions, widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil, h.tabs)
}

// fillFilterOptions lists the members, organisations and commitments the
// filters offer, keeping what is chosen.
func (h *historyScreen) fillFilterOptions() {
	p := h.ws.plan
	h.members = map[string]string{}
	opts := []string{allMembers}
	orgs := []string{}
	for _, m := range p.Members() {
		label := orDefault(m.Name, "Unnamed device "+shortID(m.PeerID))
		if m.Org != "" {
			label += " (" + m.Org + ")"
		}
		if _, dup := h.members[label]; dup {
			label += " " + shortID(m.PeerID)
		}
		h.members[label] = m.PeerID
		opts = append(opts, label)
		if m.Org != "" && !slices.Contains(orgs, m.Org) {
			orgs = append(orgs, m.Org)
		}
	}
	slices.Sort(opts[1:])
	slices.Sort(orgs)
	h.member.Options = opts
	h.org.Options = append([]string{allOrgs}, orgs...)
	h.commitments = map[string]string{}
	cs := []string{allCommitments}
	for _, s := range p.Summaries() {
		label := fmt.Sprintf("%d. %s", s.Number, orDefault(s.Title, "Untitled"))
		h.commitments[label] = s.ID
		cs = append(cs, label)
	}
	h.commitment.Options = cs
	h.member.Refresh()
	h.org.Refresh()
	h.commitment.Refresh()
}

// filter reads the filters; a date that is not one yet is an error.
func (h *historyScreen) filter() (doc.HistoryFilter, error) {
	var f doc.HistoryFilter
	if id, ok := h.members[h.member.Selected]; ok {
		f.Member = id
	}
	if h.org.Selected != allOrgs {
		f.Org = h.org.Selected
	}
	switch h.side.Selected {
	case sideLabel(doc.Government):
		f.Side = doc.Government
	case sideLabel(doc.CivilSociety):
		f.Side = doc.CivilSociety
	}
	f.Commitment = h.commitments[h.commitment.Selected]
	day := func(e *widget.Entry, what string) (time.Time, error) {
		s := strings.TrimSpace(e.Text)
		if s == "" {
			return time.Time{}, nil
		}
		t, err := time.ParseInLocation(doc.DateLayout, s, time.Local)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s: %q is not a date; write it as YYYY-MM-DD", what, s)
		}
		return t, nil
	}
	var err error
	if f.Since, err = day(h.since, "From"); err != nil {
		return f, err
	}
	if f.Until, err = day(h.until, "To"); err != nil {
		return f, err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // to the end of that day
	}
	return f, nil
}

func (h *historyScreen) filtersChanged() {
	if h.quiet || h.count == nil {
		return
	}
	h.limit = sessionPage
	h.load()
}

// load reads the sessions and named versions off the UI thread (a long
// history takes a moment) and shows them.
func (h *historyScreen) load() {
	f, err := h.filter()
	if err != nil {
		h.filterMsg.SetText(err.Error())
		h.filterBox.Show()
		return
	}
	h.filterBox.Hide()
	if h.loading {
		h.dirty = true
		return
	}
	h.loading = true
	h.loads++
	gen, p := h.loads, h.ws.plan
	go func() {
		ss, err := p.Sessions(f)
		var named []doc.Version
		if err == nil {
			named, err = p.NamedVersions()
		}
		refused := p.RefusedMarks()
		onUI(func() { h.refused = refused; h.loadDone(gen, ss, named, err) })
	}()
}

func (h *historyScreen) loadDone(gen int, ss []doc.Session, named []doc.Version, err error) {
	h.loading = false
	if h.ws.closed || h.ws.current != h {
		return
	}
	if h.dirty {
		h.dirty = false
		h.load()
		return
	}
	if gen != h.loads {
		return
	}
	if err != nil {
		h.count.SetText("The history could not be read: " + err.Error())
		return
	}
	h.sessions, h.named, h.loaded = ss, named, true
	h.showSessions()
	h.showNamed()
}

// showSessions lays out the newest sessions, newest first.
func (h *historyScreen) showSessions() {
	n := len(h.sessions)
	switch {
	case n == 0:
		h.count.SetText("No editing sessions match the filters.")
	case n <= h.limit:
		h.count.SetText(fmt.Sprintf("%s, newest first. “View” opens the plan as it was after one.", plural(n, "editing session")))
	default:
		h.count.SetText(fmt.Sprintf("The newest %d of %d editing sessions. “View” opens the plan as it was after one.", h.limit, n))
	}
	h.sessBox.Objects = nil
	for i := n - 1; i >= 0 && i >= n-h.limit; i-- {
		h.sessBox.Add(h.sessionRow(h.sessions[i]))
		h.sessBox.Add(widget.NewSeparator())
	}
	if n > h.limit {
		more := widget.NewButton(fmt.Sprintf("Show %d older sessions", min(sessionPage, n-h.limit)), func() {
			h.limit += sessionPage
			h.showSessions()
		})
		h.sessBox.Add(container.NewHBox(more))
	}
	h.sessBox.Refresh()
}

// sessionRow is one session: who (organisation, side), what, when, how
// much, verified or not; every line wraps rather than being cut.
func (h *historyScreen) sessionRow(s doc.Session) fyne.CanvasObject {
	who := orDefault(s.Author, "Someone unknown")
	if s.Author == "" && s.Actor != "" {
		who += " (device " + shortID(s.Actor) + ")"
	}
	if s.Org != "" {
		who += " (" + s.Org + ")"
	}
	if s.Side != "" {
		who += " · " + sideLabel(s.Side)
	}
	name := wrapped(who)
	name.TextStyle = fyne.TextStyle{Bold: true}
	what := wrapped(sessionWhat(s))
	meta := sessionWhen(s) + " · " + plural(s.Changes, "change")
	if s.Inserted > 0 || s.Deleted > 0 {
		meta += fmt.Sprintf(" · +%d −%d characters", s.Inserted, s.Deleted)
	}
	when := wrapped(meta)
	when.Importance = widget.LowImportance
	key := "session:" + s.Last
	p := h.ws.plan
	choose := func() (versionChoice, bool) {
		c, err := sessionChoice(p, s)
		if err != nil {
			h.ws.errorf(err)
			return c, false
		}
		return c, true
	}
	view := widget.NewButtonWithIcon("View", theme.VisibilityIcon(), func() {
		if c, ok := choose(); ok {
			h.ws.viewVersion(c)
		}
	})
	tick := h.check(key, choose)
	// The tick and buttons stay at the top of a row that wraps tall.
	right := container.NewVBox(container.NewHBox(verifiedBadge(s.Verified), view))
	return container.NewBorder(nil, nil, container.NewVBox(tick), right, container.NewVBox(name, what, when))
}

// sessionWhat is what a session did, from its summary without the name
// and times the row shows apart.
func sessionWhat(s doc.Session) string {
	what := s.Summary
	who := s.Author
	if who != "" && s.Org != "" {
		who += " (" + s.Org + ")"
	}
	if who != "" && strings.HasPrefix(what, who+" ") {
		what = strings.TrimPrefix(what, who+" ")
	} else if i := strings.Index(what, ") "); s.Author == "" && strings.HasPrefix(what, "Someone unknown") && i > 0 {
		what = what[i+2:]
	} else {
		what = strings.TrimPrefix(what, "Someone unknown ")
	}
	// The summary ends ", HH:MM[–…][, +N −M characters]": the row says so
	// on its own line.
	if i := strings.LastIndex(what, ", "+s.Start.Local().Format("15:04")); i > 0 {
		what = what[:i]
	}
	return capitalise(what)
}

// verifiedBadge says whether a session's changes are proven to be their
// author's.
func verifiedBadge(ok bool) fyne.CanvasObject {
	if ok {
		l := widget.NewLabelWithStyle("Verified", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Importance = widget.SuccessImportance
		return container.NewHBox(widget.NewIcon(theme.ConfirmIcon()), l)
	}
	l := widget.NewLabel("Unverified")
	l.Importance = widget.WarningImportance
	return l
}

// showNamed lays out now and the named versions, newest first.
func (h *historyScreen) showNamed() {
	h.namedBox.Objects = nil
	hint := wrapped("Named drafts, signed releases and the start and end of meetings. Tick two versions (here or among the sessions) to compare them.")
	hint.Importance = widget.LowImportance
	h.namedBox.Add(hint)
	p := h.ws.plan
	nowRow := func() fyne.CanvasObject {
		tick := h.check("now", func() (versionChoice, bool) {
			c, err := nowChoice(p)
			if err != nil {
				h.ws.errorf(err)
			}
			return c, err == nil
		})
		l := wrapped("Now: the plan as it is")
		l.TextStyle = fyne.TextStyle{Bold: true}
		exp := widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() { h.ws.ui.exportDraftDialog(nil) })
		return container.NewBorder(nil, nil, tick, exp, l)
	}
	h.namedBox.Add(nowRow())
	h.namedBox.Add(widget.NewSeparator())
	for i := len(h.named) - 1; i >= 0; i-- {
		v := h.named[i]
		ch := namedChoice(v)
		name := wrapped(capitalise(strings.TrimPrefix(ch.label, "the ")))
		name.TextStyle = fyne.TextStyle{Bold: true}
		tick := h.check("named:"+v.Ref, func() (versionChoice, bool) { return ch, true })
		view := widget.NewButtonWithIcon("View", theme.VisibilityIcon(), func() { h.ws.viewVersion(ch) })
		exp := widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() { h.ws.ui.exportDraftDialog(&ch) })
		h.namedBox.Add(container.NewBorder(nil, nil, tick, container.NewHBox(exp, view), name))
		h.namedBox.Add(widget.NewSeparator())
	}
	if len(h.named) == 0 {
		l := wrapped("No named versions yet: “Save as named draft…” names the plan as it is now, for everyone.")
		l.Importance = widget.LowImportance
		h.namedBox.Add(l)
	}
	for _, r := range h.refused {
		what := map[doc.MarkKind]string{doc.MarkDraft: "A named draft", doc.MarkMeetingStart: "A meeting start", doc.MarkMeetingEnd: "A meeting end"}[r.Kind]
		if r.Label != "" {
			what += " “" + r.Label + "”"
		}
		by := "an unknown device"
		if m, ok := p.Member(r.By); ok && m.Name != "" {
			by = m.Name
		} else if r.By != "" {
			by = "device " + shortID(r.By)
		}
		l := wrapped(fmt.Sprintf("Refused, counts for nothing: %s claimed by %s. %s.", what, by, capitalise(r.Reason)))
		l.Importance = widget.DangerImportance
		h.namedBox.Add(l)
	}
	h.namedBox.Refresh()
}

// check is the tick box that picks a version (made by choose) to compare.
func (h *historyScreen) check(key string, choose func() (versionChoice, bool)) *widget.Check {
	c := widget.NewCheck("", nil)
	c.Checked = slices.ContainsFunc(h.picks, func(p pickedVersion) bool { return p.key == key })
	c.OnChanged = func(on bool) {
		if h.quiet {
			return
		}
		h.pick(key, on, choose)
	}
	h.checks[key] = c
	return c
}

func (h *historyScreen) pick(key string, on bool, choose func() (versionChoice, bool)) {
	h.picks = slices.DeleteFunc(h.picks, func(p pickedVersion) bool { return p.key == key })
	if on {
		ch, ok := choose()
		if !ok {
			h.untick(key)
			return
		}
		h.picks = append(h.picks, pickedVersion{key, ch})
		if len(h.picks) > 2 {
			first := h.picks[0]
			h.picks = h.picks[1:]
			h.untick(first.key)
		}
	}
	h.showPicks()
}

func (h *historyScreen) untick(key string) {
	if c := h.checks[key]; c != nil {
		h.quiet = true
		c.SetChecked(false)
		h.quiet = false
	}
}

func (h *historyScreen) showPicks() {
	switch len(h.picks) {
	case 0:
		h.pickMsg.SetText("Tick two versions (sessions, named drafts, releases, meetings or now) to compare them.")
		h.compareBtn.Disable()
	case 1:
		h.pickMsg.SetText("Ticked: " + h.picks[0].choice.label + ". Tick one more to compare.")
		h.compareBtn.Disable()
	default:
		h.pickMsg.SetText("Compare " + h.picks[0].choice.label + " with " + h.picks[1].choice.label + ".")
		h.compareBtn.Enable()
	}
}

func (h *historyScreen) compareTicked() {
	if len(h.picks) == 2 {
		h.ws.compare(h.picks[0].choice, h.picks[1].choice)
	}
}

func (h *historyScreen) refresh(bool) {
	h.quiet = true
	h.fillFilterOptions()
	h.quiet = false
	h.load()
}

func (h *historyScreen) close() {}

// push shows a screen in the centre pane that has no outline item of its
// own (a comparison, opened from History) in front of the one shown; back
// puts that one back as it was (filters, ticks, scroll).
func (ws *workspace) push(s screen) (back func()) {
	prev, prevObjs := ws.current, ws.center.Objects
	ws.current = s
	ws.center.Objects = []fyne.CanvasObject{s.buildUI()}
	ws.center.Refresh()
	return func() {
		if ws.current != s || ws.closed {
			return
		}
		s.close()
		ws.current = prev
		ws.center.Objects = prevObjs
		ws.center.Refresh()
		if prev != nil {
			prev.refresh(false)
		}
	}
}

// deletedItem is a commitment, milestone, timeline entry or set of notes
// that was deleted and is not in the plan now.
type deletedItem struct {
	target restoreTarget
	by     string    // who deleted it
	at     time.Time // when
	before string    // the last change that touched it: it was there then
}

// deletedItems finds, in the change log, what was deleted and has not come
// back, newest deletion first.
func deletedItems(p *doc.Plan) ([]deletedItem, error) {
	log, err := p.ChangeLog()
	if err != nil {
		return nil, err
	}
	type key struct{ item, id, sub string }
	last := map[key]string{}
	titles := map[key]string{}
	gone := map[key]deletedItem{}
	var order []key
	for _, e := range log {
		for _, ed := range e.Edits {
			k := key{ed.Item, ed.ID, ""}
			if ed.Item == doc.ItemMilestone {
				k.sub = ed.Sub
			}
			switch ed.Item {
			case doc.ItemCommitment, doc.ItemMilestone, doc.ItemTimeline, doc.ItemNote:
			default:
				continue
			}
			if ed.Title != "" {
				titles[k] = ed.Title
			}
			if ed.Verb != doc.VerbRemove {
				last[k] = e.Hash
				delete(gone, k)
				if ed.Item == doc.ItemMilestone { // a milestone's edit is its commitment's too
					last[key{doc.ItemCommitment, ed.ID, ""}] = e.Hash
				}
				continue
			}
			before, ok := last[k]
			if !ok {
				continue
			}
			if _, seen := gone[k]; !seen {
				order = append(order, k)
			}
			gone[k] = deletedItem{target: restoreTarget{kind: ed.Item, id: ed.ID, sub: k.sub, title: titles[k]},
				by: orDefault(e.Author, "someone unknown"), at: e.Time, before: before}
		}
	}
	c := p.Content()
	has := map[key]bool{}
	for _, cm := range c.Commitments {
		has[key{doc.ItemCommitment, cm.ID, ""}] = true
		for _, m := range cm.Milestones {
			has[key{doc.ItemMilestone, cm.ID, m.ID}] = true
		}
	}
	for _, t := range c.Timeline {
		has[key{doc.ItemTimeline, t.ID, ""}] = true
	}
	for _, n := range c.Notes {
		has[key{doc.ItemNote, n.ID, ""}] = true
	}
	var out []deletedItem
	for _, k := range order {
		d, ok := gone[k]
		if !ok || has[k] {
			continue
		}
		if k.item == doc.ItemMilestone && !has[key{doc.ItemCommitment, k.id, ""}] {
			continue // it comes back with its commitment
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b deletedItem) int { return b.at.Compare(a.at) })
	return out, nil
}

// restoreDeletedDialog lists what was deleted and brings it back: the
// delete dialogs' "its history is kept".
func (ws *workspace) restoreDeletedDialog() {
	p := ws.plan
	var items []deletedItem
	ws.ui.runTask("Looking for deleted items", "Reading the history for what was deleted…", true, func(*task) error {
		var err error
		items, err = deletedItems(p)
		return err
	}, func(err error) {
		switch {
		case canceled(err):
		case err != nil:
			ws.errorf(err)
		case !ws.closed:
			ws.showDeleted(items)
		}
	})
}

// showDeleted is the list of deleted items, each with a Restore button.
func (ws *workspace) showDeleted(items []deletedItem) dialog.Dialog {
	box := container.NewVBox()
	var d dialog.Dialog
	if len(items) == 0 {
		box.Add(wrapped("Nothing deleted is missing: every commitment, milestone, timeline entry and set of meeting notes ever deleted is back, or none was deleted."))
	}
	for _, it := range items {
		it := it
		what := capitalise(ws.restoreWhat(it.target, true))
		l := wrapped(what)
		l.TextStyle = fyne.TextStyle{Bold: true}
		meta := wrapped(fmt.Sprintf("Deleted by %s on %s", it.by, it.at.Local().Format("2 Jan 2006 15:04")))
		meta.Importance = widget.LowImportance
		b := widget.NewButtonWithIcon("Restore", theme.ContentUndoIcon(), func() {
			v, err := ws.plan.ResolveVersion(it.before)
			if err != nil {
				ws.errorf(err)
				return
			}
			ch := versionChoice{v: v, label: "just before it was deleted (" + v.Time.Local().Format("2 Jan 2006 15:04") + ")"}
			ws.confirmRestore(it.target, ch, true, func() {
				if d != nil {
					d.Hide()
				}
			})
		})
		box.Add(container.NewBorder(nil, nil, nil, b, container.NewVBox(l, meta)))
		box.Add(widget.NewSeparator())
	}
	scroll := container.NewVScroll(box)
	scroll.SetMinSize(fyne.NewSize(520, 320))
	d = dialog.NewCustom("Restore deleted items", "Close", scroll, ws.ui.win)
	d.Resize(fyne.NewSize(600, 440))
	d.Show()
	return d
}
