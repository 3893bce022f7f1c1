// Package editor provides Editor, a word-wrapping plain-text widget for long
// free-text fields that are merged with colleagues' edits.
//
// Fyne's multi-line Entry re-wraps its whole text on every keystroke, which
// is too slow for a 2,000-word field. Editor keeps one Entry per paragraph
// (text between '\n'), creates entries only for the paragraphs in view,
// and wraps paragraphs itself, re-wrapping only the rows around an edit
// (see wrapper). Local edits are reported as splices on the whole text with
// positions in runes; remote splices are applied without moving the
// user's cursor or selection off the text around them.
//
// Like every Fyne widget, Editor must only be used on the UI goroutine:
// callers on other goroutines go through fyne.Do.
package editor

import (
	"image/color"
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var (
	_ fyne.Widget      = (*Editor)(nil)
	_ fyne.Disableable = (*Editor)(nil)
)

// Editor is a multi-line, word-wrapping plain-text editor for one text field.
type Editor struct {
	widget.BaseWidget

	// OnSplice is called after each local edit with the splice it made to
	// the whole text: delete del runes at rune offset pos, then insert.
	OnSplice func(pos, del int, insert string)
	// OnChanged, if set, is called with the whole text after any change
	// (local edits, ApplySplice, Reconcile and SetText).
	OnChanged func(text string)
	// OnFocusLost is called when the keyboard focus leaves the editor (not
	// when it moves between paragraphs).
	OnFocusLost func()

	paras       []*para
	placeholder string
	disabled    bool
	minRows     int
	maxRows     int

	m     metrics
	width float32 // column width the paragraphs are wrapped at; 0 before layout
	total float32 // column height

	col     *column
	scroll  *container.Scroll
	under   *backdrop
	live    []*paraEntry // entries in the column, in paragraph order
	objects []fyne.CanvasObject
	pool    []*paraEntry
	frame   *editorRenderer

	focused *paraEntry // entry with keyboard focus, if any
	curPara *para      // paragraph holding the cursor, focused or not
	curCol  int        // cursor column in curPara while it has no entry

	hist history

	// The editor's own selection (see selection.go): from selAnchor to
	// the cursor while selOn.
	selOn     bool
	selAnchor int
	selCursor int // the cursor when the selection was last set
	selRects  []*canvas.Rectangle
	shift     bool // a shift key is down, whichever entry had the focus
	pressAt   int  // where the primary button went down, for a drag

	carets []*caretMark // colleagues' cursors (carets.go)

	syncing   int // >0 while the editor itself sets an entry's text
	switching int // >0 while focus moves between the editor's own entries
	placing   bool
}

// para is one paragraph of the text and its layout.
type para struct {
	text string
	n    int    // length in runes
	rows []span // visual rows at the editor's width
	// stale: rows and h are an estimate; paragraphs are wrapped exactly
	// when they come into view, as measuring text is slow.
	stale bool
	y, h  float32
	idx   int // index in Editor.paras; -1 once removed
	ent   *paraEntry
}

func (p *para) setText(s string) {
	p.text = s
	p.n = utf8.RuneCountInString(s)
}

type metrics struct {
	ok       bool
	textSize float32
	lineH    float32
	charW    float32
	avgW     float32 // average rune width of prose, for estimates
	innerPad float32
	border   float32
	measure  func([]rune) float32
}

const poolSize = 8

// New returns an empty editor.
func New() *Editor {
	e := &Editor{minRows: 3, maxRows: 12}
	e.paras = []*para{{}}
	e.curPara = e.paras[0]
	e.col = &column{ed: e}
	e.col.ExtendBaseWidget(e.col)
	e.under = &backdrop{ed: e}
	e.under.ExtendBaseWidget(e.under)
	e.scroll = container.NewVScroll(e.col)
	e.scroll.OnScrolled = func(fyne.Position) { e.place() }
	e.ExtendBaseWidget(e)
	return e
}

// SetText replaces the whole text without reporting a splice; use it to load
// the field. The cursor keeps its offset, clamped to the new text, and the
// undo history is cleared.
func (e *Editor) SetText(s string) {
	old := e.Text()
	cur := e.CursorOffset()
	hadFocus := e.focused != nil
	for _, p := range e.paras {
		p.idx = -1
	}
	parts := strings.Split(s, "\n")
	e.paras = make([]*para, len(parts))
	for i, t := range parts {
		p := &para{idx: i}
		p.setText(t)
		e.estimate(p)
		e.paras[i] = p
	}
	e.curPara = e.paras[0]
	e.curCol = 0
	e.hist.clear()
	e.relayout(0)
	e.setCursor(cur, cur, hadFocus, false)
	if s != old {
		e.changed()
	}
}

// Text returns the whole text.
func (e *Editor) Text() string {
	var b strings.Builder
	for i, p := range e.paras {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.text)
	}
	return b.String()
}

