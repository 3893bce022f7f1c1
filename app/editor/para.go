package editor

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/driver/mobile"
	"fyne.io/fyne/v2/widget"
)

const desktopShift = desktop.KeyShiftLeft

// paraEntry is the stock entry editing one paragraph, with its wrapping
// off: its text is the paragraph's rows joined by '\n' (see wrapper).
// Enter and multi-line pastes insert other line breaks, which the editor
// turns into new paragraphs as soon as the entry reports them.
type paraEntry struct {
	widget.Entry
	ed      *Editor
	para    *para
	shift   bool         // a shift key is down
	lastKey fyne.KeyName // the key being handled, "" while typing
}

func newParaEntry(e *Editor) *paraEntry {
	p := &paraEntry{ed: e}
	p.MultiLine = true
	p.Wrapping = fyne.TextWrapOff
	p.Scroll = container.ScrollNone
	p.ExtendBaseWidget(p)
	p.OnChanged = func(s string) { e.entryChanged(p, s) }
	p.OnCursorChanged = func() { e.entryCursorMoved(p) }
	return p
}

// CreateRenderer wraps the entry's renderer to leave out its own box and
// border, so that the paragraphs look like one text area.
func (p *paraEntry) CreateRenderer() fyne.WidgetRenderer {
	return &flatRenderer{WidgetRenderer: p.Entry.CreateRenderer()}
}

func (p *paraEntry) TypedRune(r rune) {
	p.lastKey = ""
	if e := p.ed; e.selOn && p.para != nil {
		if !e.disabled {
			e.replaceSel(string(r))
		}
		return
	}
	p.Entry.TypedRune(r)
}

func (p *paraEntry) TypedKey(k *fyne.KeyEvent) {
	e := p.ed
	p.lastKey = k.Name
	if p.para == nil || p.para.idx < 0 {
		p.Entry.TypedKey(k)
		return
	}
	if e.selOn {
		e.ownSelKey(k)
		return
	}
	if e.shift && !p.Disabled() {
		// Shift may have gone down while another paragraph had the focus.
		p.shift = true
		p.Entry.KeyDown(&fyne.KeyEvent{Name: desktopShift})
		if e.crossesParagraph(p, k.Name) {
			cur, anc := e.cursorAndAnchor()
			e.setCursor(e.moveFrom(cur, k.Name), anc, true, true)
			return
		}
	}
	if p.Disabled() || p.SelectedText() != "" {
		p.Entry.TypedKey(k)
		return
	}
	i, last := p.para.idx, len(e.paras)-1
	off := toPara(p.para.rows, p.CursorTextOffset())
	switch k.Name {
	case fyne.KeyUp:
		if !p.shift && p.CursorRow == 0 && i > 0 {
			e.moveVertical(p, -1)
			return
		}
	case fyne.KeyDown:
		if !p.shift && p.CursorRow >= len(p.para.rows)-1 && i < last {
			e.moveVertical(p, 1)
			return
		}
	case fyne.KeyLeft:
		if !p.shift && off == 0 && i > 0 {
			g := e.offsetOf(i) - 1
			e.setCursor(g, g, true, true)
			return
		}
	case fyne.KeyRight:
		if !p.shift && off == p.para.n && i < last {
			g := e.offsetOf(i) + p.para.n + 1
			e.setCursor(g, g, true, true)
			return
		}
	case fyne.KeyBackspace:
		if off == 0 && i > 0 {
			e.join(i - 1)
			return
		}
	case fyne.KeyDelete:
		if off == p.para.n && i < last {
			e.join(i)
			return
		}
	}
	p.Entry.TypedKey(k)
}

// TypedShortcut copies paragraph text rather than the entry's, whose row
// breaks are '\n', normalises pasted line endings, and undoes with the
// editor's history.
func (p *paraEntry) TypedShortcut(s fyne.Shortcut) {
	e := p.ed
	if p.para != nil && p.para.idx >= 0 {
		if e.jumpShortcut(s) || e.selOn && e.ownSelShortcut(s) {
			return
		}
	}
	switch sc := s.(type) {
	case *fyne.ShortcutSelectAll:
		e.SelectAll()
		return
	case *fyne.ShortcutUndo:
		p.ed.undo()
		return
	case *fyne.ShortcutRedo:
		p.ed.redo()
		return
	case *fyne.ShortcutCopy:
		if t, ok := p.selectedText(); ok && sc.Clipboard != nil {
			sc.Clipboard.SetContent(t)
		}
		return
	case *fyne.ShortcutCut:
		if t, ok := p.selectedText(); ok {
			if !p.Disabled() {
				p.Entry.TypedShortcut(&fyne.ShortcutCut{Clipboard: textClipboard("")})
			}
			if sc.Clipboard != nil {
				sc.Clipboard.SetContent(t)
			}
		}
		return
	case *fyne.ShortcutPaste:
		if sc.Clipboard != nil {
			if c := sc.Clipboard.Content(); strings.ContainsRune(c, '\r') {
				s = &fyne.ShortcutPaste{Clipboard: textClipboard(normalizeNewlines(c))}
			}
		}
	}
	p.Entry.TypedShortcut(s)
}

