package app

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/app/editor"
	"github.com/coplan/coplan/doc"
)

// preview shows a plan from its cached content while the document loads
// (seconds, on a large plan): the outline and a read-only view of the
// selected item. Nothing in it edits the plan, so no keystroke can be lost
// before the live workspace replaces it.
type preview struct {
	ui      *UI
	c       doc.Content
	outline *outline
	center  *fyne.Container
	current outlineItem
	tabs    *container.AppTabs // the commitment's tabs, when one is shown
	status  *widget.Label

	// A past version (versionView) is shown with the same rendering: it
	// leaves the window's remembered item alone, and offers restore
	// buttons through restore.
	past    bool
	restore func(restoreTarget) fyne.CanvasObject
}

func newPreview(u *UI, c doc.Content) *preview { return &preview{ui: u, c: c} }

func (pv *preview) buildUI() fyne.CanvasObject {
	heading := widget.NewLabel(pv.c.Title)
	period := widget.NewLabel(periodText(doc.Info{Country: pv.c.Country, PeriodStart: pv.c.PeriodStart, PeriodEnd: pv.c.PeriodEnd}))
	var btns []fyne.CanvasObject
	for _, b := range []struct {
		label string
		icon  fyne.Resource
	}{{"Merge file", theme.FolderOpenIcon()}, {"Export", theme.DocumentSaveIcon()}, {"Invite", theme.MailSendIcon()}, {"New commitment", theme.ContentAddIcon()}} {
		btn := widget.NewButtonWithIcon(b.label, b.icon, nil)
		btn.Disable()
		btns = append(btns, btn)
	}
	top := titleBar(heading, period, btns...)
	split := pv.body(pv.ui.state.Filters, pv.ui.state.LastItem)

	bar := widget.NewProgressBarInfinite()
	pv.status = widget.NewLabel("Opening… (editing in a moment)")
	pv.status.TextStyle = fyne.TextStyle{Bold: true}
	pv.status.SizeName = theme.SizeNameCaptionText
	note := widget.NewLabel("Showing the plan as last saved on this laptop")
	note.SizeName = theme.SizeNameCaptionText
	note.Importance = widget.LowImportance
	status := container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, container.NewHBox(container.NewGridWrap(fyne.NewSize(160, bar.MinSize().Height), bar), pv.status), note))
	return container.NewBorder(container.NewVBox(top, widget.NewSeparator()), status, nil, nil, split)
}

// body is the outline and the read-only centre, showing the item with key
// start (the overview if it is not listed).
func (pv *preview) body(f filter, start string) fyne.CanvasObject {
	pv.center = container.NewStack()
	pv.outline = newOutline(contentSource{pv.c}, f, pv.show)
	split := container.NewHSplit(pv.outline.buildUI(), container.NewPadded(pv.center))
	split.Offset = 0.27
	if !pv.outline.selectKey(start) {
		pv.outline.selectKey(outlineItem{kind: kindOverview}.key())
	}
	return split
}

// selectedKey is the item to show once the plan is live.
func (pv *preview) selectedKey() string { return pv.current.key() }

func (pv *preview) show(it outlineItem) {
	pv.current, pv.tabs = it, nil
	if !pv.past {
		pv.ui.state.LastItem = it.key()
	}
	var o fyne.CanvasObject
	switch it.kind {
	case kindOverview:
		o = pv.overview()
	case kindCommitment:
		o = pv.commitment(it.id)
	case kindTimeline:
		var rows []fyne.CanvasObject
		for _, e := range pv.c.Timeline {
			rows = append(rows, pv.withAction(readOnlyRow(e.Date, e.Title, e.Note),
				restoreTarget{kind: doc.ItemTimeline, id: e.ID, title: e.Title}))
		}
		o = pv.list("Timeline", rows, "No dates yet.")
	case kindNotes:
		o = pv.notes()
	case kindMembers:
		var rows []fyne.CanvasObject
		for _, m := range pv.c.Members {
			if m.Removed {
				continue
			}
			name := orDefault(m.Name, "Unnamed device "+shortID(m.PeerID))
			if len(m.Roles) > 0 {
				name += " · " + strings.Join(m.Roles, ", ")
			}
			rows = append(rows, readOnlyRow(name, orDefault(m.Org, "—"), sideLabel(m.Side)))
		}
		o = pv.list("Members and peers", rows, "No members.")
	default:
		empty := "Shown once the plan has opened."
		if pv.past {
			empty = "Shown for the plan as it is now: go back to now to see it."
		}
		o = pv.list(strings.TrimSpace(it.title), nil, empty)
	}
	pv.center.Objects = []fyne.CanvasObject{o}
	pv.center.Refresh()
}

