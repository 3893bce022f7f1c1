package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// commitmentEditor edits one commitment: every field of the OGP template,
// its decision, milestones and comment thread.
type commitmentEditor struct {
	ws   *workspace
	plan *doc.Plan
	id   string
	gone bool

	number  *widget.Label
	title   *widget.Entry
	titleB  *shortText
	state   *widget.Select
	side    *widget.Select
	org     *plainField
	by      *plainField
	lead    *plainField
	support *plainField
	contact *plainField
	start   *dateField
	end     *dateField
	values  map[string]*widget.Check
	themes  *fyne.Container
	themeIn *widget.Entry
	quiet   bool

	long       map[string]*longField
	milestones *milestoneTable
	comments   *commentThread
	tabs       *container.AppTabs
	tabsBox    *fyne.Container // places the tabs to fit the width
	commentTab *container.TabItem
	themeList  []string
	// markers tell of conflicts on the short fields, by doc's field name.
	markers map[string]*conflictMarker
}

// longFieldSpecs are the commitment's long texts, in template order.
var longFieldSpecs = []struct{ field, tab, hint string }{
	{"problem", "Problem", "What is the public problem this commitment addresses? Give the baseline: the situation today, with evidence."},
	{"description", "Commitment", "What is the commitment? Describe what will be done and by whom."},
	{"contribution", "Impact", "How will the commitment contribute to solving the problem? What will change, for whom?"},
	{"additional", "More", "Additional information: budget, links to other programmes, national development plans and SDGs."},
	{"response", "Decision", "Reasoned response: why the proposal was or was not adopted (required when not adopted)."},
}

func newCommitmentEditor(ws *workspace, id string) *commitmentEditor {
	return &commitmentEditor{ws: ws, plan: ws.plan, id: id, long: map[string]*longField{}, values: map[string]*widget.Check{},
		markers: map[string]*conflictMarker{}}
}

func (ce *commitmentEditor) buildUI() fyne.CanvasObject {
	c, err := ce.plan.Commitment(ce.id)
	if err != nil {
		ce.gone = true
		return widget.NewLabel("This commitment has been removed.")
	}
	p, onErr := ce.plan, ce.ws.errorf
	set := func(f doc.ShortField) func(string) error {
		return func(v string) error { return p.SetCommitmentShort(ce.id, f, v) }
	}

	ce.number = widget.NewLabel("")
	ce.number.TextStyle = fyne.TextStyle{Bold: true}
	ce.title = widget.NewEntry()
	ce.title.SetPlaceHolder("Commitment title")
	ce.titleB = bindShortText(p, doc.CommitmentText(ce.id, "title"), ce.title, onErr)

	states := make([]string, len(doc.States))
	for i, s := range doc.States {
		states[i] = stateLabel(s)
	}
	ce.state = widget.NewSelect(states, ce.onState)
	ce.side = widget.NewSelect([]string{sideLabel(doc.Government), sideLabel(doc.CivilSociety)}, ce.onSide)
	ce.org = newPlainField("Organisation that proposed it", set(doc.FieldOrg), onErr)
	ce.by = newPlainField("Person who proposed it", set(doc.FieldBy), onErr)
	ce.lead = newPlainField("Lead implementing agency", set(doc.FieldLead), onErr)
	ce.support = newPlainField("Government, civil society, private sector…", set(doc.FieldSupport), onErr)
	ce.contact = newPlainField("Name, role, email", set(doc.FieldContact), onErr)
	info := func() doc.Info { return p.Info() }
	ce.start = newDateField(func(d string) error { return p.SetCommitmentStart(ce.id, d) }, info)
	ce.end = newDateField(func(d string) error { return p.SetCommitmentEnd(ce.id, d) }, info)
	ce.start.check = spanCheck(func() string { return ce.end.last }, false)
	ce.end.check = spanCheck(func() string { return ce.start.last }, true)

	var checks []fyne.CanvasObject
	for _, v := range doc.ValueNames {
		v := v
		ch := widget.NewCheck(valueLabel(v), func(on bool) {
			if ce.quiet {
				return
			}
			if err := p.SetCommitmentValue(ce.id, v, on); err != nil {
				onErr(err)
			}
		})
		ce.values[v] = ch
		checks = append(checks, ch)
	}
	ce.themes = container.NewHBox()
	ce.themeIn = widget.NewEntry()
	ce.themeIn.SetPlaceHolder("Add a theme, e.g. open contracting")
	ce.themeIn.OnSubmitted = func(string) { ce.addTheme() }
	addTheme := widget.NewButtonWithIcon("", theme.ContentAddIcon(), ce.addTheme)

	for _, f := range doc.PlainFields("commitment") {
		f := f
		ce.markers[f] = newConflictMarker(conflictFormat(f), func(v string) { ce.keep(f, v) })
	}
	under := func(o fyne.CanvasObject, fields ...string) fyne.CanvasObject {
		objs := []fyne.CanvasObject{o}
		for _, f := range fields {
			objs = append(objs, ce.markers[f].box)
		}
		return container.NewVBox(objs...)
	}

	delBtn := widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), ce.confirmDelete)
	delBtn.Importance = widget.LowImportance

	form := widget.NewForm(
		hinted("Proposed by", under(newFlowGrid(3, ce.side, ce.org.entry, ce.by.entry), "side", "org", "by"),
			"Side, organisation and person that proposed it"),
		widget.NewFormItem("Lead agency", under(ce.lead.entry, "lead")),
		hinted("Supporting actors", under(ce.support.entry, "support"), "Other bodies taking part"),
		widget.NewFormItem("Start", under(container.NewVBox(ce.start.entry, ce.start.msg), "start")),
		widget.NewFormItem("End", under(container.NewVBox(ce.end.entry, ce.end.msg), "end")),
		widget.NewFormItem("Contact person", under(ce.contact.entry, "contact")),
		widget.NewFormItem("OGP values", under(newFlowGrid(2, checks...), "transparency", "participation", "accountability", "technology")),
		widget.NewFormItem("Themes", container.NewVBox(ce.themes, container.NewBorder(nil, nil, nil, addTheme, ce.themeIn))),
	)
	details := container.NewVScroll(container.NewPadded(form))

	items := []*container.TabItem{container.NewTabItem("Details", details)}
	for _, s := range longFieldSpecs {
		lf := newLongField(p, doc.CommitmentText(ce.id, s.field), s.tab, s.hint, onErr, ce.ws.ui.log)
		field := s.field
		lf.onComment = func() { ce.commentOnSelection(field) }
		ce.long[s.field] = lf
		items = append(items, container.NewTabItem(s.tab, lf.buildUI()))
	}
	ce.milestones = newMilestoneTable(ce)
	items = append(items, container.NewTabItem("Milestones", ce.milestones.buildUI()))
	ce.comments = newCommentThread(ce)
	ce.commentTab = container.NewTabItem("Comments", ce.comments.buildUI())
	items = append(items, ce.commentTab)
	ce.tabs = container.NewAppTabs(items...)
	if t := ce.ws.ui.state.Tab; t != "" {
		for _, it := range items {
			if tabName(it.Text) == t {
				ce.tabs.Select(it)
			}
		}
	}
	ce.tabs.OnSelected = func(t *container.TabItem) { ce.ws.ui.state.Tab = tabName(t.Text) }

	ce.load(c)
	ce.loadConflicts()
	head := container.NewBorder(nil, nil, ce.number, container.NewHBox(ce.state, delBtn), ce.title)
	ce.tabsBox = newFitTabs(ce.tabs)
	return container.NewBorder(container.NewVBox(head, ce.markers["state"].box), nil, nil, nil, ce.tabsBox)
}

