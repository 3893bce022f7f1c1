package editor

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestSmoke(t *testing.T) {
	test.NewTempApp(t)
	e := New()
	e.SetText("hello world\nsecond paragraph that is quite a bit longer than the first one so it wraps around the narrow editor width\nthird")
	w := test.NewTempWindow(t, e)
	w.Resize(fyne.NewSize(300, 300))
	t.Logf("width=%v total=%v live=%d objs=%d", e.width, e.total, len(e.live), len(e.objects))
	for _, p := range e.paras {
		t.Logf("para %d y=%v h=%v rows=%v ent=%v", p.idx, p.y, p.h, p.rows, p.ent != nil)
	}
	var got []string
	e.OnSplice = func(pos, del int, ins string) { got = append(got, ins); t.Logf("splice %d %d %q", pos, del, ins) }
	e.SetCursorOffset(5)
	e.FocusEditor()
	t.Logf("focused=%v", w.Canvas().Focused() == e.focused)
	for _, r := range "XY" {
		w.Canvas().Focused().TypedRune(r)
	}
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	t.Logf("text=%q cursor=%d", e.Text(), e.CursorOffset())
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	t.Logf("text=%q cursor=%d", e.Text(), e.CursorOffset())
	e.ApplySplice(0, 0, "AAA")
	t.Logf("text=%q cursor=%d", e.Text(), e.CursorOffset())
	w.Canvas().Focused().TypedRune('Z')
	t.Logf("text=%q cursor=%d", e.Text(), e.CursorOffset())
	// check entry rows match ours
	for _, ent := range e.live {
		ent.CursorRow, ent.CursorColumn = 0, 0
		ent.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
		t.Logf("para %d entry lastRow=%d ours=%d off=%d n=%d", ent.para.idx, ent.CursorRow, len(ent.para.rows)-1, ent.CursorTextOffset(), ent.para.n)
	}
}
