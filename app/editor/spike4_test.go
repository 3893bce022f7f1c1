package editor

import (
	"math/rand/v2"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestCountMeasures(t *testing.T) {
	test.NewTempApp(t)
	text := longText()
	e := New()
	e.SetText(text)
	w := test.NewTempWindow(t, e)
	w.Resize(fyne.NewSize(900, 700))
	m := e.metrics()
	orig := m.measure
	calls, runes := 0, 0
	m.measure = func(r []rune) float32 { calls++; runes += len(r); return orig(r) }
	mid := len(e.paras) / 2
	e.FocusEditor()
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []rune("abcdefghijklmnopqrstuvwxyz     ")
	hist := map[int]int{}
	for batch := range 20 {
		e.SetCursorOffset(e.offsetOf(mid) + (batch*37)%e.paras[mid].n)
		ent := e.focused
		for range 20 {
			calls, runes = 0, 0
			ent.TypedRune(letters[rng.IntN(len(letters))])
			hist[calls]++
			if calls > 12 {
				t.Logf("batch %d: %d calls %d runes", batch, calls, runes)
			}
		}
		for range 20 {
			ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
		}
	}
	t.Log(hist)
}
