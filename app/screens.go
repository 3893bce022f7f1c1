package app

import (
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

// overview edits the plan's heading and its introduction and vision.
type overview struct {
	ws      *workspace
	title   *plainField
	country *plainField
	start   *dateField
	end     *dateField
	vision  *longField
	counts  *widget.Label
}

func newOverview(ws *workspace) *overview { return &overview{ws: ws} }

func (o *overview) buildUI() fyne.CanvasObject {
	p, onErr := o.ws.plan, o.ws.errorf
	set := func(field string) func(string) error {
		return func(v string) error { return p.SetPlanField(field, v) }
	}
	o.title = newPlainField("Plan title", set("title"), onErr)
	o.country = newPlainField("Country or local government", set("country"), onErr)
	noPeriod := func() doc.Info { return doc.Info{} }
	o.start = newDateField(set("periodStart"), noPeriod)
	o.end = newDateField(set("periodEnd"), noPeriod)
	o.start.check = spanCheck(func() string { return o.end.last }, false)
	o.end.check = spanCheck(func() string { return o.start.last }, true)
	o.vision = newLongField(p, doc.VisionText(), "Vision", "Introduction and vision: the plan's ambition, how it was co-created, and how it builds on earlier plans. Markdown is welcome.", onErr)
	o.counts = widget.NewLabel("")
	o.counts.Importance = widget.LowImportance
	o.load()

	form := widget.NewForm(
		widget.NewFormItem("Title", o.title.entry),
		widget.NewFormItem("Country", o.country.entry),
		widget.NewFormItem("Period", container.NewGridWithColumns(2,
			container.NewVBox(o.start.entry, o.start.msg), container.NewVBox(o.end.entry, o.end.msg))),
	)
	heading := widget.NewLabel("Overview and vision")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.SizeName = theme.SizeNameSubHeadingText
	return container.NewBorder(container.NewVBox(heading, form, o.counts), nil, nil, nil, o.vision.buildUI())
}

func (o *overview) load() {
	info := o.ws.plan.Info()
	o.title.load(info.Title)
	o.country.load(info.Country)
	o.start.load(info.PeriodStart)
	o.end.load(info.PeriodEnd)
	sums := o.ws.plan.Summaries()
	by := map[doc.State]int{}
	for _, s := range sums {
		by[s.State]++
	}
	var parts []string
	for _, st := range doc.States {
		if by[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", by[st], strings.ToLower(stateLabel(st))))
		}
	}
	txt := fmt.Sprintf("%d commitments", len(sums))
	if len(parts) > 0 {
		txt += ": " + strings.Join(parts, ", ")
	}
	o.counts.SetText(txt)
}

func (o *overview) refresh(remote bool) {
	if remote {
		o.vision.refresh()
	}
	o.load()
}

func (o *overview) close() {}

// timelineScreen lists the process timeline: dated entries anybody may
// update (self-assessment, IRM report, publication).
type timelineScreen struct {
	ws    *workspace
	rows  *fyne.Container
	ids   []string
	entry map[string]*timelineRow
}

type timelineRow struct {
	date  *dateField
	title *plainField
	note  *plainField
}

func newTimelineScreen(ws *workspace) *timelineScreen {
	return &timelineScreen{ws: ws, entry: map[string]*timelineRow{}}
}

func (t *timelineScreen) buildUI() fyne.CanvasObject {
	heading := widget.NewLabel("Timeline")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.SizeName = theme.SizeNameSubHeadingText
	hint := widget.NewLabel("Key dates of the action plan cycle: consultations, forum meetings, self-assessment, IRM report, publication.")
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord
	head := container.New(&columns{widths: []float32{0.2, 0.35, 0.45}, trailing: 36})
	for _, h := range []string{"Date", "What", "Note"} {
		l := widget.NewLabel(h)
		l.TextStyle = fyne.TextStyle{Bold: true}
		head.Add(l)
	}
	t.rows = container.NewVBox()
	add := widget.NewButtonWithIcon("Add date", theme.ContentAddIcon(), t.add)
	t.load()
	return container.NewBorder(container.NewVBox(heading, hint, head, widget.NewSeparator()), container.NewHBox(add), nil, nil,
		container.NewVScroll(t.rows))
}

func (t *timelineScreen) add() {
	if _, err := t.ws.plan.AddTimeline("New date", now().Format(doc.DateLayout), ""); err != nil {
		t.ws.errorf(err)
		return
	}
	t.load()
}

func (t *timelineScreen) load() {
	entries := t.ws.plan.Timeline()
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	if !slices.Equal(ids, t.ids) {
		t.ids = ids
		t.rows.Objects = nil
		for _, e := range entries {
			r := t.entry[e.ID]
			if r == nil {
				r = t.newRow(e.ID)
				t.entry[e.ID] = r
			}
			t.rows.Add(t.rowObject(e.ID, r))
		}
		if len(entries) == 0 {
			l := widget.NewLabel("No dates yet.")
			l.Importance = widget.LowImportance
			t.rows.Add(l)
		}
		t.rows.Refresh()
	}
	for _, e := range entries {
		r := t.entry[e.ID]
		r.date.load(e.Date)
		r.title.load(e.Title)
		r.note.load(e.Note)
	}
}

func (t *timelineScreen) newRow(id string) *timelineRow {
	p, onErr := t.ws.plan, t.ws.errorf
	set := func(field string) func(string) error {
		return func(v string) error { return p.SetTimelineField(id, field, v) }
	}
	r := &timelineRow{
		date:  newDateField(set("date"), func() doc.Info { return p.Info() }),
		title: newPlainField("What happens", set("title"), onErr),
		note:  newPlainField("Note", set("note"), onErr),
	}
	r.date.check = func(d string) error {
		if d == "" {
			return fmt.Errorf("a timeline entry needs a date")
		}
		return nil
	}
	return r
}

func (t *timelineScreen) rowObject(id string, r *timelineRow) fyne.CanvasObject {
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		if err := t.ws.plan.RemoveTimeline(id); err != nil {
			t.ws.errorf(err)
			return
		}
		t.load()
	})
	del.Importance = widget.LowImportance
	cols := &columns{widths: []float32{0.2, 0.35, 0.45}, trailing: 36}
	return container.NewVBox(container.New(cols, r.date.entry, r.title.entry, r.note.entry, del),
		container.New(cols, r.date.msg))
}

