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

// milestoneTable lists a commitment's milestones as rows of editable cells:
// title, deliverable, start, end, progress.
type milestoneTable struct {
	ce   *commitmentEditor
	rows *fyne.Container
	ids  []string
	row  map[string]*milestoneRow
}

type milestoneRow struct {
	title       *widget.Entry
	titleB      *shortText
	deliverable *widget.Entry
	delivB      *shortText
	start       *dateField
	end         *dateField
	progress    *widget.Select
	quiet       bool
	// conflicts marks the start, end and progress when set apart.
	conflicts *itemConflicts
}

// milestoneColumns are the table's relative column widths.
var milestoneColumns = []float32{0.25, 0.33, 0.14, 0.14, 0.14}

// milestoneCols lays a milestone row out; on a narrow pane the dates and
// progress go on a second line, so that a date shows whole.
func milestoneCols() *columns {
	return &columns{widths: milestoneColumns, trailing: 36, wrapBelow: 600, breakAt: 2}
}

var progressLabels = map[doc.Progress]string{"": "Not set", doc.NotStarted: "Not started", doc.Limited: "Limited",
	doc.Substantial: "Substantial", doc.Completed: "Completed"}

func newMilestoneTable(ce *commitmentEditor) *milestoneTable {
	return &milestoneTable{ce: ce, row: map[string]*milestoneRow{}}
}

func (mt *milestoneTable) buildUI() fyne.CanvasObject {
	head := container.New(milestoneCols())
	for _, h := range []string{"Milestone", "Verifiable deliverable", "Start", "End", "Progress"} {
		l := widget.NewLabel(h)
		l.TextStyle = fyne.TextStyle{Bold: true}
		head.Add(l)
	}
	mt.rows = container.NewVBox()
	add := widget.NewButtonWithIcon("Add milestone", theme.ContentAddIcon(), mt.add)
	hint := widget.NewLabel("Each milestone is a verifiable deliverable with start and end dates inside the plan period.")
	hint.Importance = widget.LowImportance
	hint.Wrapping = fyne.TextWrapWord
	return container.NewBorder(container.NewVBox(hint, head, widget.NewSeparator()), container.NewHBox(add), nil, nil,
		container.NewVScroll(mt.rows))
}

func (mt *milestoneTable) add() {
	n := len(mt.ids) + 1
	id, err := mt.ce.plan.AddMilestone(mt.ce.id, fmt.Sprintf("Milestone %d", n))
	if err != nil {
		mt.ce.ws.errorf(err)
		return
	}
	c, err := mt.ce.plan.Commitment(mt.ce.id)
	if err != nil {
		mt.ce.ws.errorf(err)
		return
	}
	mt.load(c.Milestones)
	if r := mt.row[id]; r != nil {
		mt.ce.ws.ui.win.Canvas().Focus(r.title)
	}
}

// load shows the milestones, rebuilding rows only when the set changed.
func (mt *milestoneTable) load(ms []doc.Milestone) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if !slices.Equal(ids, mt.ids) {
		mt.ids = ids
		mt.rows.Objects = nil
		old := mt.row
		mt.row = map[string]*milestoneRow{}
		for _, m := range ms {
			r := old[m.ID]
			if r == nil {
				r = mt.newRow(m.ID)
			}
			mt.row[m.ID] = r
			mt.rows.Add(r.object(mt, m.ID))
		}
		if len(ms) == 0 {
			l := widget.NewLabel("No milestones yet.")
			l.Importance = widget.LowImportance
			mt.rows.Add(l)
		}
		mt.rows.Refresh()
		mt.loadConflicts(mt.ce.plan.Conflicts())
	}
	for _, m := range ms {
		mt.row[m.ID].load(m)
	}
}

// loadConflicts shows each milestone's open conflicts among cs.
func (mt *milestoneTable) loadConflicts(cs []doc.Conflict) {
	for _, r := range mt.row {
		r.conflicts.load(cs)
	}
}

func (mt *milestoneTable) newRow(mid string) *milestoneRow {
	p, cid, onErr := mt.ce.plan, mt.ce.id, mt.ce.ws.errorf
	r := &milestoneRow{title: wrappedEntry(), deliverable: wrappedEntry()}
	r.title.SetPlaceHolder("Milestone")
	r.deliverable.SetPlaceHolder("What will be delivered, verifiably")
	r.titleB = bindShortText(p, doc.MilestoneText(cid, mid, "title"), r.title, onErr)
	r.delivB = bindShortText(p, doc.MilestoneText(cid, mid, "deliverable"), r.deliverable, onErr)
	set := func(field string) func(string) error {
		return func(v string) error { return p.SetMilestoneField(cid, mid, field, v) }
	}
	info := func() doc.Info { return p.Info() }
	r.start = newDateField(set("start"), info)
	r.end = newDateField(set("end"), info)
	r.start.name, r.end.name = "Start", "End"
	r.start.check = spanCheck(func() string { return r.end.last }, false)
	r.end.check = spanCheck(func() string { return r.start.last }, true)
	r.conflicts = newItemConflicts(mt.ce.ws, "milestone", "milestone/"+cid+"/"+mid, func() {
		if c, err := p.Commitment(cid); err == nil {
			mt.load(c.Milestones)
		}
	})
	var opts []string
	for _, pr := range []doc.Progress{"", doc.NotStarted, doc.Limited, doc.Substantial, doc.Completed} {
		opts = append(opts, progressLabels[pr])
	}
	r.progress = widget.NewSelect(opts, func(label string) {
		if r.quiet {
			return
		}
		for pr, l := range progressLabels {
			if l == label {
				if err := p.SetMilestoneField(cid, mid, "progress", string(pr)); err != nil {
					onErr(err)
				}
			}
		}
	})
	return r
}

