package editor

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"pgregory.net/rapid"
)

// TestEditorMatchesStringModel interleaves local typing and keys with
// remote splices and reconciles. Local edits are applied to a plain rune
// model through OnSplice, remote ones directly; the editor's text must
// always equal the model, its cursor must stay on the same text across
// remote edits, and focus must stay in the editor.
func TestEditorMatchesStringModel(t *testing.T) {
	test.NewTempApp(t)
	alphabet := []rune("ab é日\n")
	textGen := rapid.StringOfN(rapid.SampledFrom(alphabet), 0, 60, -1)
	rapid.Check(t, func(t *rapid.T) {
		initial := textGen.Draw(t, "initial")
		e := New()
		e.SetText(initial)
		w := test.NewWindow(e)
		defer w.Close()
		w.Resize(fyne.NewSize(rapid.Float32Range(80, 500).Draw(t, "width"), 200))
		model := []rune(initial)
		e.OnSplice = func(pos, del int, ins string) {
			if pos < 0 || del < 0 || pos+del > len(model) {
				t.Fatalf("splice (%d, %d, %q) outside %d runes", pos, del, ins, len(model))
			}
			model = slices.Concat(model[:pos], []rune(ins), model[pos+del:])
		}
		e.SetCursorOffset(rapid.IntRange(0, len(model)).Draw(t, "start"))
		e.FocusEditor()

		focused := func() *paraEntry {
			ent, ok := w.Canvas().Focused().(*paraEntry)
			if !ok || ent != e.focused {
				t.Fatalf("focus left the editor")
			}
			return ent
		}
		keys := []fyne.KeyName{fyne.KeyReturn, fyne.KeyBackspace, fyne.KeyDelete,
			fyne.KeyLeft, fyne.KeyRight, fyne.KeyUp, fyne.KeyDown, fyne.KeyHome, fyne.KeyEnd}

		shiftKey := &fyne.KeyEvent{Name: desktop.KeyShiftLeft}
		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for i := range steps {
			cur, anc := e.cursorAndAnchor()
			switch rapid.IntRange(0, 13).Draw(t, "action") {
			case 0: // type, replacing any selection
				r := rapid.SampledFrom([]rune("xy é日")).Draw(t, "rune")
				focused().TypedRune(r)
				if got := e.CursorOffset(); got != min(cur, anc)+1 {
					t.Fatalf("step %d: typed at %d, cursor now %d", i, cur, got)
				}
			case 1: // a key
				focused().TypedKey(&fyne.KeyEvent{Name: rapid.SampledFrom(keys).Draw(t, "key")})
			case 2: // move the cursor
				e.SetCursorOffset(rapid.IntRange(0, len(model)).Draw(t, "to"))
			case 3: // a colleague's splice
				pos := rapid.IntRange(0, len(model)).Draw(t, "pos")
				del := rapid.IntRange(0, min(len(model)-pos, 8)).Draw(t, "del")
				ins := rapid.StringOfN(rapid.SampledFrom(alphabet), 0, 8, -1).Draw(t, "ins")
				lo, hi := min(cur, anc), max(cur, anc)
				selected := string(model[lo:hi])
				e.ApplySplice(pos, del, ins)
				model = slices.Concat(model[:pos], []rune(ins), model[pos+del:])
				n := utf8.RuneCountInString(ins)
				gotCur, gotAnc := e.cursorAndAnchor()
				if gotCur != shift(cur, pos, del, n) {
					t.Fatalf("step %d: remote (%d, %d, %q) moved cursor %d to %d, want %d", i, pos, del, ins, cur, gotCur, shift(cur, pos, del, n))
				}
				if pos+del < lo || pos > hi { // clear of the selection: it stays
					if gotAnc != shift(anc, pos, del, n) || string(model[min(gotCur, gotAnc):max(gotCur, gotAnc)]) != selected {
						t.Fatalf("step %d: remote (%d, %d, %q) changed the selection %q (%d..%d) to %d..%d", i, pos, del, ins, selected, anc, cur, gotAnc, gotCur)
					}
				}
			case 4: // a merge known only as whole text
				pos := rapid.IntRange(0, len(model)).Draw(t, "rpos")
				del := rapid.IntRange(0, len(model)-pos).Draw(t, "rdel")
				ins := rapid.StringOfN(rapid.SampledFrom(alphabet), 0, 8, -1).Draw(t, "rins")
				next := slices.Concat(model[:pos], []rune(ins), model[pos+del:])
				dp, dd, di := diffRunes(string(model), string(next))
				e.Reconcile(string(next))
				model = next
				if got, want := e.CursorOffset(), shift(cur, dp, dd, utf8.RuneCountInString(di)); got != want {
					t.Fatalf("step %d: reconcile moved cursor %d to %d, want %d", i, cur, got, want)
				}
			case 5: // select with shift and arrows, across paragraphs too
				focused().KeyDown(shiftKey)
				key := rapid.SampledFrom([]fyne.KeyName{fyne.KeyLeft, fyne.KeyRight, fyne.KeyUp, fyne.KeyDown, fyne.KeyHome, fyne.KeyEnd}).Draw(t, "selkey")
				for range rapid.IntRange(1, 5).Draw(t, "selsteps") {
					focused().TypedKey(&fyne.KeyEvent{Name: key}) // the keyboard follows the focus
				}
				focused().KeyUp(shiftKey)
			case 6: // paste
				c := rapid.StringOfN(rapid.SampledFrom([]rune("pq \n\r")), 0, 8, -1).Draw(t, "paste")
				focused().TypedShortcut(&fyne.ShortcutPaste{Clipboard: &clipboard{c}})
			case 7: // cut
				var cb clipboard
				lo, hi := min(cur, anc), max(cur, anc)
				selected := string(model[lo:hi])
				focused().TypedShortcut(&fyne.ShortcutCut{Clipboard: &cb})
				if cb.content != selected {
					t.Fatalf("step %d: cut %q, selection was %q", i, cb.content, selected)
				}
			case 8:
				focused().TypedShortcut(&fyne.ShortcutUndo{})
			case 9:
				focused().TypedShortcut(&fyne.ShortcutRedo{})
			case 10: // select all
				focused().TypedShortcut(&fyne.ShortcutSelectAll{})
				if from, to := e.Selection(); from != 0 || to != len(model) {
					t.Fatalf("step %d: select all selected %d..%d of %d", i, from, to, len(model))
				}
			case 11: // shift+click somewhere in view
				to := rapid.IntRange(0, len(model)).Draw(t, "click")
				pi, col := e.locate(to)
				p := e.paras[pi]
				if p.ent == nil {
					break
				}
				row, rc, _ := toEntry(p.rows, col)
				r := p.rows[row]
				m := e.metrics()
				at := fyne.NewPos(m.innerPad+m.measure([]rune(p.text)[r.begin:r.begin+rc]), m.innerPad+float32(row)*m.lineH+m.lineH/2)
				ev := &desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: at}, Button: desktop.MouseButtonPrimary, Modifier: fyne.KeyModifierShift}
				p.ent.MouseDown(ev)
				p.ent.MouseUp(ev)
				if gotCur, gotAnc := e.cursorAndAnchor(); p.idx != e.curPara.idx || (pi != curParaIdx(e, cur) && gotAnc != anc) {
					t.Fatalf("step %d: shift+click on paragraph %d: cursor %d anchor %d, anchor was %d", i, pi, gotCur, gotAnc, anc)
				}
			case 12: // ctrl+shift+home or end
				k := rapid.SampledFrom([]fyne.KeyName{fyne.KeyHome, fyne.KeyEnd}).Draw(t, "jump")
				focused().TypedShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift})
				want := 0
				if k == fyne.KeyEnd {
					want = len(model)
				}
				if gotCur, gotAnc := e.cursorAndAnchor(); gotCur != want || gotAnc != anc {
					t.Fatalf("step %d: ctrl+shift+%s: cursor %d anchor %d, want %d and %d", i, k, gotCur, gotAnc, want, anc)
				}
			case 13: // copy
				var cb clipboard
				lo, hi := min(cur, anc), max(cur, anc)
				focused().TypedShortcut(&fyne.ShortcutCopy{Clipboard: &cb})
				if cb.content != string(model[lo:hi]) {
					t.Fatalf("step %d: copied %q, selection was %q", i, cb.content, string(model[lo:hi]))
				}
			}
			if got := e.Text(); got != string(model) {
				t.Fatalf("step %d: text %q, model %q", i, got, string(model))
			}
			if err := e.checkInvariants(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			focused()
		}
	})
}