// ApplySplice applies a colleague's splice (rune positions, clamped to the
// text) without calling OnSplice. The cursor and selection stay on the text
// around them: a splice before the cursor shifts it, one after leaves it.
func (e *Editor) ApplySplice(pos, del int, insert string) {
	total := e.length()
	pos = max(0, min(pos, total))
	del = max(0, min(del, total-pos))
	if del == 0 && insert == "" {
		return
	}
	n := utf8.RuneCountInString(insert)
	cur, anc := e.cursorAndAnchor()
	hadFocus := e.focused != nil && e.focused.para != nil
	e.splice(pos, del, insert)
	e.moveCarets(pos, del, n)
	e.hist.remote(pos, del, n)
	e.setCursor(shift(cur, pos, del, n), shift(anc, pos, del, n), hadFocus, false)
	e.changed()
}

// splice changes the text and its layout, keeping the view on the
// paragraph at its top. It leaves the cursor to the caller.
func (e *Editor) splice(pos, del int, insert string) {
	viewIdx, viewDelta := e.viewAnchor()
	si, sc := e.locate(pos)
	ti, tc := e.locate(pos + del)
	merged := string([]rune(e.paras[si].text)[:sc]) + insert + string([]rune(e.paras[ti].text)[tc:])
	parts := strings.Split(merged, "\n")
	e.replaceParas(si, ti, parts)

	switch {
	case viewIdx > ti:
		viewIdx += len(parts) - (ti - si + 1)
	case viewIdx > si:
		viewIdx, viewDelta = si, 0
	}
	e.relayout(si)
	if viewIdx >= 0 && viewIdx < len(e.paras) && e.scroll.Offset.Y > 0 {
		e.scrollTo(e.paras[viewIdx].y + viewDelta)
	}
}

// Reconcile replaces the text with newText through one splice (the common
// prefix and suffix are kept), as ApplySplice does, for callers that only
// know the merged whole text.
func (e *Editor) Reconcile(newText string) {
	pos, del, ins := diffRunes(e.Text(), newText)
	if del == 0 && ins == "" {
		return
	}
	e.ApplySplice(pos, del, ins)
}

// CursorOffset returns the cursor's rune offset in the whole text.
func (e *Editor) CursorOffset() int {
	p := e.curPara
	if p == nil || p.idx < 0 {
		return 0
	}
	col := e.curCol
	if p.ent != nil {
		col = toPara(p.rows, p.ent.CursorTextOffset())
	}
	return e.offsetOf(p.idx) + max(0, min(col, p.n))
}

// SetCursorOffset moves the cursor to a rune offset in the whole text,
// clearing any selection. If the editor has focus, focus follows the cursor.
func (e *Editor) SetCursorOffset(off int) {
	e.setCursor(off, off, e.focused != nil, true)
}

// FocusEditor gives the keyboard focus to the paragraph holding the
// cursor, keeping the selection.
func (e *Editor) FocusEditor() {
	c, a := e.cursorAndAnchor()
	e.setCursor(c, a, true, true)
}

// Undo reverts the user's last edit (a word, a paste, a line break...),
// reporting it through OnSplice like any local edit. Edits a colleague's
// splice overlapped cannot be undone.
func (e *Editor) Undo() {
	e.undo()
}

// Redo applies again what Undo reverted, until the next edit.
func (e *Editor) Redo() {
	e.redo()
}

// SetPlaceHolder sets the text shown while the editor is empty.
func (e *Editor) SetPlaceHolder(s string) {
	e.placeholder = s
	e.syncPlaceholders()
}

// SetMinRowsVisible sets how many lines the editor's minimum size shows.
func (e *Editor) SetMinRowsVisible(n int) {
	e.minRows = max(1, n)
	e.maxRows = max(e.maxRows, e.minRows)
	e.Refresh()
}

// SetMaxRowsVisible sets how many lines the editor may grow to before it
// scrolls; its minimum size follows the text between the two limits.
func (e *Editor) SetMaxRowsVisible(n int) {
	e.maxRows = max(n, e.minRows)
	e.Refresh()
}

