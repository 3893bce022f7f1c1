package editor

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// longText returns a deterministic text of about 13,500 characters and
// 2,000 words in 30 paragraphs, like a long commitment description.
// stockSamples is smaller than our 1,000 as each stock keystroke is slow.
const stockSamples = 100

func longText() string {
	words := strings.Fields(`the government will publish open data on public procurement contracts
		including beneficial ownership of suppliers and a complaints mechanism for citizens civil
		society organisations and journalists to monitor spending in health education and
		infrastructure with quarterly reports reviewed by the multistakeholder forum`)
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for p := range 30 {
		if p > 0 {
			b.WriteByte('\n')
		}
		for w := range 2000 / 30 {
			if w > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
		b.WriteByte('.')
	}
	s := b.String()
	// Pad or trim words to land on 13,500 characters.
	for utf8.RuneCountInString(s) < 13500 {
		s = strings.Replace(s, " ", "  ", 1)
		s = strings.Replace(s, "  ", " extra ", 1)
	}
	return s
}

// typist drives keystrokes into one implementation.
type typist struct {
	moveTo func(batch int) // untimed: put the cursor somewhere new
	typ    func(r rune)    // one keystroke through the focused entry
	undo   func()          // untimed: backspace
}

// keystrokeBench types into the middle of the text and times each
// keystroke: TypedRune, which refreshes the entry's renderer synchronously,
// and in our editor the splice callback and any relayout. Fyne caches text
// measurements by string, so each batch types random letters at a new
// place (every timed keystroke makes text never measured before), and is
// then undone untimed to keep the text the same size.
func keystrokeBench(b *testing.B, samples int, t typist) {
	const batch = 20
	rng := rand.New(rand.NewPCG(3, 4))
	letters := []rune("abcdefghijklmnopqrstuvwxyz     ")
	n := 0
	run := func(timed func(func()) bool) {
		t.moveTo(n / batch)
		typed := 0
		for range batch {
			r := letters[rng.IntN(len(letters))]
			if !timed(func() { t.typ(r) }) {
				break
			}
			typed++
			n++
		}
		for range typed {
			t.undo()
		}
	}

	times := make([]time.Duration, 0, samples)
	for len(times) < samples {
		run(func(f func()) bool {
			start := time.Now()
			f()
			times = append(times, time.Since(start))
			return true
		})
	}
	slices.Sort(times)
	p := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))]) / 1e6 }

	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; {
		run(func(f func()) bool {
			if i == b.N {
				return false
			}
			b.StartTimer()
			f()
			b.StopTimer()
			i++
			return true
		})
	}
	b.ReportMetric(p(0.5), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(p(1), "max-ms")
}

// BenchmarkKeystrokeLongText types into the middle paragraph of a
// 13,500-character text shown in a 900x700 window.
func BenchmarkKeystrokeLongText(b *testing.B) {
	test.NewTempApp(b)
	text := longText()
	e := New()
	e.SetText(text)
	w := test.NewTempWindow(b, e)
	w.Resize(fyne.NewSize(900, 700))
	mid := len(e.paras) / 2
	e.SetCursorOffset(e.offsetOf(mid))
	e.FocusEditor()
	spliced := 0
	e.OnSplice = func(int, int, string) { spliced++ }
	var ent *paraEntry
	keystrokeBench(b, 1000, typist{
		moveTo: func(batch int) {
			e.SetCursorOffset(e.offsetOf(mid) + (batch*37)%e.paras[mid].n)
			if ent = e.focused; ent == nil || ent.para.idx != mid {
				b.Fatal("middle paragraph not focused")
			}
		},
		typ:  func(r rune) { ent.TypedRune(r) },
		undo: func() { ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace}) },
	})
	if spliced == 0 || e.Text() != text {
		b.Fatal("keystrokes were not spliced and undone")
	}
}

// BenchmarkKeystrokeStockEntry is the baseline: Fyne's own word-wrapped
// multi-line entry with the same text, window and keystrokes.
func BenchmarkKeystrokeStockEntry(b *testing.B) {
	test.NewTempApp(b)
	text := longText()
	ent := widget.NewMultiLineEntry()
	ent.Wrapping = fyne.TextWrapWord
	ent.SetText(text)
	w := test.NewTempWindow(b, ent)
	w.Resize(fyne.NewSize(900, 700))
	w.Canvas().Focus(ent)
	changed := 0
	ent.OnChanged = func(string) { changed++ }
	keystrokeBench(b, stockSamples, typist{
		moveTo: func(batch int) {
			// Rows near the middle of the text at this width.
			ent.CursorRow, ent.CursorColumn = 55+batch%10, (batch*37)%80
			ent.Refresh()
		},
		typ:  func(r rune) { ent.TypedRune(r) },
		undo: func() { ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace}) },
	})
	if changed == 0 || ent.Text != text {
		b.Fatal("keystrokes were not applied and undone")
	}
}