func hinted(label string, o fyne.CanvasObject, hint string) *widget.FormItem {
	it := widget.NewFormItem(label, o)
	it.HintText = hint
	return it
}

func valueLabel(v string) string {
	switch v {
	case "transparency":
		return "Transparency"
	case "participation":
		return "Civic participation"
	case "accountability":
		return "Public accountability"
	case "technology":
		return "Technology and innovation"
	}
	return v
}

// load shows the commitment's short fields.
func (ce *commitmentEditor) load(c doc.Commitment) {
	ce.quiet = true
	defer func() { ce.quiet = false }()
	ce.number.SetText(fmt.Sprintf("Commitment %d", c.Number))
	ce.state.SetSelected(stateLabel(c.State))
	ce.side.SetSelected(sideLabel(c.Origin.Side))
	ce.org.load(c.Origin.Org)
	ce.by.load(c.Origin.By)
	ce.lead.load(c.Lead)
	ce.support.load(c.Support)
	ce.contact.load(c.Contact)
	ce.start.load(c.Start)
	ce.end.load(c.End)
	ce.values["transparency"].SetChecked(c.Values.Transparency)
	ce.values["participation"].SetChecked(c.Values.Participation)
	ce.values["accountability"].SetChecked(c.Values.Accountability)
	ce.values["technology"].SetChecked(c.Values.Technology)
	if !slices.Equal(ce.themeList, c.Themes) {
		ce.themeList = slices.Clone(c.Themes)
		ce.showThemes()
	}
	ce.milestones.load(c.Milestones)
	ce.comments.load()
}

func (ce *commitmentEditor) showThemes() {
	ce.themes.Objects = nil
	for _, t := range ce.themeList {
		t := t
		b := widget.NewButtonWithIcon(t, theme.CancelIcon(), func() { ce.removeTheme(t) })
		b.Importance = widget.LowImportance
		b.IconPlacement = widget.ButtonIconTrailingText
		ce.themes.Add(b)
	}
	if len(ce.themeList) == 0 {
		l := widget.NewLabel("No themes yet")
		l.Importance = widget.LowImportance
		ce.themes.Add(l)
	}
	ce.themes.Refresh()
}

