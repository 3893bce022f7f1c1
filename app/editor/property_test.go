package editor

import (
	"slices"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
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

		steps := rapid.IntRange(1, 30).Draw(t, "steps")
		for i := range steps {
			cur := e.CursorOffset()
			switch rapid.IntRange(0, 4).Draw(t, "action") {
			case 0: // type
				r := rapid.SampledFrom([]rune("xy é日")).Draw(t, "rune")
				focused().TypedRune(r)
				if got := e.CursorOffset(); got != cur+1 {
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
				e.ApplySplice(pos, del, ins)
				model = slices.Concat(model[:pos], []rune(ins), model[pos+del:])
				if got, want := e.CursorOffset(), shift(cur, pos, del, utf8.RuneCountInString(ins)); got != want {
					t.Fatalf("step %d: remote (%d, %d, %q) moved cursor %d to %d, want %d", i, pos, del, ins, cur, got, want)
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