func (t *timelineScreen) refresh(bool) { t.load() }
func (t *timelineScreen) close()       {}

// notesScreen edits meeting notes, one meeting at a time.
type notesScreen struct {
	ws        *workspace
	pick      *widget.Select
	ids       []string
	labels    []string
	current   string
	del       *widget.Button
	body      *fyne.Container
	date      *dateField
	title     *plainField
	attendees *plainField
	text      *longField
}

func newNotesScreen(ws *workspace) *notesScreen { return &notesScreen{ws: ws} }

func (n *notesScreen) buildUI() fyne.CanvasObject {
	heading := widget.NewLabel("Meeting notes")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.SizeName = theme.SizeNameSubHeadingText
	n.pick = widget.NewSelect(nil, n.onPick)
	n.pick.PlaceHolder = "Choose a meeting"
	add := widget.NewButtonWithIcon("New meeting notes", theme.ContentAddIcon(), n.add)
	n.del = widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), n.confirmDelete)
	n.del.Importance = widget.LowImportance
	n.body = container.NewStack()
	n.loadList()
	if len(n.ids) > 0 {
		n.pick.SetSelectedIndex(len(n.ids) - 1)
	} else {
		n.showEmpty()
	}
	return container.NewBorder(container.NewVBox(heading, container.NewBorder(nil, nil, nil, container.NewHBox(n.del, add), n.pick)), nil, nil, nil, n.body)
}

// confirmDelete deletes the meeting notes shown, after asking.
func (n *notesScreen) confirmDelete() {
	id := n.current
	if id == "" {
		return
	}
	d := dialog.NewConfirm("Delete meeting notes?", fmt.Sprintf("Delete the notes of %q for everyone? They stay in the history.", n.pick.Selected), func(ok bool) {
		if ok {
			n.remove(id)
		}
	}, n.ws.ui.win)
	d.SetConfirmText("Delete")
	d.SetDismissText("Cancel")
	d.Show()
}

func (n *notesScreen) remove(id string) {
	if err := n.ws.plan.RemoveNote(id); err != nil {
		n.ws.errorf(err)
		return
	}
	n.current = ""
	n.loadList()
	if len(n.ids) > 0 {
		n.pick.SetSelectedIndex(len(n.ids) - 1)
	} else {
		n.pick.ClearSelected()
		n.showEmpty()
	}
}

func (n *notesScreen) showEmpty() {
	l := widget.NewLabel("No meeting notes yet. Start a set for your next forum meeting: everyone can write in it at once.")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.LowImportance
	n.body.Objects = []fyne.CanvasObject{container.NewVBox(l)}
	n.body.Refresh()
	n.del.Disable()
}