// Disable stops editing; the text can still be selected and copied.
func (e *Editor) Disable() {
	e.setDisabled(true)
}

// Enable allows editing again.
func (e *Editor) Enable() {
	e.setDisabled(false)
}

// Disabled reports whether the editor is disabled.
func (e *Editor) Disabled() bool {
	return e.disabled
}

// Refresh re-reads the theme and redraws the editor. Containers refresh
// their children often, so the text is only re-wrapped if the theme's
// sizes changed.
func (e *Editor) Refresh() {
	old := e.m
	e.m.ok = false
	if m := e.metrics(); old.ok && (m.lineH != old.lineH || m.avgW != old.avgW ||
		m.innerPad != old.innerPad || m.border != old.border) {
		w := e.width
		e.width = -1
		e.setWidth(w)
	}
	for _, ent := range e.live {
		ent.Refresh()
	}
	e.BaseWidget.Refresh()
}

// CreateRenderer is a private method to Fyne which links this widget to its renderer.
func (e *Editor) CreateRenderer() fyne.WidgetRenderer {
	e.ExtendBaseWidget(e)
	r := &editorRenderer{
		e:      e,
		bg:     canvas.NewRectangle(color.Transparent),
		border: canvas.NewRectangle(color.Transparent),
	}
	r.objects = []fyne.CanvasObject{r.bg, r.border, e.scroll}
	e.frame = r
	r.Refresh()
	return r
}

func (e *Editor) setDisabled(d bool) {
	if e.disabled == d {
		return
	}
	e.disabled = d
	for _, ent := range e.live {
		if d {
			ent.Disable()
		} else {
			ent.Enable()
		}
	}
	if e.frame != nil {
		e.frame.Refresh()
	}
}

// metrics returns the theme sizes used for wrapping and layout.
func (e *Editor) metrics() *metrics {
	if !e.m.ok {
		th := e.Theme()
		m := &e.m
		m.textSize = th.Size(theme.SizeNameText)
		m.innerPad = th.Size(theme.SizeNameInnerPadding)
		m.border = th.Size(theme.SizeNameInputBorder)
		ch := fyne.MeasureText("M", m.textSize, fyne.TextStyle{})
		m.lineH, m.charW = ch.Height, ch.Width
		const sample = "Commitments are published with milestones, dates and a lead agency. "
		m.avgW = fyne.MeasureText(sample, m.textSize, fyne.TextStyle{}).Width / float32(len(sample))
		m.measure = textMeasurer(m.textSize, fyne.TextStyle{})
		m.ok = true
	}
	return &e.m
}

// wrapWidth is the width rows must fit in: an entry's text area is its
// width less 2 inner paddings plus 2 input borders (its text inset).
func (e *Editor) wrapWidth() float32 {
	if e.width <= 0 {
		return -1
	}
	m := e.metrics()
	return e.width - 2*m.innerPad + 2*m.border
}

// wrapper returns the word wrapper for the current width.
func (e *Editor) wrapper() *wrapper {
	m := e.metrics()
	w := e.wrapWidth()
	return &wrapper{maxWidth: w, perRow: max(4, int(w/m.avgW)), measure: m.measure}
}

// rewrap wraps a paragraph and reports whether its height changed. Its
// entry, if any, is updated; keep says to keep the entry's cursor on the
// same text, which needs the paragraph's text unchanged since it was shown.
func (e *Editor) rewrap(p *para, keep bool) bool {
	old := p.rows
	p.rows = e.wrapper().all([]rune(p.text))
	p.stale = false
	if keep {
		e.resync(p, old)
	} else {
		e.syncEntry(p)
	}
	return e.setHeight(p, len(p.rows))
}

// resync shows a re-wrapped paragraph in its entry, keeping the cursor and
// selection on the same text. old are the rows the entry shows.
func (e *Editor) resync(p *para, old []span) {
	ent := p.ent
	if ent == nil || old == nil {
		return
	}
	cur := toPara(old, ent.CursorTextOffset())
	anchor := cur
	if from, to, c, ok := ent.selection(); ok {
		anchor = toPara(old, from)
		if c == from {
			anchor = toPara(old, to)
		}
	}
	e.syncEntry(p)
	e.placeCursor(ent, cur, anchor)
}