func (pv *preview) list(title string, rows []fyne.CanvasObject, empty string) fyne.CanvasObject {
	if len(rows) == 0 {
		l := widget.NewLabel(empty)
		l.Importance = widget.LowImportance
		rows = append(rows, l)
	}
	return container.NewBorder(subHeading(title), nil, nil, nil, container.NewVScroll(container.NewVBox(rows...)))
}

func readOnlyRow(cells ...string) fyne.CanvasObject {
	row := container.New(&columns{widths: []float32{0.3, 0.4, 0.3}})
	for _, c := range cells {
		l := widget.NewLabel(c)
		l.Truncation = fyne.TextTruncateEllipsis
		row.Add(l)
	}
	return row
}

// readOnlyText shows a long text in the paragraph editor, disabled: the
// same widget the live screen uses, so the swap does not move the text.
func readOnlyText(s string) fyne.CanvasObject {
	e := editor.New()
	e.SetMinRowsVisible(6)
	e.SetText(s)
	e.Disable()
	return e
}

func readOnlyForm(pairs ...string) *widget.Form {
	f := widget.NewForm()
	for i := 0; i+1 < len(pairs); i += 2 {
		l := widget.NewLabel(orDefault(pairs[i+1], "—"))
		l.Wrapping = fyne.TextWrapWord
		f.Append(pairs[i], flowText(l))
	}
	return f
}

func (pv *preview) overview() fyne.CanvasObject {
	form := readOnlyForm("Title", pv.c.Title, "Country", pv.c.Country, "Period", pv.c.PeriodStart+" to "+pv.c.PeriodEnd)
	counts := widget.NewLabel(plural(len(pv.c.Commitments), "commitment"))
	counts.Importance = widget.LowImportance
	var foot fyne.CanvasObject = counts
	if b := pv.action(restoreTarget{kind: "text", ref: doc.VisionText(), title: "Vision"}); b != nil {
		foot = container.NewBorder(nil, nil, nil, b, counts)
	}
	return container.NewBorder(container.NewVBox(subHeading("Overview and vision"), form, foot), nil, nil, nil, readOnlyText(pv.c.Vision))
}

// notes shows the latest meeting notes, with a choice of the others.
func (pv *preview) notes() fyne.CanvasObject {
	if len(pv.c.Notes) == 0 {
		return pv.list("Meeting notes", nil, "No meeting notes yet.")
	}
	body := container.NewStack()
	showNote := func(n doc.Note) {
		form := readOnlyForm("Date", n.Date, "Title", n.Title, "Attendees", n.Attendees)
		top := container.NewVBox(form)
		if b := pv.action(restoreTarget{kind: doc.ItemNote, id: n.ID, title: n.Title}); b != nil {
			top.Add(container.NewHBox(b))
		}
		body.Objects = []fyne.CanvasObject{container.NewBorder(top, nil, nil, nil, readOnlyText(n.Body))}
		body.Refresh()
	}
	head := []fyne.CanvasObject{subHeading("Meeting notes")}
	if len(pv.c.Notes) > 1 {
		labels := make([]string, len(pv.c.Notes))
		for i, n := range pv.c.Notes {
			labels[i] = fmt.Sprintf("%s  %s", n.Date, n.Title)
		}
		pick := widget.NewSelect(labels, nil)
		pick.OnChanged = func(string) {
			if i := pick.SelectedIndex(); i >= 0 {
				showNote(pv.c.Notes[i])
			}
		}
		head = append(head, pick)
		pick.SetSelectedIndex(len(labels) - 1)
	} else {
		showNote(pv.c.Notes[0])
	}
	return container.NewBorder(container.NewVBox(head...), nil, nil, nil, body)
}

// action is the restore button for t in a past version, or nil.
func (pv *preview) action(t restoreTarget) fyne.CanvasObject {
	if pv.restore == nil {
		return nil
	}
	return pv.restore(t)
}

// withAction puts t's restore button, if any, after row.
func (pv *preview) withAction(row fyne.CanvasObject, t restoreTarget) fyne.CanvasObject {
	if b := pv.action(t); b != nil {
		return container.NewBorder(nil, nil, nil, b, row)
	}
	return row
}

