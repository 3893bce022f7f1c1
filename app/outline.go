package app

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// itemKind is what an outline row opens.
type itemKind int

const (
	kindOverview itemKind = iota
	kindHeader
	kindCommitment
	kindTimeline
	kindNotes
	kindMembers
	kindHistory
	kindReleases
)

type outlineItem struct {
	kind  itemKind
	id    string
	title string
	sub   string
	warn  bool // the subtitle is a warning
}

func (it outlineItem) key() string { return fmt.Sprintf("%d/%s", it.kind, it.id) }

// filter narrows the commitments the outline lists.
type filter struct {
	Query string `json:"query"`
	State string `json:"state"`
	Side  string `json:"side"`
	Theme string `json:"theme"`
}

const (
	allStates = "All states"
	allSides  = "Both sides"
	allThemes = "All themes"
)

// outline is the left pane: the plan's parts and its commitments grouped by
// decision state, with filters and search.
type outline struct {
	src    outlineSource
	show   func(outlineItem)
	items  []outlineItem
	filter filter
	list   *widget.List
	search *widget.Entry
	state  *widget.Select
	side   *widget.Select
	themes *widget.Select
	count  *widget.Label

	selected string // key of the shown item
	quiet    bool   // selection changes made by code, not the user
	matches  map[string]bool

	rowH, headH float32 // row heights with and without a subtitle

	// here lists the colleagues who have an item open (nil: none).
	here func(outlineItem) []Colleague
}

// outlineSource is what the outline lists: the live plan, or the cached
// content shown while the plan loads.
type outlineSource interface {
	Summaries() []doc.Summary
	SearchCommitments(q string) []string
}

func newOutline(src outlineSource, f filter, show func(outlineItem)) *outline {
	return &outline{src: src, filter: f, show: show}
}

func (o *outline) buildUI() fyne.CanvasObject {
	o.search = widget.NewEntry()
	o.search.SetPlaceHolder("Search commitments")
	o.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	o.search.SetText(o.filter.Query)
	o.search.OnChanged = o.onSearch

	states := []string{allStates}
	for _, s := range doc.States {
		states = append(states, stateLabel(s))
	}
	o.state = widget.NewSelect(states, o.onState)
	o.state.SetSelected(orDefault(o.filter.State, allStates))
	o.side = widget.NewSelect([]string{allSides, sideLabel(doc.Government), sideLabel(doc.CivilSociety)}, o.onSide)
	o.side.SetSelected(orDefault(o.filter.Side, allSides))
	o.themes = widget.NewSelect([]string{allThemes}, o.onTheme)
	o.themes.SetSelected(orDefault(o.filter.Theme, allThemes))
	o.count = widget.NewLabel("")
	o.count.Importance = widget.LowImportance
	o.count.SizeName = theme.SizeNameCaptionText

	o.list = widget.NewList(o.length, o.createRow, o.updateRow)
	o.list.OnSelected = o.onSelected
	o.rebuild()

	filters := container.NewVBox(o.search, container.NewGridWithColumns(2, o.state, o.side), o.themes)
	return container.NewBorder(filters, o.count, nil, nil, o.list)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (o *outline) length() int { return len(o.items) }

func (o *outline) createRow() fyne.CanvasObject {
	title := widget.NewLabel("")
	title.Truncation = fyne.TextTruncateEllipsis
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	sub.SizeName = theme.SizeNameCaptionText
	sub.Importance = widget.LowImportance
	icon := widget.NewIcon(nil)
	chips := container.NewHBox() // colleagues in the item (presence.go)
	chips.Hide()
	return container.NewBorder(nil, nil, icon, chips, container.New(&rowLayout{}, title, sub))
}

func (o *outline) updateRow(id widget.ListItemID, obj fyne.CanvasObject) {
	if id >= len(o.items) {
		return
	}
	it := o.items[id]
	b := obj.(*fyne.Container)
	box := b.Objects[0].(*fyne.Container)
	icon := b.Objects[1].(*widget.Icon)
	title, sub := box.Objects[0].(*widget.Label), box.Objects[1].(*widget.Label)
	title.SetText(it.title)
	title.TextStyle = fyne.TextStyle{Bold: it.kind == kindHeader}
	if it.kind == kindHeader {
		title.Importance = widget.LowImportance
	} else {
		title.Importance = widget.MediumImportance
	}
	title.Refresh()
	sub.SetText(it.sub)
	if imp := outlineSubImportance(it); sub.Importance != imp {
		sub.Importance = imp
		sub.Refresh()
	}
	if (it.sub == "") == sub.Visible() {
		if it.sub == "" {
			sub.Hide()
		} else {
			sub.Show()
		}
		box.Refresh()
	}
	// Rows are reused: keep the icon's space always, so text stays aligned.
	icon.SetResource(kindIcon(it))
	chips := b.Objects[2].(*fyne.Container)
	var objs []fyne.CanvasObject
	if o.here != nil {
		objs = outlineChips(o.here(it))
	}
	if len(objs) > 0 || len(chips.Objects) > 0 {
		chips.Objects = objs
		chips.Hidden = len(objs) == 0 // no room kept when empty
		b.Refresh()                   // the chips' width changed
	}
}

func outlineSubImportance(it outlineItem) widget.Importance {
	if it.warn {
		return widget.WarningImportance
	}
	return widget.LowImportance
}

// membersItem is the Members row, which says so while the plan has only
// one administrator: every screen then shows the warning, not just Members.
func (o *outline) membersItem() outlineItem {
	it := outlineItem{kind: kindMembers, title: "Members and peers"}
	if a, ok := o.src.(interface{ Admins() []string }); ok && len(a.Admins()) == 1 {
		it.sub, it.warn = "Only one administrator", true
	}
	return it
}

func kindIcon(it outlineItem) fyne.Resource {
	switch it.kind {
	case kindOverview:
		return theme.HomeIcon()
	case kindTimeline:
		return theme.HistoryIcon()
	case kindNotes:
		return theme.DocumentIcon()
	case kindMembers:
		return theme.AccountIcon()
	case kindHistory:
		return theme.ListIcon()
	case kindReleases:
		return theme.ConfirmIcon()
	}
	return nil
}

// rowLayout stacks a title and an optional subtitle tightly.
type rowLayout struct{}

func (rowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		w = max(w, m.Width)
		if i > 0 {
			h -= theme.Padding() * 2
		}
		h += m.Height
	}
	return fyne.NewSize(w, h)
}

