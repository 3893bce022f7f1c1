package editor

import (
	"sort"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// column is the scrolled content: the live paragraph entries stacked at
// their paragraphs' positions, over a backdrop.
type column struct {
	widget.BaseWidget
	ed *Editor
}

func (c *column) CreateRenderer() fyne.WidgetRenderer {
	return &columnRenderer{c.ed}
}

type columnRenderer struct{ e *Editor }

func (r *columnRenderer) Destroy() {}

func (r *columnRenderer) Layout(size fyne.Size) {
	if size.Width != r.e.width {
		r.e.setWidth(size.Width)
	}
	r.e.place()
}

func (r *columnRenderer) MinSize() fyne.Size {
	return fyne.NewSize(0, r.e.total)
}

func (r *columnRenderer) Objects() []fyne.CanvasObject {
	return r.e.objects
}

func (r *columnRenderer) Refresh() {
	r.e.place()
}

// place binds entries to the paragraphs in view (plus the focused one),
// releases the rest, and positions them.
func (e *Editor) place() {
	if e.placing || e.width <= 0 {
		return
	}
	e.placing = true
	defer func() { e.placing = false }()

	a, b := e.inView()
	var pinned *para
	if f := e.focused; f != nil && f.para != nil && f.para.idx >= 0 && (f.para.idx < a || f.para.idx >= b) {
		pinned = f.para
	}
	// Wrap paragraphs coming into view exactly, keeping the paragraph at
	// the top of the view still while estimates above it are corrected.
	for range 8 {
		top, delta := e.viewAnchor()
		first := -1
		for i := a; i < b; i++ {
			if p := e.paras[i]; p.stale && e.rewrap(p, true) && first < 0 {
				first = i
			}
		}
		if pinned != nil && pinned.stale && e.rewrap(pinned, true) && (first < 0 || pinned.idx < first) {
			first = pinned.idx
		}
		if first < 0 {
			break
		}
		if e.positions(first) {
			e.resizeContent()
		}
		if top >= 0 && e.scroll.Offset.Y > 0 {
			y := fyne.Max(0, fyne.Min(e.paras[top].y+delta, e.total-e.scroll.Size().Height))
			e.scroll.ScrollToOffset(fyne.NewPos(0, y))
		}
		a, b = e.inView()
	}
	if pinned != nil && pinned.idx >= a && pinned.idx < b {
		pinned = nil
	}

	keep := func(p *para) bool {
		return p != nil && p.idx >= 0 && (p.idx >= a && p.idx < b || p == pinned)
	}
	for _, ent := range e.live {
		if !keep(ent.para) || ent.para.ent != ent {
			e.release(ent)
		}
	}
	live := make([]*paraEntry, 0, b-a+1)
	if pinned != nil && pinned.idx < a {
		live = append(live, pinned.ent)
	}
	for _, p := range e.paras[a:b] {
		if p.ent == nil {
			e.bind(e.acquire(), p)
		}
		live = append(live, p.ent)
	}
	if pinned != nil && pinned.idx >= b {
		live = append(live, pinned.ent)
	}
	e.live = live
	e.layoutLive()
}

// inView returns the range of paragraphs in or near the view.
func (e *Editor) inView() (int, int) {
	overscan := 4 * e.metrics().lineH
	top := e.scroll.Offset.Y - overscan
	bottom := e.scroll.Offset.Y + e.scroll.Size().Height + overscan
	a := sort.Search(len(e.paras), func(i int) bool {
		p := e.paras[i]
		return p.y+p.h > top
	})
	b := a
	for b < len(e.paras) && e.paras[b].y < bottom {
		b++
	}
	return a, b
}

// ensureEntry makes sure paragraph p has a live entry even when out of view.
func (e *Editor) ensureEntry(p *para) {
	if p.ent != nil || p.idx < 0 {
		return
	}
	e.exact(p)
	e.bind(e.acquire(), p)
	i := sort.Search(len(e.live), func(i int) bool { return e.live[i].para.idx > p.idx })
	e.live = append(e.live, nil)
	copy(e.live[i+1:], e.live[i:])
	e.live[i] = p.ent
	e.layoutLive()
}

// layoutLive positions the live entries and publishes the column's objects.
func (e *Editor) layoutLive() {
	size := fyne.NewSize(e.width, fyne.Max(e.total, e.scroll.Size().Height))
	e.under.Resize(size)
	sel := e.paintSelection()
	objs := make([]fyne.CanvasObject, 0, len(e.live)+len(sel)+1)
	objs = append(objs, e.under)
	objs = append(objs, sel...)
	for _, ent := range e.live {
		p := ent.para
		ent.Move(fyne.NewPos(0, p.y))
		ent.Resize(fyne.NewSize(e.width, p.h))
		objs = append(objs, ent)
	}
	objs = append(objs, e.paintCarets()...)
	if !sameObjects(objs, e.objects) {
		e.objects = objs
		canvas.Refresh(e.col)
	}
}

func sameObjects(a, b []fyne.CanvasObject) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (e *Editor) acquire() *paraEntry {
	if n := len(e.pool); n > 0 {
		ent := e.pool[n-1]
		e.pool = e.pool[:n-1]
		return ent
	}
	return newParaEntry(e)
}

func (e *Editor) bind(ent *paraEntry, p *para) {
	ent.para = p
	p.ent = ent
	if ent.Disabled() != e.disabled {
		if e.disabled {
			ent.Disable()
		} else {
			ent.Enable()
		}
	}
	ph := ""
	if p.idx == 0 && len(e.paras) == 1 {
		ph = e.placeholder
	}
	if ent.PlaceHolder != ph {
		ent.SetPlaceHolder(ph)
	}
	e.syncing++
	ent.SetText(entryText([]rune(p.text), p.rows))
	e.syncing--
	col := 0
	if p == e.curPara {
		col = min(e.curCol, p.n)
	}
	e.placeCursor(ent, col, col)
}

// release unbinds an entry, remembering the cursor column if it held it.
// The focused entry is dropped rather than pooled, as it must lose focus.
func (e *Editor) release(ent *paraEntry) {
	if p := ent.para; p != nil {
		if p == e.curPara && p.idx >= 0 {
			e.curCol = toPara(p.rows, ent.CursorTextOffset())
		}
		if p.ent == ent {
			p.ent = nil
		}
		ent.para = nil
	}
	if ent != e.focused && len(e.pool) < poolSize {
		e.pool = append(e.pool, ent)
	}
}

// backdrop lies under the entries: a tap below the text puts the cursor at
// its end, and focus arriving by keyboard goes to the cursor's paragraph.
type backdrop struct {
	widget.BaseWidget
	ed *Editor
}

func (b *backdrop) CreateRenderer() fyne.WidgetRenderer { return emptyRenderer{} }

func (b *backdrop) Tapped(*fyne.PointEvent) {
	end := b.ed.length()
	b.ed.setCursor(end, end, true, true)
}

func (b *backdrop) FocusGained() { b.ed.FocusEditor() }

func (b *backdrop) FocusLost() {}

func (b *backdrop) TypedRune(rune) {}

func (b *backdrop) TypedKey(*fyne.KeyEvent) {}

type emptyRenderer struct{}

func (emptyRenderer) Destroy()                     {}
func (emptyRenderer) Layout(fyne.Size)             {}
func (emptyRenderer) MinSize() fyne.Size           { return fyne.Size{} }
func (emptyRenderer) Objects() []fyne.CanvasObject { return nil }
func (emptyRenderer) Refresh()                     {}
