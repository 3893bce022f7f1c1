package editor

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestWhichMeasures(t *testing.T) {
	test.NewTempApp(t)
	text := longText()
	e := New()
	e.SetText(text)
	w := test.NewTempWindow(t, e)
	w.Resize(fyne.NewSize(900, 700))
	m := e.metrics()
	orig := m.measure
	var log []int
	m.measure = func(r []rune) float32 { log = append(log, len(r)); return orig(r) }
	mid := len(e.paras) / 2
	e.FocusEditor()
	e.SetCursorOffset(e.offsetOf(mid) + 37)
	t.Log(e.paras[mid].rows)
	ent := e.focused
	log = nil
	ent.TypedRune('k')
	t.Log(log)
	t.Log(e.paras[mid].rows)
}