func (rowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := float32(0)
	for i, o := range objs {
		if !o.Visible() {
			continue
		}
		if i > 0 {
			y -= theme.Padding() * 2
		}
		// A wrapped label's height follows its width: measure it there.
		o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h
	}
}

func (o *outline) onSelected(id widget.ListItemID) {
	if o.quiet || id >= len(o.items) {
		return
	}
	it := o.items[id]
	if it.kind == kindHeader {
		o.reselect()
		return
	}
	o.selected = it.key()
	o.show(it)
}

// reselect puts the list's selection back on the shown item.
func (o *outline) reselect() {
	o.quiet = true
	defer func() { o.quiet = false }()
	for i, it := range o.items {
		if it.key() == o.selected {
			o.list.Select(i)
			o.scrollBeforeLayout(i)
			return
		}
	}
	o.list.UnselectAll()
}

func (o *outline) onSearch(s string) {
	o.filter.Query = s
	o.matches = nil
	o.rebuild()
}

func (o *outline) onState(s string) {
	o.filter.State = s
	if s == allStates {
		o.filter.State = ""
	}
	o.rebuildIfReady()
}

func (o *outline) onSide(s string) {
	o.filter.Side = s
	if s == allSides {
		o.filter.Side = ""
	}
	o.rebuildIfReady()
}

func (o *outline) onTheme(s string) {
	o.filter.Theme = s
	if s == allThemes {
		o.filter.Theme = ""
	}
	o.rebuildIfReady()
}

func (o *outline) rebuildIfReady() {
	if o.list != nil {
		o.rebuild()
	}
}

// invalidate drops cached search results after the plan changed.
func (o *outline) invalidate() { o.matches = nil }