// estimate gives a paragraph an estimated height without measuring it.
// Its rows stay as they were (they match what its entry shows) until it
// is wrapped again.
func (e *Editor) estimate(p *para) {
	m := e.metrics()
	rows := 1
	if w := e.wrapWidth(); w > 0 {
		perRow := max(1, int(w/m.avgW)-4) // a row loses part of a word at its end
		rows = max(1, (p.n+perRow-1)/perRow)
	}
	if p.rows == nil {
		p.rows = []span{{0, p.n}}
	}
	p.stale = true
	e.setHeight(p, rows)
}

func (e *Editor) setHeight(p *para, rows int) bool {
	m := e.metrics()
	h := float32(rows)*m.lineH + 2*m.innerPad
	changed := h != p.h
	p.h = h
	return changed
}

// exact makes sure p's rows are exact, moving the paragraphs after it if
// its height changes.
func (e *Editor) exact(p *para) {
	if p.stale && e.rewrap(p, true) && p.idx >= 0 {
		e.relayout(p.idx)
	}
}

// setWidth re-wraps for a new column width, keeping the paragraph at the
// top of the view there.
func (e *Editor) setWidth(w float32) {
	if w == e.width {
		return
	}
	top, delta := e.viewAnchor()
	var frac float32
	if top >= 0 {
		frac = delta / e.paras[top].h
	}
	e.width = w
	for _, p := range e.paras {
		e.estimate(p)
	}
	if e.positions(0) {
		e.resizeContent()
	}
	if top >= 0 && e.scroll.Offset.Y > 0 {
		p := e.paras[top]
		e.scrollTo(p.y + frac*p.h)
	} else {
		e.place()
	}
}

// relayout recomputes paragraph positions from index i on and lays out
// the view.
func (e *Editor) relayout(i int) {
	if e.positions(i) {
		e.resizeContent()
	}
	e.place()
}

// positions recomputes paragraph positions from index i on and reports
// whether the total height changed. Entries overlap by one inner padding
// so that paragraphs are spaced like the lines of one text.
func (e *Editor) positions(i int) bool {
	m := e.metrics()
	y := float32(0)
	if i > 0 {
		prev := e.paras[i-1]
		y = prev.y + prev.h - m.innerPad
	}
	for ; i < len(e.paras); i++ {
		p := e.paras[i]
		p.idx = i
		p.y = y
		y += p.h - m.innerPad
	}
	total := y + m.innerPad
	if total == e.total {
		return false
	}
	e.total = total
	return true
}

// resizeContent fits the column and the scroll bars to the text height.
func (e *Editor) resizeContent() {
	if e.width > 0 {
		e.col.Resize(fyne.NewSize(e.width, fyne.Max(e.total, e.scroll.Size().Height)))
		e.scroll.Refresh()
	}
}

// replaceParas replaces paragraphs si..ti with parts, reusing paragraph si
// (and so its entry) for the first part.
func (e *Editor) replaceParas(si, ti int, parts []string) {
	first := e.paras[si]
	for _, p := range e.paras[si+1 : ti+1] {
		p.idx = -1
		if p == e.curPara {
			e.curPara = first
		}
	}
	out := make([]*para, 0, len(e.paras)-(ti-si)+len(parts)-1)
	out = append(out, e.paras[:si]...)
	out = append(out, first)
	for _, t := range parts[1:] {
		p := &para{}
		p.setText(t)
		out = append(out, p)
	}
	out = append(out, e.paras[ti+1:]...)
	e.paras = out
	first.setText(parts[0])
	e.rewrap(first, false)
	for i := si + 1; i < len(e.paras); i++ {
		e.paras[i].idx = i
		if i < si+len(parts) {
			e.estimate(e.paras[i]) // wrapped when in view
		}
	}
	e.syncPlaceholders()
}

// syncEntry copies a paragraph's text into its entry, if it has one.
func (e *Editor) syncEntry(p *para) {
	if p.ent == nil {
		return
	}
	if t := entryText([]rune(p.text), p.rows); p.ent.Text != t {
		e.syncing++
		p.ent.SetText(t)
		e.syncing--
	}
}

func (e *Editor) syncPlaceholders() {
	for _, ent := range e.live {
		want := ""
		if ent.para != nil && ent.para.idx == 0 && len(e.paras) == 1 {
			want = e.placeholder
		}
		if ent.PlaceHolder != want {
			ent.SetPlaceHolder(want)
		}
	}
}

