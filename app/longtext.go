package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/coplan/coplan/app/editor"

	"github.com/coplan/coplan/doc/textdiff"
)

// newLongText makes the editor for long fields.
func newLongText() longText { return newEditorText() }

// editorText adapts the paragraph editor, which stays fast on 2,000-word
// fields where a wrapped Entry re-lays out everything per keystroke.
type editorText struct{ *editor.Editor }

func newEditorText() *editorText {
	e := editor.New()
	e.SetMinRowsVisible(6)
	return &editorText{e}
}

func (t *editorText) object() fyne.CanvasObject { return t.Editor }

func (t *editorText) setOnSplice(f func(pos, del int, ins string)) { t.OnSplice = f }

func (t *editorText) focus(fyne.Canvas) { t.FocusEditor() }

// entryText is a wrapped multi-line Entry speaking the longText contract:
// each change is reported as the splice between the old and new text.
type entryText struct {
	entry    *widget.Entry
	prev     string
	quiet    bool
	onSplice func(pos, del int, ins string)
}

func newEntryText() *entryText {
	t := &entryText{entry: widget.NewMultiLineEntry()}
	t.entry.Wrapping = fyne.TextWrapWord
	t.entry.OnChanged = t.changed
	return t
}

func (t *entryText) changed(s string) {
	if t.quiet {
		return
	}
	sp := textdiff.Span(t.prev, s)
	t.prev = s
	if (sp.Del > 0 || sp.Ins != "") && t.onSplice != nil {
		t.onSplice(sp.Pos, sp.Del, sp.Ins)
	}
}

func (t *entryText) SetText(s string) {
	t.quiet = true
	t.entry.SetText(s)
	t.quiet = false
	t.prev = s
}

func (t *entryText) Text() string { return t.entry.Text }

func (t *entryText) Reconcile(s string) {
	setEntryKeepCursor(t.entry, s, &t.quiet)
	t.prev = s
}

func (t *entryText) CursorOffset() int { return entryOffset(t.entry) }

func (t *entryText) setOnSplice(f func(pos, del int, ins string)) { t.onSplice = f }

func (t *entryText) focus(c fyne.Canvas) { c.Focus(t.entry) }

func (t *entryText) object() fyne.CanvasObject { return t.entry }

func (t *entryText) ApplySplice(pos, del int, ins string) {
	r := []rune(t.entry.Text)
	pos = min(max(pos, 0), len(r))
	del = min(max(del, 0), len(r)-pos)
	t.Reconcile(string(r[:pos]) + ins + string(r[pos+del:]))
}
