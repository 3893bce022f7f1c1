package editor

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
)

var shiftDown = &fyne.KeyEvent{Name: desktop.KeyShiftLeft}

// shifted presses keys with shift held, each to whatever paragraph has
// the focus then, as a keyboard does.
func (h *harness) shifted(keys ...fyne.KeyName) {
	h.t.Helper()
	h.focused().KeyDown(shiftDown)
	for _, k := range keys {
		h.focused().TypedKey(&fyne.KeyEvent{Name: k})
	}
	h.focused().KeyUp(shiftDown)
}

func (h *harness) wantSelection(from, to int) {
	h.t.Helper()
	if f, t := h.e.Selection(); f != from || t != to {
		h.t.Fatalf("selection %d..%d (%q), want %d..%d (%q)", f, t, h.e.SelectedText(), from, to, string(h.model[from:to]))
	}
}

// paintedRects counts the selection rectangles the editor lays under its
// entries.
func (h *harness) paintedRects() int {
	n := 0
	for _, o := range h.e.objects {
		if _, ok := o.(*canvas.Rectangle); ok && o.Visible() {
			n++
		}
	}
	return n
}

func TestShiftArrowsSelectAcrossParagraphs(t *testing.T) {
	const text = "first line\nsecond\n\nfourth para"
	for _, tc := range []struct {
		name     string
		at       int
		keys     []fyne.KeyName
		from, to int
	}{
		{"right over a break", 8, []fyne.KeyName{fyne.KeyRight, fyne.KeyRight, fyne.KeyRight, fyne.KeyRight}, 8, 12},
		{"left over a break", 13, []fyne.KeyName{fyne.KeyLeft, fyne.KeyLeft, fyne.KeyLeft}, 10, 13},
		{"down two paragraphs", 3, []fyne.KeyName{fyne.KeyDown, fyne.KeyDown}, 3, 18},
		{"down then end", 3, []fyne.KeyName{fyne.KeyDown, fyne.KeyEnd}, 3, 17},
		{"up from the last", 22, []fyne.KeyName{fyne.KeyUp, fyne.KeyUp}, 11, 22}, // column 0 of the empty one above
		{"there and back", 9, []fyne.KeyName{fyne.KeyRight, fyne.KeyRight, fyne.KeyRight, fyne.KeyLeft, fyne.KeyLeft}, 9, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, text, wide)
			h.focusAt(tc.at)
			h.shifted(tc.keys...)
			h.wantSelection(tc.from, tc.to)
			h.check()
		})
	}
}

func TestCrossParagraphSelectionEdits(t *testing.T) {
	const text = "alpha beta\ngamma delta\nepsilon"
	select3 := func(t *testing.T) *harness {
		h := newHarness(t, text, wide)
		h.focusAt(6)                          // before "beta"
		h.shifted(fyne.KeyDown, fyne.KeyDown) // into "epsilon", column 6
		h.wantSelection(6, 29)
		if h.paintedRects() < 3 {
			t.Fatalf("%d selection rectangles painted, want one per row", h.paintedRects())
		}
		return h
	}
	t.Run("copy", func(t *testing.T) {
		h := select3(t)
		var cb clipboard
		h.shortcut(&fyne.ShortcutCopy{Clipboard: &cb})
		if cb.content != "beta\ngamma delta\nepsilo" {
			t.Errorf("copied %q", cb.content)
		}
		h.wantSelection(6, 29)
	})
	for _, key := range []fyne.KeyName{fyne.KeyDelete, fyne.KeyBackspace} {
		t.Run(string(key), func(t *testing.T) {
			h := select3(t)
			h.splices = nil
			h.key(key)
			h.check()
			if want := []splice{{6, 23, ""}}; len(h.splices) != 1 || h.splices[0] != want[0] {
				t.Fatalf("splices %v, want %v", h.splices, want)
			}
			if h.e.Text() != "alpha n" || h.e.CursorOffset() != 6 || h.paintedRects() != 0 {
				t.Errorf("text %q cursor %d, %d rectangles", h.e.Text(), h.e.CursorOffset(), h.paintedRects())
			}
			h.shortcut(&fyne.ShortcutUndo{})
			h.check()
			if h.e.Text() != text {
				t.Errorf("undo gave %q", h.e.Text())
			}
		})
	}
	t.Run("cut", func(t *testing.T) {
		h := select3(t)
		var cb clipboard
		h.shortcut(&fyne.ShortcutCut{Clipboard: &cb})
		h.check()
		if cb.content != "beta\ngamma delta\nepsilo" || h.e.Text() != "alpha n" {
			t.Errorf("cut %q, left %q", cb.content, h.e.Text())
		}
	})
	t.Run("type over", func(t *testing.T) {
		h := select3(t)
		h.typ("Z")
		h.check()
		if h.e.Text() != "alpha Zn" || h.e.CursorOffset() != 7 {
			t.Errorf("text %q cursor %d", h.e.Text(), h.e.CursorOffset())
		}
	})
	t.Run("paste over", func(t *testing.T) {
		h := select3(t)
		h.shortcut(&fyne.ShortcutPaste{Clipboard: &clipboard{"one\r\ntwo"}})
		h.check()
		if h.e.Text() != "alpha one\ntwon" || h.e.CursorOffset() != 13 {
			t.Errorf("text %q cursor %d", h.e.Text(), h.e.CursorOffset())
		}
	})
	t.Run("arrows collapse", func(t *testing.T) {
		h := select3(t)
		h.key(fyne.KeyLeft)
		h.wantSelection(6, 6)
		h = select3(t)
		h.key(fyne.KeyRight)
		h.wantSelection(29, 29)
		if h.paintedRects() != 0 {
			t.Errorf("%d rectangles left after the selection collapsed", h.paintedRects())
		}
		h.check()
	})
	t.Run("remote splice before it", func(t *testing.T) {
		h := select3(t)
		h.e.ApplySplice(0, 0, "Note: ")
		h.model = append([]rune("Note: "), h.model...)
		h.wantSelection(12, 35)
		h.check()
	})
}

