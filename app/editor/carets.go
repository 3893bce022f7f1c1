package editor

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Caret is a colleague's cursor, painted in the text in the colleague's
// colour; hovering it shows the name.
type Caret struct {
	Name   string
	Color  color.Color
	Offset int // rune offset in the whole text
}

// SetCarets shows colleagues' carets, replacing those shown. Offsets are
// clamped to the text; edits (local or remote) then carry each caret
// along with the text around it until the next SetCarets.
func (e *Editor) SetCarets(cs []Caret) {
	for len(e.carets) < len(cs) {
		m := &caretMark{ed: e, bar: canvas.NewRectangle(color.Black), flag: canvas.NewRectangle(color.Black),
			tag: canvas.NewRectangle(color.Black), label: canvas.NewText("", color.White)}
		m.ExtendBaseWidget(m)
		e.carets = append(e.carets, m)
	}
	e.carets = e.carets[:len(cs)]
	total := e.length()
	for i, c := range cs {
		c.Offset = max(0, min(c.Offset, total))
		e.carets[i].set(c)
	}
	if e.width > 0 {
		e.layoutLive()
	}
}

// Carets returns the colleagues' carets as they are now, offsets moved by
// the edits since SetCarets.
func (e *Editor) Carets() []Caret {
	out := make([]Caret, len(e.carets))
	for i, m := range e.carets {
		out[i] = m.c
	}
	return out
}

// CaretPosition is where the caret of index i is drawn in the editor's
// scrolled column, and whether it is (its paragraph is in view).
func (e *Editor) CaretPosition(i int) (fyne.Position, bool) {
	if i < 0 || i >= len(e.carets) || !e.carets[i].shown {
		return fyne.Position{}, false
	}
	return e.carets[i].Position(), true
}

// moveCarets carries the carets over a splice made to the text and
// redraws them.
func (e *Editor) moveCarets(pos, del, ins int) {
	if len(e.carets) == 0 {
		return
	}
	for _, m := range e.carets {
		m.c.Offset = shift(m.c.Offset, pos, del, ins)
	}
	if e.width > 0 {
		e.layoutLive()
	}
}

// paintCarets places the carets whose paragraphs are live; it returns
// them.
func (e *Editor) paintCarets() []fyne.CanvasObject {
	if len(e.carets) == 0 {
		return nil
	}
	m := e.metrics()
	var out []fyne.CanvasObject
	for _, c := range e.carets {
		c.shown = false
		i, col := e.locate(c.c.Offset)
		p := e.paras[i]
		if p.ent == nil || len(p.rows) == 0 {
			continue
		}
		row, rcol, _ := toEntry(p.rows, col)
		r := p.rows[row]
		x := m.innerPad + m.measure([]rune(p.text)[r.begin:r.begin+rcol])
		y := p.y + m.innerPad + float32(row)*m.lineH
		c.Move(fyne.NewPos(x-caretHit/2, y))
		c.Resize(fyne.NewSize(caretHit, m.lineH))
		c.shown = true
		out = append(out, c)
	}
	return out
}

// caretHit is the width of the area hovering shows a caret's name in.
const caretHit = 8

// caretMark draws one colleague's caret: a bar with a small flag on top,
// and the name beside it while the pointer is over it.
type caretMark struct {
	widget.BaseWidget
	ed             *Editor
	c              Caret
	bar, flag, tag *canvas.Rectangle
	label          *canvas.Text
	hover, shown   bool
}

var _ desktop.Hoverable = (*caretMark)(nil)

func (m *caretMark) set(c Caret) {
	m.c = c
	m.label.Text = c.Name
	m.bar.FillColor, m.flag.FillColor, m.tag.FillColor = c.Color, c.Color, c.Color
	m.Refresh()
}

// Name is the name the caret shows on hover (tests read it).
func (m *caretMark) Name() string { return m.c.Name }

// MouseIn shows the name.
func (m *caretMark) MouseIn(*desktop.MouseEvent) { m.hover = true; m.Refresh() }

// MouseMoved is part of desktop.Hoverable.
func (m *caretMark) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the name.
func (m *caretMark) MouseOut() { m.hover = false; m.Refresh() }

// Hovered says whether the name shows.
func (m *caretMark) Hovered() bool { return m.hover }

func (m *caretMark) CreateRenderer() fyne.WidgetRenderer { return &caretRenderer{m} }

type caretRenderer struct{ m *caretMark }

func (r *caretRenderer) Destroy() {}

func (r *caretRenderer) Layout(size fyne.Size) {
	m := r.m
	m.bar.Move(fyne.NewPos(size.Width/2-1, 0))
	m.bar.Resize(fyne.NewSize(2, size.Height))
	m.flag.Move(fyne.NewPos(size.Width/2-1, -2))
	m.flag.Resize(fyne.NewSize(5, 4))
	m.label.TextSize = theme.CaptionTextSize()
	ts := m.label.MinSize()
	pad := float32(3)
	// Below the line: above the first line it would be cut off.
	m.tag.Move(fyne.NewPos(size.Width/2+1, size.Height))
	m.tag.Resize(fyne.NewSize(ts.Width+2*pad, ts.Height))
	m.tag.CornerRadius = 3
	m.label.Move(fyne.NewPos(size.Width/2+1+pad, size.Height))
}

func (r *caretRenderer) MinSize() fyne.Size { return fyne.NewSize(caretHit, 1) }

func (r *caretRenderer) Objects() []fyne.CanvasObject {
	if r.m.hover {
		return []fyne.CanvasObject{r.m.bar, r.m.flag, r.m.tag, r.m.label}
	}
	return []fyne.CanvasObject{r.m.bar, r.m.flag}
}

func (r *caretRenderer) Refresh() {
	r.Layout(r.m.Size())
	for _, o := range r.Objects() {
		o.Refresh()
	}
}
