package app

import (
	"fmt"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

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
	// conflicts marks the date, title and attendees when set apart.
	conflicts *itemConflicts
}

func newNotesScreen(ws *workspace) *notesScreen { return &notesScreen{ws: ws} }

func (n *notesScreen) buildUI() fyne.CanvasObject {
	heading := subHeading("Meeting notes")
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
	d := dialog.NewConfirm("Delete meeting notes?", fmt.Sprintf("Delete the notes of %q for everyone? They stay in the history: Plan > Restore deleted items… brings them back.", n.pick.Selected), func(ok bool) {
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
	n.date = newProcessDateField(set("date"), func() doc.Info { return p.Info() })
	n.title = newPlainField("Meeting title", set("title"), onErr)
	n.attendees = newPlainField("Who attended", set("attendees"), onErr)
	n.text = newLongField(p, doc.NoteBody(id), "Notes", "", onErr, n.ws.ui.log)
	n.conflicts = newItemConflicts(n.ws, "note", "note/"+id, func() {
		n.loadList()
		n.loadFields()
	})
	n.loadFields()
	ic := n.conflicts
	form := widget.NewForm(
		widget.NewFormItem("Date", ic.under(container.NewVBox(n.date.entry, n.date.msg), "date")),
		widget.NewFormItem("Title", ic.under(n.title.entry, "title")),
		widget.NewFormItem("Attendees", ic.under(n.attendees.entry, "attendees")),
	)
	n.body.Objects = []fyne.CanvasObject{formOverText(form, n.text.buildUI())}
	n.body.Refresh()
	n.del.Enable()
	// Colleagues in this meeting's notes have their carets in it.
	n.ws.here.showCarets()
}

func (n *notesScreen) loadFields() {
	for _, nt := range n.ws.plan.Notes() {
		if nt.ID == n.current {
			n.date.load(nt.Date)
			n.title.load(nt.Title)
			n.attendees.load(nt.Attendees)
		}
	}
	n.conflicts.load(n.ws.plan.Conflicts())
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
		return
	}
	// Typing a new value into a field in conflict ends the conflict too.
	n.conflicts.load(n.ws.plan.Conflicts())
}

func (n *notesScreen) close() {}

func (n *notesScreen) longFields() []*longField { return []*longField{n.text} }
