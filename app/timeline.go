package app

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

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
	// conflicts marks the date, title and note when set apart.
	conflicts *itemConflicts
}

func newTimelineScreen(ws *workspace) *timelineScreen {
	return &timelineScreen{ws: ws, entry: map[string]*timelineRow{}}
}

func (t *timelineScreen) buildUI() fyne.CanvasObject {
	heading := subHeading("Timeline")
	hint := widget.NewLabel("Key dates of the action plan cycle: consultations, forum meetings, self-assessment, IRM report, publication.")
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord
	head := container.New(&columns{widths: []float32{0.2, 0.35, 0.45}, trailing: 36})
	for _, h := range []string{"Date", "What", "Note"} {
		head.Add(sectionLabel(h))
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
	cs := t.ws.plan.Conflicts()
	for _, e := range entries {
		r := t.entry[e.ID]
		r.date.load(e.Date)
		r.title.load(e.Title)
		r.note.load(e.Note)
		r.conflicts.load(cs)
	}
}

func (t *timelineScreen) newRow(id string) *timelineRow {
	p, onErr := t.ws.plan, t.ws.errorf
	set := func(field string) func(string) error {
		return func(v string) error { return p.SetTimelineField(id, field, v) }
	}
	r := &timelineRow{
		date:  newProcessDateField(set("date"), func() doc.Info { return p.Info() }),
		title: newPlainField("What happens", set("title"), onErr),
		note:  newPlainField("Note", set("note"), onErr),
	}
	r.conflicts = newItemConflicts(t.ws, "timeline", "timeline/"+id, t.load)
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
	return r.conflicts.under(container.NewVBox(container.New(cols, r.date.entry, r.title.entry, r.note.entry, del),
		container.New(cols, r.date.msg)), "date", "title", "note")
}

func (t *timelineScreen) refresh(bool) { t.load() }
func (t *timelineScreen) close()       {}
