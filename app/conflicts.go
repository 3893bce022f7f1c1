package app

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// conflictMarker sits under a short field. While the field holds values
// two people set apart, it shows each value with who set it and a Keep
// button; it is hidden otherwise.
type conflictMarker struct {
	box     *fyne.Container
	title   *widget.Label
	rows    *fyne.Container
	format  func(string) string // a value as the field shows it
	keep    func(value string)
	values  []doc.ConflictValue // what is shown, for tests
	buttons []*widget.Button
}

func newConflictMarker(format func(string) string, keep func(string)) *conflictMarker {
	m := &conflictMarker{format: format, keep: keep, rows: container.NewVBox()}
	m.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	m.title.Importance = widget.WarningImportance
	m.title.Wrapping = fyne.TextWrapWord
	m.box = container.NewVBox(m.title, m.rows)
	m.box.Hide()
	return m
}

// show shows c, or hides the marker when c is nil.
func (m *conflictMarker) show(c *doc.Conflict) {
	if c == nil {
		m.values, m.buttons = nil, nil
		m.box.Hide()
		return
	}
	m.values, m.buttons = c.Values, nil
	m.title.SetText(fmt.Sprintf("Set differently while apart: %d values for the %s. Keep one.", len(c.Values), c.Label))
	m.rows.Objects = nil
	for _, v := range c.Values {
		v := v
		b := widget.NewButtonWithIcon("Keep", theme.ConfirmIcon(), func() { m.keep(v.Value) })
		b.Importance = widget.LowImportance
		shown := ""
		if v.Shown {
			shown = " (shown now)"
		}
		l := widget.NewLabel(fmt.Sprintf("%s — set by %s%s", m.format(v.Value), v.SetByWords(), shown))
		l.Wrapping = fyne.TextWrapWord
		m.buttons = append(m.buttons, b)
		m.rows.Add(container.NewBorder(nil, nil, b, nil, l))
	}
	m.rows.Refresh()
	m.box.Show()
}

// quoted shows a text value as written, quoted; empty as such.
func quoted(v string) string {
	if v == "" {
		return "(empty)"
	}
	return "“" + v + "”"
}

// conflictFormats say how a short field shows a value, where it is not
// as written (field names do not clash across kinds of item).
var conflictFormats = map[string]func(string) string{
	"state":    func(v string) string { return stateLabel(doc.State(v)) },
	"side":     func(v string) string { return sideLabel(doc.Side(v)) },
	"progress": func(v string) string { return progressLabels[doc.Progress(v)] },
}

func conflictFormat(field string) func(string) string {
	if f, ok := conflictFormats[field]; ok {
		return f
	}
	if field == "transparency" || field == "participation" || field == "accountability" || field == "technology" {
		return func(v string) string {
			if v == "true" {
				return "ticked"
			}
			return "not ticked"
		}
	}
	return quoted
}

// itemConflicts is the conflict markers of one item's short fields (the
// plan's own, a milestone, a timeline entry, meeting notes), one per field
// doc reports conflicts on; a screen places each marker under its field.
type itemConflicts struct {
	ws      *workspace
	ref     string // the doc.ConflictItem.Ref of the item
	markers map[string]*conflictMarker
	after   func() // shows the fields again once a value is kept
}

func newItemConflicts(ws *workspace, kind, ref string, after func()) *itemConflicts {
	ic := &itemConflicts{ws: ws, ref: ref, markers: map[string]*conflictMarker{}, after: after}
	for _, f := range doc.PlainFields(kind) {
		f := f
		ic.markers[f] = newConflictMarker(conflictFormat(f), func(v string) { ic.keep(f, v) })
	}
	return ic
}

// under stacks o with the markers of fields below it.
func (ic *itemConflicts) under(o fyne.CanvasObject, fields ...string) fyne.CanvasObject {
	objs := []fyne.CanvasObject{o}
	for _, f := range fields {
		objs = append(objs, ic.markers[f].box)
	}
	return container.NewVBox(objs...)
}

// load shows the item's open conflicts among cs (the plan's) and hides
// the other markers.
func (ic *itemConflicts) load(cs []doc.Conflict) {
	open := map[string]*doc.Conflict{}
	for i := range cs {
		if cs[i].Item.Ref == ic.ref {
			open[cs[i].Field] = &cs[i]
		}
	}
	for f, m := range ic.markers {
		m.show(open[f])
	}
}

// keep ends a conflict with the value chosen, for everyone once it syncs.
func (ic *itemConflicts) keep(field, value string) {
	keepConflict(ic.ws, ic.ref, field, value)
	ic.after()
	ic.load(ic.ws.plan.Conflicts())
}

// keepConflict writes the value chosen; a conflict a colleague closed
// meanwhile is said so (the caller shows the field as it is now).
func keepConflict(ws *workspace, ref, field, value string) {
	err := ws.plan.ResolveConflict(ref, field, value)
	switch {
	case errors.Is(err, doc.ErrNoConflict):
		ws.ui.showInfo("Already resolved", "A colleague has kept one of the values already; the field shows it now.")
	case err != nil:
		ws.errorf(err)
	}
}

// formOverText stacks a screen's short fields over its long text. The
// fields take their height up to half the pane and scroll beyond, so
// conflict markers opening under them never push the window's status bar
// out of sight; the text takes the rest.
func formOverText(form, text fyne.CanvasObject) fyne.CanvasObject {
	return container.New(&formOverTextLayout{form: form}, container.NewVScroll(form), text)
}

type formOverTextLayout struct{ form fyne.CanvasObject }

// formMinShown is the most of the fields' height the pane's minimum
// size counts: about a heading and three fields.
const formMinShown = 220

func (l *formOverTextLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	f, t := l.form.MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(f.Width, t.Width), min(f.Height, formMinShown)+theme.Padding()+t.Height)
}

func (l *formOverTextLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	room := size.Height - pad - objs[1].MinSize().Height
	top := min(l.form.MinSize().Height, max(size.Height/2, room))
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width, top))
	objs[1].Move(fyne.NewPos(0, top+pad))
	objs[1].Resize(fyne.NewSize(size.Width, max(0, size.Height-top-pad)))
}