func (e *Editor) length() int {
	n := len(e.paras) - 1
	for _, p := range e.paras {
		n += p.n
	}
	return n
}

// offsetOf returns the rune offset of paragraph i in the whole text.
func (e *Editor) offsetOf(i int) int {
	off := 0
	for _, p := range e.paras[:i] {
		off += p.n + 1
	}
	return off
}

// locate returns the paragraph holding a rune offset and the column in it.
func (e *Editor) locate(off int) (int, int) {
	for i, p := range e.paras {
		if off <= p.n {
			return i, max(off, 0)
		}
		off -= p.n + 1
	}
	last := len(e.paras) - 1
	return last, e.paras[last].n
}

// cursorAndAnchor returns the cursor and selection anchor as rune offsets in
// the whole text (equal when nothing is selected).
func (e *Editor) cursorAndAnchor() (int, int) {
	cur := e.CursorOffset()
	if e.selOn {
		return cur, max(0, min(e.selAnchor, e.length()))
	}
	p := e.curPara
	if p == nil || p.ent == nil || p.idx < 0 {
		return cur, cur
	}
	from, to, c, ok := p.ent.selection()
	if !ok {
		return cur, cur
	}
	anchor := from
	if c == from {
		anchor = to
	}
	return cur, e.offsetOf(p.idx) + toPara(p.rows, anchor)
}

// setCursor moves the cursor and the selection anchor to rune offsets.
// An anchor in the cursor's paragraph is the entry's own; one in another
// paragraph, or any while the editor already holds the selection, is the
// editor's. With focus the cursor's paragraph gets the keyboard focus;
// with reveal the view scrolls to it.
func (e *Editor) setCursor(cur, anc int, focus, reveal bool) {
	total := e.length()
	cur = max(0, min(cur, total))
	anc = max(0, min(anc, total))
	i, col := e.locate(cur)
	ai, ac := e.locate(anc)
	if wasOwn := e.selOn; wasOwn || ai != i {
		e.selOn = anc != cur
		defer e.layoutLive() // paints the selection, or takes it away
		if e.selOn {
			e.dropEntrySelections()
		}
	}
	e.selAnchor, e.selCursor = anc, cur
	p := e.paras[i]
	e.curPara, e.curCol = p, col
	e.exact(p)
	if reveal {
		row, _, _ := toEntry(p.rows, col)
		e.reveal(p, row)
	}
	if focus {
		e.ensureEntry(p)
	}
	ent := p.ent
	if ent == nil {
		return
	}
	acol := col
	if ai == i && !e.selOn {
		acol = ac
	}
	if focus && e.focused != ent {
		e.focusEntry(ent)
		if ent.para != p { // focus callbacks must not rebind it; be safe
			return
		}
	}
	e.placeCursor(ent, col, acol)
}

// dropEntrySelections ends the entries' own selections, keeping their
// cursors, when the editor takes the selection over.
func (e *Editor) dropEntrySelections() {
	for _, ent := range e.live {
		if ent.para != nil && ent.SelectedText() != "" {
			c := toPara(ent.para.rows, ent.CursorTextOffset())
			e.placeCursor(ent, c, c)
		}
	}
}

// placeCursor sets an entry's cursor and selection anchor (paragraph
// columns). The entry keeps its selection state private, so it is reset
// and the anchor set through the public key handling it uses for keyboard
// selection. (After SetText it can be selecting an empty range whose
// anchor would come back on the next cursor move.)
func (e *Editor) placeCursor(ent *paraEntry, col, acol int) {
	rows := ent.para.rows
	if !ent.Disabled() {
		shift := &fyne.KeyEvent{Name: desktopShift}
		ent.Entry.KeyUp(shift)
		ent.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyHome}) // ends any selection
		if acol != col {
			var a int
			ent.CursorRow, ent.CursorColumn, a = toEntry(rows, acol)
			ent.Entry.KeyDown(shift) // the anchor
			// A shifted arrow that cannot move starts the selection.
			pivot, key := 0, fyne.KeyName(fyne.KeyLeft)
			if a == 0 {
				pivot, key = ent.para.n, fyne.KeyRight
			}
			ent.CursorRow, ent.CursorColumn, _ = toEntry(rows, pivot)
			ent.Entry.TypedKey(&fyne.KeyEvent{Name: key})
			ent.Entry.KeyUp(shift)
		}
		if ent.shift {
			ent.Entry.KeyDown(shift)
		}
	}
	ent.CursorRow, ent.CursorColumn, _ = toEntry(rows, col)
	ent.Refresh()
}