// rebuild re-reads the commitments and lists what the filter lets through.
func (o *outline) rebuild() {
	p := o.src
	sums := p.Summaries()
	q := strings.TrimSpace(o.filter.Query)
	if q != "" && o.matches == nil {
		o.matches = map[string]bool{}
		for _, id := range p.SearchCommitments(q) {
			o.matches[id] = true
		}
	}
	var themes []string
	byState := map[doc.State][]outlineItem{}
	shown := 0
	for _, s := range sums {
		for _, t := range s.Themes {
			if !slices.Contains(themes, t) {
				themes = append(themes, t)
			}
		}
		if o.filter.State != "" && stateLabel(s.State) != o.filter.State {
			continue
		}
		if o.filter.Side != "" && sideLabel(s.Origin.Side) != o.filter.Side {
			continue
		}
		if o.filter.Theme != "" && !slices.Contains(s.Themes, o.filter.Theme) {
			continue
		}
		if q != "" && !o.matches[s.ID] {
			continue
		}
		shown++
		byState[s.State] = append(byState[s.State], outlineItem{kind: kindCommitment, id: s.ID,
			title: fmt.Sprintf("%d. %s", s.Number, orDefault(s.Title, "Untitled")), sub: originLabel(s.Origin)})
	}
	slices.Sort(themes)
	o.themes.Options = append([]string{allThemes}, themes...)
	o.themes.Refresh()

	items := []outlineItem{{kind: kindOverview, title: "Overview and vision"}}
	for _, st := range doc.States {
		if len(byState[st]) == 0 {
			continue
		}
		items = append(items, outlineItem{kind: kindHeader, id: string(st), title: fmt.Sprintf("%s (%d)", strings.ToUpper(stateLabel(st)), len(byState[st]))})
		items = append(items, byState[st]...)
	}
	if len(sums) == 0 {
		items = append(items, outlineItem{kind: kindHeader, id: "none", title: "NO COMMITMENTS YET"})
	}
	items = append(items,
		outlineItem{kind: kindHeader, id: "process", title: "PROCESS"},
		outlineItem{kind: kindTimeline, title: "Timeline"},
		outlineItem{kind: kindNotes, title: "Meeting notes"},
		o.membersItem(),
		outlineItem{kind: kindHistory, title: "History"},
		outlineItem{kind: kindReleases, title: "Releases"},
	)
	o.items = items
	if shown == len(sums) {
		o.count.SetText(plural(len(sums), "commitment"))
	} else {
		o.count.SetText(fmt.Sprintf("%d of %s shown", shown, plural(len(sums), "commitment")))
	}
	for i, it := range items {
		o.list.SetItemHeight(i, o.height(it))
	}
	o.list.Refresh()
	o.reselect()
}

// selectKey shows the item with the given key, if it is listed.
func (o *outline) selectKey(key string) bool {
	for i, it := range o.items {
		if it.key() == key {
			o.list.Select(i)
			o.scrollBeforeLayout(i)
			return true
		}
	}
	return false
}

func stateLabel(s doc.State) string {
	switch s {
	case doc.Proposal:
		return "Proposal"
	case doc.Discussion:
		return "Under discussion"
	case doc.Agreed:
		return "Agreed"
	case doc.Adopted:
		return "Adopted"
	case doc.NotAdopted:
		return "Not adopted"
	}
	return string(s)
}

func sideLabel(s doc.Side) string {
	switch s {
	case doc.Government:
		return "Government"
	case doc.CivilSociety:
		return "Civil society"
	}
	return "Unknown side"
}

func originLabel(o doc.Origin) string {
	if o.Org == "" {
		return sideLabel(o.Side)
	}
	return sideLabel(o.Side) + " · " + o.Org
}

func (o *outline) clearFilters() {
	o.filter = filter{}
	o.matches = nil
	o.quiet = true
	o.search.SetText("")
	o.state.SetSelected(allStates)
	o.side.SetSelected(allSides)
	o.themes.SetSelected(allThemes)
	o.quiet = false
	o.rebuild()
}

// scrollBeforeLayout puts item i at the top while the list has no size yet:
// List.Select would scroll as if the viewport were empty.
func (o *outline) scrollBeforeLayout(i int) {
	if o.list.Size().Height > 0 {
		return
	}
	y := float32(0)
	for j := 0; j < i; j++ {
		y += o.height(o.items[j]) + theme.SeparatorThicknessSize()
	}
	if y < 400 {
		y = 0 // it shows anyway; keep the top of the outline in view
	}
	o.list.ScrollToOffset(y)
}

func (o *outline) height(it outlineItem) float32 {
	if o.rowH == 0 {
		o.rowH = o.list.CreateItem().MinSize().Height
		o.headH = widget.NewLabel("x").MinSize().Height
	}
	if it.sub == "" {
		return o.headH
	}
	return o.rowH
}
