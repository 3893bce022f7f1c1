package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
)

// historyScreen lists every change: time, author, message, newest first.
type historyScreen struct {
	ws      *workspace
	entries []doc.HistoryEntry
	list    *widget.List
	count   *widget.Label
}

func newHistoryScreen(ws *workspace) *historyScreen { return &historyScreen{ws: ws} }

func (h *historyScreen) buildUI() fyne.CanvasObject {
	heading := subHeading("History")
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
