package app

import (
	"fyne.io/fyne/v2"

	"github.com/coplan/coplan/app/editor"
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