// selection returns the selection as [from, to) offsets in the entry's
// text and where the cursor is, or ok false if nothing is selected.
func (p *paraEntry) selection() (from, to, cursor int, ok bool) {
	sel := []rune(p.SelectedText())
	if len(sel) == 0 {
		return 0, 0, 0, false
	}
	c := p.CursorTextOffset()
	text := []rune(p.Text)
	n := len(sel)
	back := c >= n && c <= len(text) && string(text[c-n:c]) == string(sel)
	ahead := c+n <= len(text) && string(text[c:c+n]) == string(sel)
	if back && ahead && p.anchorAt(c-n) {
		ahead = false
	}
	if back && !ahead {
		return c - n, c, c, true
	}
	return c, c + n, c, true
}

// anchorAt reports whether the selection's anchor is at entry offset a,
// which the text alone cannot tell when it repeats around the cursor. The
// entry hides its anchor, but DragEnd ends a selection exactly when the
// cursor is on it; the selection is then put back.
func (p *paraEntry) anchorAt(a int) bool {
	if p.para == nil || p.Disabled() {
		return false
	}
	row, col := p.CursorRow, p.CursorColumn
	p.CursorRow, p.CursorColumn = entryRowCol(p.Text, a)
	p.Entry.DragEnd()
	at := p.SelectedText() == ""
	p.CursorRow, p.CursorColumn = row, col
	if at {
		rows := p.para.rows
		c := toPara(rows, entryOffset(p.Text, row, col))
		p.ed.placeCursor(p, c, toPara(rows, a))
	} else {
		p.Entry.DragEnd() // only copies the cursor back
	}
	return at
}

// selectedText returns the selected paragraph text.
func (p *paraEntry) selectedText() (string, bool) {
	from, to, _, ok := p.selection()
	if !ok || p.para == nil {
		return "", false
	}
	runes := []rune(p.para.text)
	return string(runes[toPara(p.para.rows, from):toPara(p.para.rows, to)]), true
}

func (p *paraEntry) KeyDown(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		p.shift = true
		p.ed.shift = true
	}
	p.Entry.KeyDown(k)
}

func (p *paraEntry) KeyUp(k *fyne.KeyEvent) {
	if k.Name == desktop.KeyShiftLeft || k.Name == desktop.KeyShiftRight {
		p.shift = false
		p.ed.shift = false
	}
	p.Entry.KeyUp(k)
}

// MouseDown, TouchDown and TappedSecondary move focus between the editor's
// own entries, which must not look like the editor losing focus. A
// shift+click on another paragraph (or while the editor holds the
// selection) selects from the anchor to the click.
func (p *paraEntry) MouseDown(m *desktop.MouseEvent) {
	e := p.ed
	e.switching++
	defer func() { e.switching-- }()
	if p.para == nil || p.para.idx < 0 {
		p.Entry.MouseDown(m)
		return
	}
	extend := m.Button == desktop.MouseButtonPrimary && m.Modifier&fyne.KeyModifierShift != 0 && (e.selOn || e.focused != p)
	_, anc := e.cursorAndAnchor()
	if e.selOn {
		cur := e.CursorOffset()
		e.setCursor(cur, cur, false, false)
	}
	plain := *m
	plain.Modifier &^= fyne.KeyModifierShift
	if extend {
		p.Entry.KeyUp(&fyne.KeyEvent{Name: desktopShift}) // the click only places the cursor
	}
	p.Entry.MouseDown(&plain)
	if p.para == nil || p.para.idx < 0 {
		return
	}
	click := e.offsetOf(p.para.idx) + toPara(p.para.rows, p.CursorTextOffset())
	e.curPara = p.para
	e.pressAt = click
	if extend {
		e.selectRange(click, anc, true, true, false)
	}
}

// Dragged selects as the entry does while the pointer stays on its
// paragraph, and across paragraphs once it leaves it.
func (p *paraEntry) Dragged(d *fyne.DragEvent) {
	e := p.ed
	if p.para == nil || p.para.idx < 0 {
		p.Entry.Dragged(d)
		return
	}
	if !e.selOn && d.Position.Y >= 0 && d.Position.Y < p.Size().Height {
		p.Entry.Dragged(d)
		return
	}
	to := e.offsetAt(d.Position.Add(p.Position()))
	e.selectRange(to, e.pressAt, true, true, true)
}

func (p *paraEntry) DragEnd() {
	if !p.ed.selOn {
		p.Entry.DragEnd()
	}
}

func (p *paraEntry) TouchDown(ev *mobile.TouchEvent) {
	p.ed.switching++
	defer func() { p.ed.switching-- }()
	p.Entry.TouchDown(ev)
}

func (p *paraEntry) TappedSecondary(ev *fyne.PointEvent) {
	p.ed.switching++
	defer func() { p.ed.switching-- }()
	p.Entry.TappedSecondary(ev)
}

