package editor

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
)

// The editor's own selection. A selection inside one paragraph is the
// entry's, as typed; one that spans paragraphs (shift+arrows or shift+click
// across a paragraph break, a drag onto another paragraph, Select All) or
// that code set (SetSelection, for find) is held by the editor: from
// selAnchor to the cursor, painted under the entries, which show none of
// their own meanwhile. An entry only paints its selection while it has the
// focus, and a find bar must show its match while it has the focus itself.

// Selection returns the selected range as rune offsets, from <= to; they
// are equal when nothing is selected.
func (e *Editor) Selection() (from, to int) {
	cur, anc := e.cursorAndAnchor()
	return min(cur, anc), max(cur, anc)
}

// SelectedText returns the selected text, "" when nothing is selected.
func (e *Editor) SelectedText() string {
	from, to := e.Selection()
	if from == to {
		return ""
	}
	return string([]rune(e.Text())[from:to])
}

// SetSelection selects from anchor to cursor (rune offsets, clamped) and
// scrolls the cursor into view; the keyboard focus stays where it is. The
// selection shows even while the editor does not have the focus.
func (e *Editor) SetSelection(anchor, cursor int) {
	e.selectRange(cursor, anchor, true, e.focused != nil, true)
}

// SelectAll selects the whole text.
func (e *Editor) SelectAll() {
	e.selectRange(e.length(), 0, true, e.focused != nil, false)
}

// HasFocus reports whether one of the editor's paragraphs has the keyboard
// focus.
func (e *Editor) HasFocus() bool { return e.focused != nil }

// selectRange puts the cursor at cur and the anchor at anc; with own the
// editor holds the selection even within one paragraph.
func (e *Editor) selectRange(cur, anc int, own, focus, reveal bool) {
	if own && cur != anc {
		e.selOn = true
	}
	e.setCursor(cur, anc, focus, reveal)
}

// replaceSel replaces the editor's own selection with ins as a local edit.
func (e *Editor) replaceSel(ins string) {
	cur, anc := e.cursorAndAnchor()
	lo, hi := min(cur, anc), max(cur, anc)
	deleted := []rune(e.Text())[lo:hi]
	e.selOn = false
	e.splice(lo, hi-lo, ins)
	c := lo + utf8.RuneCountInString(ins)
	e.setCursor(c, c, true, true)
	if hi > lo || ins != "" {
		e.emit(lo, deleted, ins)
	}
}

// moveFrom returns where a cursor key takes the cursor from rune offset
// off across the whole text: arrows step over paragraph breaks, Home and
// End go to the ends of the visual row.
func (e *Editor) moveFrom(off int, key fyne.KeyName) int {
	total := e.length()
	off = max(0, min(off, total))
	switch key {
	case fyne.KeyLeft:
		return max(0, off-1)
	case fyne.KeyRight:
		return min(total, off+1)
	}
	i, col := e.locate(off)
	p := e.paras[i]
	e.exact(p)
	row, rcol, _ := toEntry(p.rows, col)
	r := p.rows[row]
	base := e.offsetOf(i)
	switch key {
	case fyne.KeyHome:
		return base + r.begin
	case fyne.KeyEnd:
		return base + r.end
	case fyne.KeyUp, fyne.KeyDown, fyne.KeyPageUp, fyne.KeyPageDown:
		m := e.metrics()
		x := m.measure([]rune(p.text)[r.begin : r.begin+rcol])
		steps := 1
		if key == fyne.KeyPageUp || key == fyne.KeyPageDown {
			steps = max(1, int(e.scroll.Size().Height/m.lineH)-1)
		}
		dir := 1
		if key == fyne.KeyUp || key == fyne.KeyPageUp {
			dir = -1
		}
		for range steps {
			row += dir
			if row < 0 || row >= len(p.rows) {
				if i+dir < 0 || i+dir >= len(e.paras) {
					if dir < 0 {
						return 0
					}
					return total
				}
				i += dir
				p = e.paras[i]
				e.exact(p)
				row = 0
				if dir < 0 {
					row = len(p.rows) - 1
				}
			}
		}
		tr := p.rows[row]
		return e.offsetOf(i) + tr.begin + colAtX([]rune(p.text)[tr.begin:tr.end], x, m.measure)
	}
	return off
}

// crossesParagraph reports whether a shifted cursor key in ent leaves its
// paragraph, which the entry cannot select across.
func (e *Editor) crossesParagraph(ent *paraEntry, key fyne.KeyName) bool {
	p := ent.para
	i, last := p.idx, len(e.paras)-1
	off := toPara(p.rows, ent.CursorTextOffset())
	switch key {
	case fyne.KeyLeft:
		return off == 0 && i > 0
	case fyne.KeyRight:
		return off == p.n && i < last
	case fyne.KeyUp, fyne.KeyPageUp:
		return ent.CursorRow == 0 && i > 0
	case fyne.KeyDown, fyne.KeyPageDown:
		return ent.CursorRow >= len(p.rows)-1 && i < last
	}
	return false
}

