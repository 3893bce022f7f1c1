package editor

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// longText returns a deterministic text of 13,500 characters and 2,000
// words in 30 paragraphs, like a long commitment description.
func longText() string {
	const chars, words, paras = 13500, 2000, 30
	vocab := strings.Fields(`the government will publish open data on public procurement contracts
		including beneficial ownership of suppliers and a complaints mechanism for citizens civil
		society organisations and journalists to monitor spending in health education and
		infrastructure with quarterly reports reviewed by the multistakeholder forum`)
	rng := rand.New(rand.NewPCG(1, 2))
	ws := make([]string, words)
	n := words - 1 + paras // separators and a full stop per paragraph
	for i := range ws {
		ws[i] = vocab[rng.IntN(len(vocab))]
		n += len(ws[i])
	}
	for n != chars { // lengthen or shorten random words to the exact size
		i := rng.IntN(words)
		if n < chars {
			ws[i] += "s"
			n++
		} else if len(ws[i]) > 2 {
			ws[i] = ws[i][:len(ws[i])-1]
			n--
		}
	}
	var b strings.Builder
	for i, w := range ws {
		b.WriteString(w)
		switch {
		case i == words-1:
			b.WriteByte('.')
		case (i+1)%(words/paras+1) == 0:
			b.WriteString(".\n")
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
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
func keystrokeBench(b *testing.B, t typist) {
	const samples, batch = 1000, 20
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

	// Wall time is what a user sees; thread CPU time leaves out waiting for
	// a core, which on a busy machine is most of the worst cases.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wall := make([]time.Duration, 0, samples)
	cpu := make([]time.Duration, 0, samples)
	for len(wall) < samples {
		run(func(f func()) bool {
			c0, t0 := threadCPU(), time.Now()
			f()
			wall = append(wall, time.Since(t0))
			cpu = append(cpu, threadCPU()-c0)
			return true
		})
	}
	pct := func(d []time.Duration, q float64) float64 {
		d = slices.Sorted(slices.Values(d))
		return float64(d[int(q*float64(len(d)-1))]) / 1e6
	}

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
	b.ReportMetric(pct(wall, 0.5), "p50-ms")
	b.ReportMetric(pct(wall, 0.99), "p99-ms")
	b.ReportMetric(pct(wall, 1), "max-ms")
	b.ReportMetric(pct(cpu, 0.5), "p50-cpu-ms")
	b.ReportMetric(pct(cpu, 0.99), "p99-cpu-ms")
}

// BenchmarkKeystrokeLongText types into the middle paragraph of a
// 13,500-character text of 30 paragraphs shown in a 900x700 window.
func BenchmarkKeystrokeLongText(b *testing.B) {
	benchmarkEditor(b, longText())
}

// BenchmarkKeystrokeOneParagraph is BenchmarkKeystrokeLongText with the
// whole text in one paragraph.
func BenchmarkKeystrokeOneParagraph(b *testing.B) {
	benchmarkEditor(b, strings.ReplaceAll(longText(), "\n", " "))
}

func benchmarkEditor(b *testing.B, text string) {
	test.NewTempApp(b)
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
	keystrokeBench(b, typist{
		moveTo: func(batch int) {
			p := e.paras[mid]
			e.SetCursorOffset(e.offsetOf(mid) + p.n/3 + (batch*37)%(p.n/3))
			if ent = e.focused; ent == nil || ent.para != p {
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
	keystrokeBench(b, typist{
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