func (n *notesScreen) loadList() {
	notes := n.ws.plan.Notes()
	n.ids, n.labels = nil, nil
	for _, nt := range notes {
		n.ids = append(n.ids, nt.ID)
		n.labels = append(n.labels, fmt.Sprintf("%s  %s", nt.Date, nt.Title))
	}
	n.pick.Options = n.labels
	if i := slices.Index(n.ids, n.current); i >= 0 {
		n.pick.Selected = n.labels[i]
	}
	n.pick.Refresh()
}

func (n *notesScreen) add() {
	id, err := n.ws.plan.AddNote(now().Format(doc.DateLayout), "")
	if err != nil {
		n.ws.errorf(err)
		return
	}
	n.current = ""
	n.loadList()
	n.pick.SetSelectedIndex(slices.Index(n.ids, id))
}

func (n *notesScreen) onPick(string) {
	i := n.pick.SelectedIndex()
	if i < 0 || i >= len(n.ids) || n.ids[i] == n.current {
		return
	}
	n.open(n.ids[i])
}

func (n *notesScreen) open(id string) {
	p, onErr := n.ws.plan, n.ws.errorf
	n.current = id
	set := func(field string) func(string) error {
		return func(v string) error { return p.SetNoteField(id, field, v) }
	}
	n.date = newDateField(set("date"), func() doc.Info { return p.Info() })
	n.title = newPlainField("Meeting title", set("title"), onErr)
	n.attendees = newPlainField("Who attended", set("attendees"), onErr)
	n.text = newLongField(p, doc.NoteBody(id), "Notes", "", onErr)
	n.loadFields()
	form := widget.NewForm(
		widget.NewFormItem("Date", container.NewVBox(n.date.entry, n.date.msg)),
		widget.NewFormItem("Title", n.title.entry),
		widget.NewFormItem("Attendees", n.attendees.entry),
	)
	n.body.Objects = []fyne.CanvasObject{container.NewBorder(form, nil, nil, nil, n.text.buildUI())}
	n.body.Refresh()
	n.del.Enable()
}

func (n *notesScreen) loadFields() {
	for _, nt := range n.ws.plan.Notes() {
		if nt.ID == n.current {
			n.date.load(nt.Date)
			n.title.load(nt.Title)
			n.attendees.load(nt.Attendees)
		}
	}
}

func (n *notesScreen) refresh(remote bool) {
	n.loadList()
	if n.current == "" {
		return
	}
	if !slices.Contains(n.ids, n.current) {
		n.current = ""
		n.showEmpty()
		return
	}
	if remote {
		n.text.refresh()
		n.loadFields()
	}
}

func (n *notesScreen) close() {}

// historyScreen lists every change: time, author, message, newest first.
type historyScreen struct {
	ws      *workspace
	entries []doc.HistoryEntry
	list    *widget.List
	count   *widget.Label
}

func newHistoryScreen(ws *workspace) *historyScreen { return &historyScreen{ws: ws} }

func (h *historyScreen) buildUI() fyne.CanvasObject {
	heading := widget.NewLabel("History")
	heading.TextStyle = fyne.TextStyle{Bold: true}
	heading.SizeName = theme.SizeNameSubHeadingText
	h.count = widget.NewLabel("")
	h.count.Importance = widget.LowImportance
	h.list = widget.NewList(func() int { return len(h.entries) }, func() fyne.CanvasObject {
		t := widget.NewLabel("00 Jan 2006 15:04")
		a := widget.NewLabel("Author name (Org)")
		a.TextStyle = fyne.TextStyle{Bold: true}
		a.Truncation = fyne.TextTruncateEllipsis
		m := widget.NewLabel("")
		m.Truncation = fyne.TextTruncateEllipsis
		return container.New(&columns{widths: []float32{0.18, 0.25, 0.57}}, t, a, m)
	}, func(i widget.ListItemID, o fyne.CanvasObject) {
		e := h.entries[len(h.entries)-1-i]
		c := o.(*fyne.Container)
		c.Objects[0].(*widget.Label).SetText(e.Time.Local().Format("2 Jan 2006 15:04"))
		who := orDefault(e.Author, "Unknown device")
		if e.Org != "" {
			who += " (" + e.Org + ")"
		}
		c.Objects[1].(*widget.Label).SetText(who)
		c.Objects[2].(*widget.Label).SetText(e.Message)
	})
	h.load()
	return container.NewBorder(container.NewVBox(heading, h.count), nil, nil, nil, h.list)
}

func (h *historyScreen) load() {
	es, err := h.ws.plan.History()
	if err != nil {
		h.ws.errorf(err)
		return
	}
	h.entries = es
	h.count.SetText(fmt.Sprintf("%d changes, newest first", len(es)))
	h.list.Refresh()
}

func (h *historyScreen) refresh(bool) { h.load() }
func (h *historyScreen) close()       {}