// ownSelKey handles a key while the editor holds the selection.
func (e *Editor) ownSelKey(k *fyne.KeyEvent) {
	cur, anc := e.cursorAndAnchor()
	lo, hi := min(cur, anc), max(cur, anc)
	switch k.Name {
	case fyne.KeyBackspace, fyne.KeyDelete:
		if !e.disabled {
			e.replaceSel("")
		}
		return
	case fyne.KeyReturn, fyne.KeyEnter:
		if !e.disabled {
			e.replaceSel("\n")
		}
		return
	case fyne.KeyLeft, fyne.KeyRight, fyne.KeyUp, fyne.KeyDown, fyne.KeyHome, fyne.KeyEnd, fyne.KeyPageUp, fyne.KeyPageDown:
		if e.shift {
			e.setCursor(e.moveFrom(cur, k.Name), anc, true, true)
			return
		}
		c := e.moveFrom(cur, k.Name)
		switch k.Name {
		case fyne.KeyLeft:
			c = lo
		case fyne.KeyRight:
			c = hi
		}
		e.setCursor(c, c, true, true)
		return
	}
	e.setCursor(cur, cur, true, false)
	if ent := e.focused; ent != nil && ent.para != nil {
		ent.Entry.TypedKey(k)
	}
}

// ownSelShortcut handles clipboard and selection shortcuts while the
// editor holds the selection; it reports false for the rest.
func (e *Editor) ownSelShortcut(s fyne.Shortcut) bool {
	switch sc := s.(type) {
	case *fyne.ShortcutCopy:
		if sc.Clipboard != nil {
			sc.Clipboard.SetContent(e.SelectedText())
		}
	case *fyne.ShortcutCut:
		if sc.Clipboard != nil {
			sc.Clipboard.SetContent(e.SelectedText())
		}
		if !e.disabled {
			e.replaceSel("")
		}
	case *fyne.ShortcutPaste:
		if sc.Clipboard != nil && !e.disabled {
			e.replaceSel(normalizeNewlines(sc.Clipboard.Content()))
		}
	default:
		return false
	}
	return true
}

// jumpShortcut handles Ctrl+Home and Ctrl+End (with Shift: selecting).
func (e *Editor) jumpShortcut(s fyne.Shortcut) bool {
	sc, ok := s.(interface {
		Key() fyne.KeyName
		Mod() fyne.KeyModifier
	})
	if !ok || sc.Mod()&^fyne.KeyModifierShift != fyne.KeyModifierShortcutDefault {
		return false
	}
	to := 0
	switch sc.Key() {
	case fyne.KeyHome:
	case fyne.KeyEnd:
		to = e.length()
	default:
		return false
	}
	anc := to
	if sc.Mod()&fyne.KeyModifierShift != 0 {
		_, anc = e.cursorAndAnchor()
	}
	e.setCursor(to, anc, true, true)
	return true
}

func normalizeNewlines(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// offsetAt returns the rune offset nearest to a point in the column.
func (e *Editor) offsetAt(pos fyne.Position) int {
	m := e.metrics()
	i := 0
	for i+1 < len(e.paras) && e.paras[i+1].y <= pos.Y {
		i++
	}
	p := e.paras[i]
	e.exact(p)
	row := int((pos.Y - p.y - m.innerPad) / m.lineH)
	if pos.Y < p.y+m.innerPad {
		row = 0
	}
	row = max(0, min(row, len(p.rows)-1))
	r := p.rows[row]
	col := r.begin + colAtX([]rune(p.text)[r.begin:r.end], pos.X-m.innerPad, m.measure)
	return e.offsetOf(i) + col
}

// paintSelection lays the rectangles of the editor's own selection over
// the live paragraphs' rows; it returns them, nil when there is none.
func (e *Editor) paintSelection() []fyne.CanvasObject {
	if !e.selOn {
		e.selRects = e.selRects[:0]
		return nil
	}
	lo, hi := min(e.selCursor, e.selAnchor), max(e.selCursor, e.selAnchor)
	m := e.metrics()
	col := e.Theme().Color(theme.ColorNameSelection, fyne.CurrentApp().Settings().ThemeVariant())
	var out []fyne.CanvasObject
	n := 0
	for _, ent := range e.live {
		p := ent.para
		start := e.offsetOf(p.idx)
		if start > hi || start+p.n < lo {
			continue
		}
		runes := []rune(p.text)
		for ri, r := range p.rows {
			a := max(lo-start, r.begin)
			b := min(hi-start, r.end)
			// The selection goes on past the row's end: over the break.
			more := hi-start > r.end && (ri < len(p.rows)-1 || p.idx < len(e.paras)-1)
			if a > b || a == b && !more {
				continue
			}
			x1 := m.innerPad + m.measure(runes[r.begin:a])
			x2 := m.innerPad + m.measure(runes[r.begin:b])
			if more {
				x2 += m.charW / 2
			}
			if n == len(e.selRects) {
				e.selRects = append(e.selRects, canvas.NewRectangle(col))
			}
			rect := e.selRects[n]
			n++
			rect.FillColor = col
			rect.Move(fyne.NewPos(x1-1, p.y+m.innerPad+float32(ri)*m.lineH))
			rect.Resize(fyne.NewSize(x2-x1+1, m.lineH))
			rect.Refresh()
			out = append(out, rect)
		}
	}
	e.selRects = e.selRects[:n]
	return out
}
