package app

import (
	"fmt"
	"strings"

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
	m.title.SetText(fmt.Sprintf("Set differently while apart: the %s has %d values. Keep one.", c.Label, len(c.Values)))
	m.rows.Objects = nil
	for _, v := range c.Values {
		v := v
		b := widget.NewButtonWithIcon("Keep", theme.ConfirmIcon(), func() { m.keep(v.Value) })
		b.Importance = widget.LowImportance
		shown := ""
		if v.Shown {
			shown = " (shown now)"
		}
		l := widget.NewLabel(fmt.Sprintf("%s — set by %s%s", m.format(v.Value), setByWords(v), shown))
		l.Wrapping = fyne.TextWrapWord
		m.buttons = append(m.buttons, b)
		m.rows.Add(container.NewBorder(nil, nil, b, nil, l))
	}
	m.rows.Refresh()
	m.box.Show()
}

// setByWords names who set a value: name, organisation and side.
func setByWords(v doc.ConflictValue) string {
	a := v.SetBy
	var parts []string
	switch {
	case a.Name != "":
		parts = append(parts, a.Name)
	case a.PeerID != "":
		parts = append(parts, "device "+a.PeerID[:min(16, len(a.PeerID))])
	default:
		parts = append(parts, "someone unknown")
	}
	if a.Org != "" {
		parts = append(parts, a.Org)
	}
	if a.Side != "" {
		parts = append(parts, sideLabel(a.Side))
	}
	s := parts[0]
	if len(parts) > 1 {
		s += " (" + strings.Join(parts[1:], ", ") + ")"
	}
	if v.Verified {
		s += ", verified"
	}
	return s
}

// quoted shows a text value as written, quoted; empty as such.
func quoted(v string) string {
	if v == "" {
		return "(empty)"
	}
	return "“" + v + "”"
}

// conflictFormats say how a commitment's short field shows a value.
var conflictFormats = map[string]func(string) string{
	"state": func(v string) string { return stateLabel(doc.State(v)) },
	"side":  func(v string) string { return sideLabel(doc.Side(v)) },
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
