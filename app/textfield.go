package app

import (
	"log/slog"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/doc"
	"github.com/coplan/coplan/doc/textdiff"
)

// longText is the multi-line editor used for long fields. Splices it reports
// are in code points, like the document's.
type longText interface {
	object() fyne.CanvasObject
	SetText(string)
	Text() string
	Reconcile(string)
	// ApplySplice applies a splice made elsewhere, keeping the cursor and
	// selection on the text around them.
	ApplySplice(pos, del int, ins string)
	CursorOffset() int
	// Selection is the selected range in code points (from <= to).
	Selection() (from, to int)
	SelectedText() string
	// SetSelection selects and shows a range; it shows while the focus is
	// elsewhere (on a find bar).
	SetSelection(anchor, cursor int)
	HasFocus() bool
	setOnSplice(func(pos, del int, ins string))
	// focus gives the editor the keyboard focus, at its cursor.
	focus(c fyne.Canvas)
}

// textBinding ties a long-text editor to a document text field: each edit
// goes in as a splice, and a merged remote edit is reconciled into the
// editor without moving the cursor.
type textBinding struct {
	plan  *doc.Plan
	ref   doc.TextRef
	ed    longText
	onErr func(error)
}

func bindLongText(p *doc.Plan, ref doc.TextRef, ed longText, onErr func(error), log *slog.Logger) *textBinding {
	b := &textBinding{plan: p, ref: ref, ed: ed, onErr: onErr}
	s, err := p.Text(ref)
	if err != nil {
		log.Warn("reading text field: shown empty", "field", ref, "err", err)
	}
	ed.SetText(s)
	ed.setOnSplice(b.splice)
	return b
}

func (b *textBinding) splice(pos, del int, ins string) {
	if err := b.plan.Splice(b.ref, pos, del, ins); err != nil {
		// The editor and document disagree: the document wins.
		b.reload()
		if b.onErr != nil {
			b.onErr(err)
		}
	}
}

// reload brings the editor up to the document's text.
func (b *textBinding) reload() {
	s, err := b.plan.Text(b.ref)
	if err != nil {
		return // the field was removed; the screen handles that
	}
	if s != b.ed.Text() {
		applyRemote(b.ed, s)
	}
}

// applyRemote brings an editor to text s through the smallest splices, so
// a cursor between a colleague's edits keeps its place.
func applyRemote(ed longText, s string) {
	for _, sp := range textdiff.Splices(ed.Text(), s) {
		ed.ApplySplice(sp.Pos, sp.Del, sp.Ins)
	}
	if ed.Text() != s { // never leave the editor out of step
		ed.Reconcile(s)
	}
}

// shortText binds a one-line Entry to a document text field (titles): each
// change goes in as the splice between the old and new line.
type shortText struct {
	plan   *doc.Plan
	ref    doc.TextRef
	entry  *widget.Entry
	quiet  bool
	onErr  func(error)
	onEdit func()
}

func bindShortText(p *doc.Plan, ref doc.TextRef, e *widget.Entry, onErr func(error)) *shortText {
	b := &shortText{plan: p, ref: ref, entry: e, onErr: onErr}
	s, _ := p.Text(ref)
	b.quiet = true
	e.SetText(s)
	b.quiet = false
	e.OnChanged = b.changed
	return b
}

func (b *shortText) changed(s string) {
	if b.quiet {
		return
	}
	if err := b.plan.SetText(b.ref, s); err != nil {
		if b.onErr != nil {
			b.onErr(err)
		}
		b.reload()
		return
	}
	if b.onEdit != nil {
		b.onEdit()
	}
}

func (b *shortText) reload() {
	s, err := b.plan.Text(b.ref)
	if err != nil || s == b.entry.Text {
		return
	}
	setEntryKeepCursor(b.entry, s, &b.quiet)
}

