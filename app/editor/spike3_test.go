package editor

import (
	"math/rand/v2"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestBatchRestore(t *testing.T) {
	test.NewTempApp(t)
	text := longText()
	e := New()
	e.SetText(text)
	w := test.NewTempWindow(t, e)
	w.Resize(fyne.NewSize(900, 700))
	model := []rune(text)
	e.OnSplice = func(pos, del int, ins string) {
		model = append(model[:pos:pos], append([]rune(ins), model[pos+del:]...)...)
	}
	mid := len(e.paras) / 2
	e.FocusEditor()
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []rune("abcdefghijklmnopqrstuvwxyz     ")
	for batch := range 60 {
		want := e.offsetOf(mid) + (batch*37)%e.paras[mid].n
		e.SetCursorOffset(want)
		if e.CursorOffset() != want {
			t.Fatalf("batch %d: cursor %d want %d", batch, e.CursorOffset(), want)
		}
		ent := e.focused
		for i := range 20 {
			r := letters[rng.IntN(len(letters))]
			ent.TypedRune(r)
			if string(model) != e.Text() || e.CursorOffset() != want+i+1 {
				t.Fatalf("batch %d key %d %q: model mismatch %v, cursor %d want %d", batch, i, r, string(model) != e.Text(), e.CursorOffset(), want+i+1)
			}
			if err := e.checkInvariants(); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 20 {
			ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
			if string(model) != e.Text() || e.CursorOffset() != want+19-i {
				t.Fatalf("batch %d backspace %d: model mismatch %v cursor %d want %d", batch, i, string(model) != e.Text(), e.CursorOffset(), want+19-i)
			}
		}
		if e.Text() != text {
			t.Fatalf("batch %d: text not restored", batch)
		}
	}
}