// TestUndoAllRestoresText makes local edits only, then undoes them all and
// redoes them all.
func TestUndoAllRestoresText(t *testing.T) {
	test.NewTempApp(t)
	alphabet := []rune("ab é\n")
	rapid.Check(t, func(t *rapid.T) {
		initial := rapid.StringOfN(rapid.SampledFrom(alphabet), 0, 40, -1).Draw(t, "initial")
		e := New()
		e.SetText(initial)
		w := test.NewWindow(e)
		defer w.Close()
		w.Resize(fyne.NewSize(rapid.Float32Range(80, 400).Draw(t, "width"), 200))
		e.SetCursorOffset(rapid.IntRange(0, len([]rune(initial))).Draw(t, "start"))
		e.FocusEditor()
		keys := []fyne.KeyName{fyne.KeyReturn, fyne.KeyBackspace, fyne.KeyDelete, fyne.KeyLeft, fyne.KeyRight}
		for range rapid.IntRange(1, 25).Draw(t, "steps") {
			ent := w.Canvas().Focused().(*paraEntry)
			switch rapid.IntRange(0, 3).Draw(t, "action") {
			case 0:
				ent.TypedRune(rapid.SampledFrom(alphabet[:4]).Draw(t, "rune"))
			case 1:
				ent.TypedKey(&fyne.KeyEvent{Name: rapid.SampledFrom(keys).Draw(t, "key")})
			case 2:
				c := rapid.StringOfN(rapid.SampledFrom(alphabet), 1, 6, -1).Draw(t, "paste")
				ent.TypedShortcut(&fyne.ShortcutPaste{Clipboard: &clipboard{c}})
			case 3:
				e.SetCursorOffset(rapid.IntRange(0, len([]rune(e.Text()))).Draw(t, "to"))
			}
		}
		final := e.Text()
		for range len(e.hist.done) {
			e.Undo()
		}
		if e.Text() != initial {
			t.Fatalf("undone to %q, want %q", e.Text(), initial)
		}
		for range len(e.hist.undone) {
			e.Redo()
		}
		if e.Text() != final {
			t.Fatalf("redone to %q, want %q", e.Text(), final)
		}
	})
}