// FocusGained and FocusLost update the editor before the entry, whose
// refresh reports cursor moves that the editor scrolls to.
func (p *paraEntry) FocusGained() {
	e := p.ed
	e.focused = p
	if p.para != nil && p.para.idx >= 0 {
		e.curPara = p.para
	}
	p.Entry.FocusGained()
	e.refreshFrame()
}

func (p *paraEntry) FocusLost() {
	e := p.ed
	if e.focused == p {
		e.focused = nil
	}
	p.shift = false
	p.Entry.FocusLost()
	if e.switching > 0 {
		return
	}
	e.shift = false
	e.refreshFrame()
	if e.OnFocusLost != nil {
		e.OnFocusLost()
	}
}

// entryChanged turns an entry's edit into a splice on the whole text,
// re-wraps the paragraph and splits it if the edit inserted line breaks.
func (e *Editor) entryChanged(ent *paraEntry, s string) {
	p := ent.para
	if e.syncing > 0 || p == nil || p.idx < 0 {
		return
	}
	runes := []rune(p.text)
	shown := entryText(runes, p.rows)
	if s == shown {
		return
	}
	epos, edel, ins := diffAround(shown, s, ent.CursorTextOffset())
	pos, end := toPara(p.rows, epos), toPara(p.rows, epos+edel)
	if pos == end && ins == "" {
		// Only the break where a long word was cut went: delete the rune
		// beside it, as the key meant.
		if ent.lastKey == fyne.KeyDelete {
			end = min(end+1, p.n)
		} else {
			pos = max(pos-1, 0)
		}
	}
	i := p.idx
	off := e.offsetOf(i)
	insLen := utf8.RuneCountInString(ins)
	text := string(runes[:pos]) + ins + string(runes[end:])
	if strings.ContainsRune(ins, '\n') {
		e.replaceParas(i, i, strings.Split(text, "\n"))
		e.relayout(i)
		g := off + pos + insLen
		e.setCursor(g, g, true, true)
	} else {
		newRunes := []rune(text)
		if p.stale { // wrapped at another width
			p.rows = e.wrapper().all(newRunes)
			p.stale = false
		} else {
			p.rows = e.wrapper().rewrap(newRunes, p.rows, pos, end-pos, insLen)
		}
		p.setText(text)
		if want := entryText(newRunes, p.rows); want != s {
			e.syncing++
			ent.SetText(want)
			e.syncing--
			ent.CursorRow, ent.CursorColumn, _ = toEntry(p.rows, pos+insLen)
		}
		if e.setHeight(p, len(p.rows)) {
			e.relayout(i)
		}
		e.curPara = p
	}
	if pos != end || ins != "" {
		e.emit(off+pos, runes[pos:end], ins)
	}
}

// join merges paragraph i+1 into paragraph i (Backspace at the start of
// i+1, Delete at the end of i).
func (e *Editor) join(i int) {
	a, b := e.paras[i], e.paras[i+1]
	at := e.offsetOf(i) + a.n
	e.replaceParas(i, i+1, []string{a.text + b.text})
	e.relayout(i)
	e.setCursor(at, at, true, true)
	e.emit(at, []rune{'\n'}, "")
}

// moveVertical moves the cursor from the first (dir -1) or last (dir 1)
// row of ent's paragraph to the nearest column of the adjacent paragraph's
// last or first row.
func (e *Editor) moveVertical(ent *paraEntry, dir int) {
	m := e.metrics()
	p := ent.para
	runes := []rune(p.text)
	r := p.rows[max(0, min(ent.CursorRow, len(p.rows)-1))]
	x := m.measure(runes[r.begin:min(r.begin+ent.CursorColumn, r.end)])

	t := e.paras[p.idx+dir]
	e.exact(t)
	tr := t.rows[0]
	if dir < 0 {
		tr = t.rows[len(t.rows)-1]
	}
	col := tr.begin + colAtX([]rune(t.text)[tr.begin:tr.end], x, m.measure)
	g := e.offsetOf(t.idx) + col
	e.setCursor(g, g, true, true)
}

// entryCursorMoved keeps the focused entry's cursor in view.
func (e *Editor) entryCursorMoved(ent *paraEntry) {
	if ent != e.focused || ent.para == nil || ent.para.idx < 0 || e.placing || e.syncing > 0 || e.switching > 0 {
		return
	}
	e.reveal(ent.para, ent.CursorRow)
}

// flatRenderer hides the entry's background and border rectangles.
type flatRenderer struct {
	fyne.WidgetRenderer
	in, out []fyne.CanvasObject
}

func (r *flatRenderer) Objects() []fyne.CanvasObject {
	objs := r.WidgetRenderer.Objects()
	if !sameObjects(objs, r.in) {
		r.in = append(r.in[:0], objs...)
		out := make([]fyne.CanvasObject, 0, len(objs))
		for _, o := range objs {
			if _, ok := o.(*canvas.Rectangle); !ok {
				out = append(out, o)
			}
		}
		r.out = out
	}
	return r.out
}

type textClipboard string

func (c textClipboard) Content() string { return string(c) }

func (c textClipboard) SetContent(string) {}