func (ce *commitmentEditor) addTheme() {
	t := strings.ToLower(strings.TrimSpace(ce.themeIn.Text))
	if t == "" {
		return
	}
	if !slices.Contains(ce.themeList, t) {
		if err := ce.plan.SetCommitmentThemes(ce.id, append(slices.Clone(ce.themeList), t)); err != nil {
			ce.ws.errorf(err)
			return
		}
		ce.themeList = append(ce.themeList, t)
		slices.Sort(ce.themeList)
		ce.showThemes()
	}
	ce.themeIn.SetText("")
}

func (ce *commitmentEditor) removeTheme(t string) {
	rest := slices.DeleteFunc(slices.Clone(ce.themeList), func(s string) bool { return s == t })
	if err := ce.plan.SetCommitmentThemes(ce.id, rest); err != nil {
		ce.ws.errorf(err)
		return
	}
	ce.themeList = rest
	ce.showThemes()
}

func (ce *commitmentEditor) onState(label string) {
	if ce.quiet {
		return
	}
	for _, s := range doc.States {
		if stateLabel(s) != label {
			continue
		}
		if err := ce.plan.SetCommitmentState(ce.id, s); err != nil {
			ce.ws.errorf(err)
			return
		}
		if s == doc.NotAdopted && strings.TrimSpace(ce.long["response"].ed.Text()) == "" {
			// OGP asks for a reasoned response to every proposal not adopted.
			ce.tabs.SelectIndex(len(longFieldSpecs))
		}
	}
}

func (ce *commitmentEditor) onSide(label string) {
	if ce.quiet {
		return
	}
	side := doc.Government
	if label == sideLabel(doc.CivilSociety) {
		side = doc.CivilSociety
	}
	if err := ce.plan.SetCommitmentSide(ce.id, side); err != nil {
		ce.ws.errorf(err)
	}
}

func (ce *commitmentEditor) confirmDelete() {
	title := ce.title.Text
	dialog.ShowConfirm("Delete commitment?",
		fmt.Sprintf("Delete %q with its milestones for everyone? Its history is kept: Plan > Restore deleted items… brings it back.", title),
		func(ok bool) {
			if !ok {
				return
			}
			if err := ce.plan.RemoveCommitment(ce.id); err != nil {
				ce.ws.errorf(err)
				return
			}
			ce.gone = true
			ce.ws.outline.invalidate()
			ce.ws.outline.rebuild()
			ce.ws.outline.selectKey(outlineItem{kind: kindOverview}.key())
		}, ce.ws.ui.win)
}

func (ce *commitmentEditor) focusTitle() {
	if ce.title != nil {
		ce.ws.ui.win.Canvas().Focus(ce.title)
	}
}

func (ce *commitmentEditor) refresh(remote bool) {
	if ce.gone {
		return
	}
	c, err := ce.plan.Commitment(ce.id)
	if errors.Is(err, doc.ErrNotFound) {
		ce.gone = true
		ce.ws.outline.selectKey(outlineItem{kind: kindOverview}.key())
		ce.ws.ui.showInfo("Commitment removed", "A colleague removed the commitment you were viewing.")
		return
	}
	// Typing a new value into a field in conflict ends the conflict too.
	ce.loadConflicts()
	if !remote {
		// Our own edits are already on screen; only numbering and lists may move.
		ce.number.SetText(fmt.Sprintf("Commitment %d", c.Number))
		ce.comments.load()
		return
	}
	ce.titleB.reload()
	for _, lf := range ce.long {
		lf.refresh()
	}
	ce.load(c)
}

// loadConflicts shows or hides each short field's conflict marker.
func (ce *commitmentEditor) loadConflicts() {
	open := map[string]*doc.Conflict{}
	cs := ce.plan.Conflicts()
	for i := range cs {
		if cs[i].Item.Kind == "commitment" && cs[i].Item.ID == ce.id {
			open[cs[i].Field] = &cs[i]
		}
	}
	for f, m := range ce.markers {
		m.show(open[f])
	}
	ce.milestones.loadConflicts(cs)
}

// keep ends a conflict with the value chosen, for everyone once it syncs.
func (ce *commitmentEditor) keep(field, value string) {
	keepConflict(ce.ws, "commitment/"+ce.id, field, value)
	if c, err := ce.plan.Commitment(ce.id); err == nil {
		ce.load(c)
	}
	ce.loadConflicts()
}

func (ce *commitmentEditor) close() {}

func (ce *commitmentEditor) longFields() []*longField {
	var out []*longField
	for _, s := range longFieldSpecs {
		out = append(out, ce.long[s.field])
	}
	return out
}
