package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// fitTabs shows tabs along the top while all their labels fit the width,
// and down the leading side when the window is too narrow for them, so
// that no tab hides behind an overflow menu.
type fitTabs struct {
	tabs *container.AppTabs
	side bool // the tabs are down the side
}

// newFitTabs wraps tabs in a container that places them as fitTabs says.
func newFitTabs(tabs *container.AppTabs) *fyne.Container {
	return container.New(&fitTabs{tabs: tabs}, tabs)
}

// barWidth is the width the tab bar needs to show every tab along the top
// (bold labels with an inner padding either side, a padding between), and
// widest the width of the widest tab, which the bar down the side takes.
func (f *fitTabs) barWidth() (top, widest float32) {
	th := theme.CurrentForWidget(f.tabs)
	size, inner, pad := th.Size(theme.SizeNameText), th.Size(theme.SizeNameInnerPadding), th.Size(theme.SizeNamePadding)
	for i, it := range f.tabs.Items {
		if i > 0 {
			top += pad
		}
		w := fyne.MeasureText(it.Text, size, fyne.TextStyle{Bold: true}).Width + 2*inner
		top += w
		widest = max(widest, w)
	}
	return top, widest
}

func (f *fitTabs) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	top, _ := f.barWidth()
	side := top > size.Width
	if side != f.side {
		f.side = side
		loc := container.TabLocationTop
		if side {
			loc = container.TabLocationLeading
		}
		f.tabs.SetTabLocation(loc)
	}
	f.tabs.Move(fyne.NewPos(0, 0))
	f.tabs.Resize(size)
}

// MinSize is the tabs' down the side: narrow windows are fine.
func (f *fitTabs) MinSize([]fyne.CanvasObject) fyne.Size {
	m := f.tabs.MinSize()
	if f.side {
		return m
	}
	_, widest := f.barWidth()
	content := float32(0)
	for _, it := range f.tabs.Items {
		content = max(content, it.Content.MinSize().Width)
	}
	return fyne.NewSize(min(m.Width, widest+theme.CurrentForWidget(f.tabs).Size(theme.SizeNamePadding)+content), m.Height)
}

// flowGrid lays cells out in up to cols equal columns, fewer when the width
// does not fit that many cells side by side, down to one.
type flowGrid struct {
	cols int
	used int // columns at the last layout
}

// newFlowGrid is a grid of up to cols columns that narrows as the window
// does.
func newFlowGrid(cols int, cells ...fyne.CanvasObject) *fyne.Container {
	return container.New(&flowGrid{cols: cols, used: cols}, cells...)
}

func (g *flowGrid) cell(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		if o.Visible() {
			s = s.Max(o.MinSize())
		}
	}
	return s
}

func (g *flowGrid) rows(objs []fyne.CanvasObject, cols int) int {
	n := 0
	for _, o := range objs {
		if o.Visible() {
			n++
		}
	}
	return (n + cols - 1) / cols
}

func (g *flowGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	cell := g.cell(objs)
	cols := g.cols
	for cols > 1 && float32(cols)*cell.Width+float32(cols-1)*pad > size.Width {
		cols--
	}
	g.used = cols
	w := (size.Width - float32(cols-1)*pad) / float32(cols)
	i := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(w+pad), float32(r)*(cell.Height+pad)))
		o.Resize(fyne.NewSize(w, cell.Height))
		i++
	}
}

// MinSize is one cell wide (the grid narrows to one column) and as tall as
// the rows the last layout needed.
func (g *flowGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	cell := g.cell(objs)
	rows := g.rows(objs, max(1, g.used))
	if rows == 0 {
		return fyne.Size{}
	}
	return fyne.NewSize(cell.Width, float32(rows)*cell.Height+float32(rows-1)*theme.Padding())
}