func (e *Editor) focusEntry(ent *paraEntry) {
	c := fyne.CurrentApp().Driver().CanvasForObject(e)
	if c == nil {
		return
	}
	e.switching++
	c.Focus(ent)
	e.switching--
}

// reveal scrolls so that row of paragraph p is in view.
func (e *Editor) reveal(p *para, row int) {
	m := e.metrics()
	vh := e.scroll.Size().Height
	if vh <= 0 {
		return
	}
	top := p.y + m.innerPad + float32(row)*m.lineH
	bottom := top + m.lineH
	off := e.scroll.Offset.Y
	switch {
	case top-m.innerPad < off:
		e.scrollTo(top - m.innerPad)
	case bottom+m.innerPad > off+vh:
		e.scrollTo(bottom + m.innerPad - vh)
	}
}

func (e *Editor) scrollTo(y float32) {
	y = fyne.Max(0, fyne.Min(y, e.total-e.scroll.Size().Height))
	if y != e.scroll.Offset.Y {
		e.scroll.ScrollToOffset(fyne.NewPos(0, y))
	}
	e.place()
}

// viewAnchor returns the first paragraph in view and how far into it the
// view starts.
func (e *Editor) viewAnchor() (int, float32) {
	off := e.scroll.Offset.Y
	for i, p := range e.paras {
		if p.y+p.h > off {
			return i, off - p.y
		}
	}
	return -1, 0
}

func (e *Editor) changed() {
	if e.OnChanged != nil {
		e.OnChanged(e.Text())
	}
}

// emit records and reports a local edit that replaced deleted at pos.
func (e *Editor) emit(pos int, deleted []rune, ins string) {
	e.hist.record(pos, slices.Clone(deleted), []rune(ins))
	e.moveCarets(pos, len(deleted), utf8.RuneCountInString(ins))
	if e.OnSplice != nil {
		e.OnSplice(pos, len(deleted), ins)
	}
	e.changed()
}

// refreshFrame redraws the border if the editor gained or lost focus.
func (e *Editor) refreshFrame() {
	if r := e.frame; r != nil && r.focused != (e.focused != nil) {
		r.Refresh()
	}
}

type editorRenderer struct {
	e          *Editor
	bg, border *canvas.Rectangle
	objects    []fyne.CanvasObject
	focused    bool // the border shows focus
}

func (r *editorRenderer) Destroy() {}

func (r *editorRenderer) Layout(size fyne.Size) {
	e := r.e
	b := e.metrics().border
	r.border.Resize(fyne.NewSize(size.Width-b-.5, size.Height-b-.5))
	r.border.Move(fyne.NewSquareOffsetPos(b / 2))
	r.bg.Resize(size.Subtract(fyne.NewSquareSize(b * 2)))
	r.bg.Move(fyne.NewSquareOffsetPos(b))
	inner := size.Subtract(fyne.NewSquareSize(b * 2))
	e.setWidth(inner.Width)
	e.scroll.Move(fyne.NewSquareOffsetPos(b))
	e.scroll.Resize(inner)
	e.resizeContent()
	e.place()
}

// MinSize shows between minRows and maxRows lines, following the text.
func (r *editorRenderer) MinSize() fyne.Size {
	m := r.e.metrics()
	lines := func(n int) float32 { return float32(n)*m.lineH + 2*m.innerPad }
	h := fyne.Min(fyne.Max(r.e.total, lines(r.e.minRows)), lines(r.e.maxRows))
	return fyne.NewSize(m.charW+4*m.innerPad, h).Add(fyne.NewSquareSize(2 * m.border))
}

func (r *editorRenderer) Objects() []fyne.CanvasObject {
	return r.objects
}

func (r *editorRenderer) Refresh() {
	e := r.e
	th := e.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.bg.FillColor = th.Color(theme.ColorNameInputBackground, v)
	r.bg.CornerRadius = th.Size(theme.SizeNameInputRadius)
	r.border.CornerRadius = r.bg.CornerRadius
	r.border.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	r.focused = e.focused != nil
	switch {
	case e.disabled:
		r.border.StrokeColor = th.Color(theme.ColorNameDisabled, v)
	case e.focused != nil:
		r.border.StrokeColor = th.Color(theme.ColorNamePrimary, v)
	default:
		r.border.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
	}
	r.bg.Refresh()
	r.border.Refresh()
}