// setEntryKeepCursor replaces an Entry's text, keeping the cursor at the
// same place relative to the text around it.
func setEntryKeepCursor(e *widget.Entry, s string, quiet *bool) {
	off := entryOffset(e)
	for _, sp := range textdiff.Splices(e.Text, s) {
		off = shiftOffset(off, sp.Pos, sp.Del, len([]rune(sp.Ins)))
	}
	*quiet = true
	e.SetText(s)
	*quiet = false
	setEntryOffset(e, off)
}

// shiftOffset moves a cursor offset past a splice made elsewhere.
func shiftOffset(off, pos, del, ins int) int {
	switch {
	case off <= pos:
		return off
	case off >= pos+del:
		return off - del + ins
	default:
		return pos + ins
	}
}

func entryOffset(e *widget.Entry) int {
	rs := []rune(e.Text)
	row, col, off := 0, 0, 0
	for off < len(rs) && row < e.CursorRow {
		if rs[off] == '\n' {
			row++
		}
		off++
	}
	for off < len(rs) && col < e.CursorColumn && rs[off] != '\n' {
		off++
		col++
	}
	return off
}

func setEntryOffset(e *widget.Entry, off int) {
	rs := []rune(e.Text)
	row, col := 0, 0
	for i := 0; i < off && i < len(rs); i++ {
		if rs[i] == '\n' {
			row++
			col = 0
		} else {
			col++
		}
	}
	e.CursorRow, e.CursorColumn = row, col
	e.Refresh()
}

// longField is a long-text editor with a Markdown preview beside it.
type longField struct {
	title   string
	hint    string
	ed      longText
	b       *textBinding
	preview *widget.RichText
	tabs    *container.AppTabs
	blame   *blameView
	find    *findBar
	// onComment, when set, starts a comment on the selected passage.
	onComment func()
}

func newLongField(p *doc.Plan, ref doc.TextRef, title, hint string, onErr func(error), log *slog.Logger) *longField {
	f := &longField{title: title, hint: hint, ed: newLongText(), blame: newBlameView(p, ref, log)}
	f.b = bindLongText(p, ref, f.ed, onErr, log)
	return f
}

func (f *longField) buildUI() fyne.CanvasObject {
	f.preview = widget.NewRichTextFromMarkdown("")
	f.preview.Wrapping = fyne.TextWrapWord
	f.find = newFindBar(f.ed)
	f.tabs = container.NewAppTabs(
		container.NewTabItem("Write", container.NewBorder(f.find.box, nil, nil, nil, f.ed.object())),
		container.NewTabItem("Preview", container.NewVScroll(f.preview)),
		container.NewTabItem(blameTab, f.blame.buildUI()),
	)
	f.tabs.OnSelected = func(t *container.TabItem) {
		switch t.Text {
		case "Preview":
			f.renderPreview()
		case blameTab:
			f.blame.load()
		}
	}
	var top fyne.CanvasObject
	if f.hint != "" {
		h := widget.NewLabel(f.hint)
		h.Wrapping = fyne.TextWrapWord
		h.Importance = widget.LowImportance
		top = h
	}
	if f.onComment != nil {
		b := widget.NewButtonWithIcon("Comment on selection", theme.MailComposeIcon(), f.onComment)
		b.Importance = widget.LowImportance
		top = container.NewBorder(nil, nil, nil, container.NewVBox(b), top)
	}
	return container.NewBorder(top, nil, nil, nil, f.tabs)
}

// focused reports whether the text or its find bar has the focus.
func (f *longField) focused(c fyne.Canvas) bool {
	return f.ed.HasFocus() || f.find != nil && c.Focused() == f.find.entry
}

// showFind opens the find bar over the text.
func (f *longField) showFind(c fyne.Canvas) {
	if f.tabs != nil {
		f.tabs.SelectIndex(0)
	}
	f.find.show(c)
}

func (f *longField) renderPreview() {
	if f.preview == nil {
		return
	}
	f.preview.ParseMarkdown(f.ed.Text())
}

func (f *longField) refresh() {
	f.b.reload()
	if f.tabs != nil && f.tabs.Selected() != nil {
		switch f.tabs.Selected().Text {
		case "Preview":
			f.renderPreview()
		case blameTab:
			f.blame.load()
		}
	}
}
