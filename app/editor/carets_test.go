package editor

import (
	"image/color"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// caretMarks are the carets painted in the editor's column.
func (h *harness) caretMarks() []*caretMark {
	var out []*caretMark
	for _, o := range h.e.objects {
		if m, ok := o.(*caretMark); ok {
			out = append(out, m)
		}
	}
	return out
}

// A colleague's caret is painted at its offset, follows the text through
// local and remote edits, moves when set again, and shows the name only
// while the pointer is over it.
func TestCarets(t *testing.T) {
	h := newHarness(t, "First paragraph here.\nSecond one, a little longer.", fyne.NewSize(400, 300))
	red := color.NRGBA{R: 200, A: 255}
	h.e.SetCarets([]Caret{{Name: "Ana", Color: red, Offset: 28}})
	marks := h.caretMarks()
	if len(marks) != 1 {
		t.Fatalf("%d carets painted, want 1", len(marks))
	}
	p0, ok := h.e.CaretPosition(0)
	if !ok {
		t.Fatal("the caret is not shown")
	}
	if p0.Y <= 10 {
		t.Errorf("caret at y %v: not on the second paragraph", p0.Y)
	}

	steps := []struct {
		name string
		do   func()
		want int
	}{
		{"typed before it", func() { h.focusAt(0); h.typ("Hi ") }, 31},
		{"typed after it", func() { h.focusAt(35); h.typ("xx") }, 31},
		{"colleague's splice before it", func() { h.e.ApplySplice(25, 0, "ABCD") }, 35},
		{"colleague's splice deleting around it", func() { h.e.ApplySplice(30, 10, "") }, 30},
		{"set again", func() { h.e.SetCarets([]Caret{{Name: "Ana", Color: red, Offset: 3}}) }, 3},
		{"clamped", func() { h.e.SetCarets([]Caret{{Name: "Ana", Color: red, Offset: 1 << 20}}) }, -1}, // the end
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before, _ := h.e.CaretPosition(0)
			st.do()
			want := st.want
			if want < 0 {
				want = len([]rune(h.e.Text()))
			}
			if got := h.e.Carets()[0].Offset; got != want {
				t.Errorf("caret at %d, want %d (text %q)", got, want, h.e.Text())
			}
			after, ok := h.e.CaretPosition(0)
			if !ok {
				t.Fatal("caret not shown")
			}
			// Typing in the other paragraph leaves it where it is drawn.
			if !strings.HasPrefix(st.name, "typed") && after == before {
				t.Errorf("caret drawn at %v still", after)
			}
		})
	}

	m := h.caretMarks()[0]
	if m.hover || len(m.CreateRenderer().Objects()) != 2 {
		t.Fatal("the name shows without hovering")
	}
	m.MouseIn(&desktop.MouseEvent{})
	r := m.CreateRenderer()
	if !m.hover || !slices.ContainsFunc(r.Objects(), func(o fyne.CanvasObject) bool { return o == m.label }) || m.label.Text != "Ana" {
		t.Error("hovering does not show the name")
	}
	m.MouseOut()
	if m.hover {
		t.Error("the name stays after the pointer left")
	}
	h.e.SetCarets(nil)
	if len(h.caretMarks()) != 0 {
		t.Error("carets remain after SetCarets(nil)")
	}
}