func TestSelectAll(t *testing.T) {
	const text = "one\ntwo\n\nthree"
	h := newHarness(t, text, wide)
	h.focusAt(5)
	h.shortcut(&fyne.ShortcutSelectAll{})
	h.wantSelection(0, len(text))
	var cb clipboard
	h.shortcut(&fyne.ShortcutCopy{Clipboard: &cb})
	if cb.content != text {
		t.Errorf("copied %q", cb.content)
	}
	h.splices = nil
	h.key(fyne.KeyDelete)
	h.check()
	if h.e.Text() != "" || len(h.splices) != 1 || h.splices[0] != (splice{0, len(text), ""}) {
		t.Errorf("text %q, splices %v", h.e.Text(), h.splices)
	}
}

func TestCtrlHomeEnd(t *testing.T) {
	const text = "one\ntwo\nthree"
	ctrl := fyne.KeyModifierShortcutDefault
	h := newHarness(t, text, wide)
	h.focusAt(5)
	h.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEnd, Modifier: ctrl})
	h.wantSelection(len(text), len(text))
	h.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyHome, Modifier: ctrl})
	h.wantSelection(0, 0)
	h.focusAt(5)
	h.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyEnd, Modifier: ctrl | fyne.KeyModifierShift})
	h.wantSelection(5, len(text))
	h.shortcut(&desktop.CustomShortcut{KeyName: fyne.KeyHome, Modifier: ctrl | fyne.KeyModifierShift})
	h.wantSelection(0, 5)
	h.check()
}

// entryPoint is where a click lands on rune offset off, in the entry of
// its paragraph.
func (h *harness) entryPoint(off int) (*paraEntry, fyne.Position) {
	h.t.Helper()
	i, col := h.e.locate(off)
	p := h.e.paras[i]
	if p.ent == nil {
		h.t.Fatalf("paragraph %d has no entry", i)
	}
	m := h.e.metrics()
	row, rc, _ := toEntry(p.rows, col)
	r := p.rows[row]
	x := m.innerPad + m.measure([]rune(p.text)[r.begin:r.begin+rc])
	return p.ent, fyne.NewPos(x, m.innerPad+float32(row)*m.lineH+m.lineH/2)
}

func TestShiftClickAndDragAcrossParagraphs(t *testing.T) {
	const text = "alpha beta\ngamma delta\nepsilon"
	t.Run("shift click", func(t *testing.T) {
		h := newHarness(t, text, wide)
		h.focusAt(2)
		ent, at := h.entryPoint(26)
		ev := &desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: at}, Button: desktop.MouseButtonPrimary, Modifier: fyne.KeyModifierShift}
		ent.MouseDown(ev)
		ent.MouseUp(ev)
		h.wantSelection(2, 26)
		if h.focused() != ent {
			t.Error("the clicked paragraph does not have the focus")
		}
		// Another shift+click moves the end, keeping the anchor.
		ent, at = h.entryPoint(14)
		ev.Position = at
		ent.MouseDown(ev)
		h.wantSelection(2, 14)
		// A plain click ends the selection.
		ev.Modifier = 0
		ent.MouseDown(ev)
		h.wantSelection(14, 14)
		if h.paintedRects() != 0 {
			t.Errorf("%d rectangles after a plain click", h.paintedRects())
		}
		h.check()
	})
	t.Run("drag", func(t *testing.T) {
		h := newHarness(t, text, wide)
		ent, at := h.entryPoint(3)
		ent.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: at}, Button: desktop.MouseButtonPrimary})
		_, to := h.entryPoint(25)
		target := h.e.paras[2].ent
		to = to.Add(target.Position()).Subtract(ent.Position()) // drags report positions relative to where they began
		ent.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: to}, Dragged: fyne.NewDelta(0, 1)})
		ent.DragEnd()
		h.wantSelection(3, 25)
		var cb clipboard
		h.shortcut(&fyne.ShortcutCopy{Clipboard: &cb})
		if cb.content != "ha beta\ngamma delta\nep" {
			t.Errorf("copied %q", cb.content)
		}
		h.check()
	})
}

func TestSetSelectionShowsWithoutFocus(t *testing.T) {
	h := newHarness(t, "find the word here\nand here", wide)
	h.e.SetSelection(9, 13)
	h.wantSelection(9, 13)
	if h.paintedRects() != 1 {
		t.Errorf("%d rectangles painted for a selection set by code", h.paintedRects())
	}
	if h.e.HasFocus() {
		t.Error("SetSelection took the focus")
	}
	if h.e.SelectedText() != "word" {
		t.Errorf("selected %q", h.e.SelectedText())
	}
	h.check()
}