// curParaIdx is the paragraph holding rune offset off.
func curParaIdx(e *Editor, off int) int {
	i, _ := e.locate(off)
	return i
}

// TestCrossParagraphDeleteIsOneSplice selects a random range (by code or
// with shift+arrows from a random place) and deletes, cuts or types over
// it: the edit must be exactly one splice replacing the range, and undo
// must bring the text back.
func TestCrossParagraphDeleteIsOneSplice(t *testing.T) {
	test.NewTempApp(t)
	para := rapid.StringOfN(rapid.SampledFrom([]rune("ab é日 ")), 0, 30, -1)
	rapid.Check(t, func(t *rapid.T) {
		paras := rapid.SliceOfN(para, 2, 6).Draw(t, "paras")
		initial := strings.Join(paras, "\n")
		n := utf8.RuneCountInString(initial)
		e := New()
		e.SetText(initial)
		w := test.NewWindow(e)
		defer w.Close()
		w.Resize(fyne.NewSize(rapid.Float32Range(80, 500).Draw(t, "width"), 300))
		var splices [][3]any
		e.OnSplice = func(pos, del int, ins string) { splices = append(splices, [3]any{pos, del, ins}) }
		from := rapid.IntRange(0, n).Draw(t, "from")
		e.SetCursorOffset(from)
		e.FocusEditor()
		if rapid.Bool().Draw(t, "byKeys") {
			ent := w.Canvas().Focused().(*paraEntry)
			ent.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
			key := rapid.SampledFrom([]fyne.KeyName{fyne.KeyLeft, fyne.KeyRight, fyne.KeyUp, fyne.KeyDown}).Draw(t, "key")
			for range rapid.IntRange(1, 40).Draw(t, "presses") {
				w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: key})
			}
			w.Canvas().Focused().(*paraEntry).KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
		} else {
			e.SetSelection(from, rapid.IntRange(0, n).Draw(t, "to"))
		}
		lo, hi := e.Selection()
		if lo == hi {
			return
		}
		selected := e.SelectedText()
		if want := string([]rune(initial)[lo:hi]); selected != want {
			t.Fatalf("selected %q, want %q", selected, want)
		}
		ent := w.Canvas().Focused().(*paraEntry)
		ins := ""
		switch rapid.IntRange(0, 3).Draw(t, "how") {
		case 0:
			ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete})
		case 1:
			ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
		case 2:
			var cb clipboard
			ent.TypedShortcut(&fyne.ShortcutCut{Clipboard: &cb})
			if cb.content != selected {
				t.Fatalf("cut %q, selection was %q", cb.content, selected)
			}
		case 3:
			ins = "x"
			ent.TypedRune('x')
		}
		want := [3]any{lo, hi - lo, ins}
		if len(splices) != 1 || splices[0] != want {
			t.Fatalf("splices %v, want one: %v", splices, want)
		}
		r := []rune(initial)
		if got := e.Text(); got != string(r[:lo])+ins+string(r[hi:]) {
			t.Fatalf("text %q after the edit", got)
		}
		if err := e.checkInvariants(); err != nil {
			t.Fatal(err)
		}
		e.Undo()
		if e.Text() != initial {
			t.Fatalf("undo gave %q, want %q", e.Text(), initial)
		}
	})
}