func (r *milestoneRow) object(mt *milestoneTable, mid string) fyne.CanvasObject {
	del := widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		if err := mt.ce.plan.RemoveMilestone(mt.ce.id, mid); err != nil {
			mt.ce.ws.errorf(err)
			return
		}
		if c, err := mt.ce.plan.Commitment(mt.ce.id); err == nil {
			mt.load(c.Milestones)
		}
	})
	del.Importance = widget.LowImportance
	cells := container.New(milestoneCols(),
		r.title, r.deliverable, r.start.entry, r.end.entry, r.progress, del)
	// The date cells are narrow: their messages and markers take the
	// row's width.
	return r.conflicts.under(container.NewVBox(cells, r.start.msg, r.end.msg), "start", "end", "progress")
}

func (r *milestoneRow) load(m doc.Milestone) {
	r.quiet = true
	defer func() { r.quiet = false }()
	r.titleB.reload()
	r.delivB.reload()
	r.start.load(m.Start)
	r.end.load(m.End)
	r.progress.SetSelected(progressLabels[m.Progress])
}

// wrappedEntry is a short multi-line entry for table cells, so long
// milestone text wraps instead of scrolling out of sight.
func wrappedEntry() *widget.Entry {
	e := widget.NewMultiLineEntry()
	e.Wrapping = fyne.TextWrapWord
	e.SetMinRowsVisible(2)
	return e
}

// columns lays cells out at relative widths, with a fixed-width trailing
// cell (a button) when trailing > 0; a column with a fixed width > 0 gets
// exactly that, and the others share what is left. Narrower than
// wrapBelow, the cells from breakAt on go on a second line.
type columns struct {
	widths    []float32
	trailing  float32
	fixed     []float32
	wrapBelow float32
	breakAt   int
	wrapped   bool // at the last layout
}

func (c *columns) fixedWidth(i int) float32 {
	if i < len(c.fixed) {
		return c.fixed[i]
	}
	return 0
}

// lines splits the cells (and their column indices) into the lines shown.
func (c *columns) lines(objs []fyne.CanvasObject) [][]fyne.CanvasObject {
	if !c.wrapped || c.breakAt <= 0 || c.breakAt >= len(objs) {
		return [][]fyne.CanvasObject{objs}
	}
	return [][]fyne.CanvasObject{objs[:c.breakAt], objs[c.breakAt:]}
}

func lineHeight(objs []fyne.CanvasObject) float32 {
	h := float32(0)
	for _, o := range objs {
		if o.Visible() {
			h = max(h, o.MinSize().Height)
		}
	}
	return h
}

func (c *columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for i, l := range c.lines(objs) {
		if i > 0 {
			h += theme.Padding()
		}
		h += lineHeight(l)
	}
	w := float32(0)
	for i := range c.widths {
		w += c.fixedWidth(i)
	}
	return fyne.NewSize(max(300, w+150), h)
}

func (c *columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	c.wrapped = c.wrapBelow > 0 && size.Width < c.wrapBelow
	y := float32(0)
	first := 0
	for li, line := range c.lines(objs) {
		if li > 0 {
			y += theme.Padding()
		}
		last := li == len(c.lines(objs))-1
		c.layoutLine(line, first, last, y, size)
		y += lineHeight(line)
		first += len(line)
	}
}

// layoutLine lays out cells of columns first on at height y; the trailing
// cell goes on the last line.
func (c *columns) layoutLine(objs []fyne.CanvasObject, first int, last bool, y float32, size fyne.Size) {
	pad := theme.Padding()
	cols := min(len(c.widths)-first, len(objs))
	avail := size.Width - pad*float32(cols)
	if c.trailing > 0 && last {
		avail -= c.trailing
	}
	share := float32(0)
	for i := first; i < first+cols; i++ {
		if f := c.fixedWidth(i); f > 0 {
			avail -= f
		} else {
			share += c.widths[i]
		}
	}
	x := float32(0)
	for j, o := range objs {
		i := first + j
		w := c.trailing
		if i < len(c.widths) {
			w = c.fixedWidth(i)
			if w == 0 && share > 0 {
				w = max(0, avail) * c.widths[i] / share
			}
		}
		// Cells keep their own height, top-aligned, so a tall cell does not
		// stretch its neighbours.
		o.Move(fyne.NewPos(x, y))
		o.Resize(fyne.NewSize(w, min(size.Height-y, o.MinSize().Height)))
		x += w + pad
	}
}