func (pv *preview) commitment(id string) fyne.CanvasObject {
	var c doc.Commitment
	found := false
	for _, cm := range pv.c.Commitments {
		if cm.ID == id {
			c, found = cm, true
		}
	}
	if !found {
		return widget.NewLabel("This commitment has been removed.")
	}
	number := widget.NewLabel(fmt.Sprintf("Commitment %d", c.Number))
	number.TextStyle = fyne.TextStyle{Bold: true}
	title := widget.NewLabel(c.Title)
	title.Truncation = fyne.TextTruncateEllipsis
	state := widget.NewLabel(stateLabel(c.State))
	state.Importance = widget.LowImportance
	var right fyne.CanvasObject = state
	if b := pv.action(restoreTarget{kind: doc.ItemCommitment, id: c.ID, title: c.Title}); b != nil {
		right = container.NewHBox(state, b)
	}

	var values []string
	for _, v := range doc.ValueNames {
		if on := map[string]bool{"transparency": c.Values.Transparency, "participation": c.Values.Participation,
			"accountability": c.Values.Accountability, "technology": c.Values.Technology}[v]; on {
			values = append(values, valueLabel(v))
		}
	}
	details := readOnlyForm("Proposed by", originLabel(c.Origin)+orDefault(prefixed(" · ", c.Origin.By), ""),
		"Lead agency", c.Lead, "Supporting actors", c.Support, "Start", c.Start, "End", c.End,
		"Contact person", c.Contact, "OGP values", strings.Join(values, ", "), "Themes", strings.Join(c.Themes, ", "))
	items := []*container.TabItem{container.NewTabItem("Details", container.NewVScroll(container.NewPadded(details)))}
	texts := map[string]string{"problem": c.Problem, "description": c.Description, "contribution": c.Contribution,
		"additional": c.Additional, "response": c.Response}
	for _, s := range longFieldSpecs {
		h := widget.NewLabel(s.hint)
		h.Wrapping = fyne.TextWrapWord
		h.Importance = widget.LowImportance
		var top fyne.CanvasObject = h
		if b := pv.action(restoreTarget{kind: "text", ref: doc.CommitmentText(c.ID, s.field), id: c.ID, title: s.tab}); b != nil {
			top = container.NewBorder(nil, nil, nil, b, h)
		}
		items = append(items, container.NewTabItem(s.tab, container.NewBorder(top, nil, nil, nil, readOnlyText(texts[s.field]))))
	}
	var ms []fyne.CanvasObject
	for i, m := range c.Milestones {
		ms = append(ms, pv.withAction(readOnlyRow(fmt.Sprintf("%d.%d %s", c.Number, i+1, m.Title), m.Deliverable, m.Start+" to "+m.End),
			restoreTarget{kind: doc.ItemMilestone, id: c.ID, sub: m.ID, title: m.Title}))
	}
	items = append(items, container.NewTabItem("Milestones", pv.list("Milestones", ms, "No milestones yet.")))
	var cs []fyne.CanvasObject
	for _, cm := range pv.c.Comments {
		if cm.Target == id || strings.HasPrefix(cm.Target, id+"/") {
			l := widget.NewLabel(cm.Author + ": " + cm.Body)
			l.Wrapping = fyne.TextWrapWord
			cs = append(cs, l)
		}
	}
	items = append(items, container.NewTabItem("Comments", pv.list("Comments", cs, "No comments yet.")))
	pv.tabs = container.NewAppTabs(items...)
	if t := pv.ui.state.Tab; t != "" {
		for _, it := range items {
			if tabName(it.Text) == t {
				pv.tabs.Select(it)
			}
		}
	}
	pv.tabs.OnSelected = func(t *container.TabItem) { pv.ui.state.Tab = tabName(t.Text) }
	return container.NewBorder(container.NewBorder(nil, nil, number, right, title), nil, nil, nil, newFitTabs(pv.tabs))
}

func prefixed(p, s string) string {
	if s == "" {
		return ""
	}
	return p + s
}

// contentSource lists cached content in the outline.
type contentSource struct{ c doc.Content }

func (s contentSource) Summaries() []doc.Summary {
	out := make([]doc.Summary, 0, len(s.c.Commitments))
	for _, c := range s.c.Commitments {
		out = append(out, doc.Summary{ID: c.ID, Number: c.Number, Title: c.Title, State: c.State, Origin: c.Origin, Themes: c.Themes})
	}
	return out
}

// SearchCommitments matches the fields doc.Plan.SearchCommitments does.
func (s contentSource) SearchCommitments(q string) []string {
	q = strings.ToLower(strings.TrimSpace(q))
	var out []string
	for _, c := range s.c.Commitments {
		fields := append([]string{c.Title, c.Lead, c.Support, c.Contact, c.Problem, c.Description, c.Contribution,
			c.Additional, c.Response, c.Origin.Org}, c.Themes...)
		for _, f := range fields {
			if strings.Contains(strings.ToLower(f), q) {
				out = append(out, c.ID)
				break
			}
		}
	}
	return out
}
