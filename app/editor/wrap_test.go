package editor

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"pgregory.net/rapid"
)

// fataler is what the checks need of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

func testWrapper(width float32) *wrapper {
	m := textMeasurer(theme.TextSize(), fyne.TextStyle{})
	return &wrapper{maxWidth: width, perRow: max(4, int(width/7)), measure: m}
}

// checkRows asserts rows are a valid greedy word wrap of text.
func checkRows(t fataler, w *wrapper, text []rune, rows []span) {
	t.Helper()
	if len(rows) == 0 || rows[0].begin != 0 || rows[len(rows)-1].end != len(text) {
		t.Fatalf("rows %v do not cover %d runes", rows, len(text))
	}
	for i, r := range rows {
		if r.end < r.begin {
			t.Fatalf("row %d %v is reversed", i, r)
		}
		if i+1 == len(rows) {
			break
		}
		next := rows[i+1]
		switch next.begin {
		case r.end + 1:
			if !unicode.IsSpace(text[r.end]) {
				t.Fatalf("row %d swallows %q, not a space", i, text[r.end])
			}
			// Greedy: the next break would not fit.
			if w.fits(text, r.begin, nextBreak(text, r.end+1)) {
				t.Fatalf("row %d %q could take the next word", i, string(text[r.begin:r.end]))
			}
		case r.end:
			// A cut word: no space to break at, and one more rune would not fit.
			if strings.ContainsFunc(string(text[r.begin+1:r.end]), unicode.IsSpace) && w.fits(text, r.begin, r.end) {
				t.Fatalf("row %d %q is cut although it has a space", i, string(text[r.begin:r.end]))
			}
			if r.end-r.begin > 1 && w.fits(text, r.begin, r.end+1) {
				t.Fatalf("row %d %q is cut short", i, string(text[r.begin:r.end]))
			}
		default:
			t.Fatalf("rows %d and %d: %v then %v", i, i+1, r, next)
		}
		if r.end-r.begin > 1 && !w.fits(text, r.begin, r.end) {
			t.Fatalf("row %d %q is too wide", i, string(text[r.begin:r.end]))
		}
	}
}

func TestWrapLongText(t *testing.T) {
	test.NewTempApp(t)
	for _, width := range []float32{876, 588, 288, 38, 5} {
		w := testWrapper(width)
		for _, p := range strings.Split(longText(), "\n")[:4] {
			text := []rune(p)
			checkRows(t, w, text, w.all(text))
		}
	}
}

func TestWrapProperties(t *testing.T) {
	test.NewTempApp(t)
	alphabet := []rune("aaaaaaaaaaeeeeeeiiiiioooouuuuWWMMll.,-  \t")
	rapid.Check(t, func(t *rapid.T) {
		w := testWrapper(rapid.Float32Range(0, 300).Draw(t, "width"))
		gen := rapid.StringOfN(rapid.SampledFrom(alphabet), 0, 200, -1)
		text := []rune(gen.Draw(t, "text"))
		rows := w.all(text)
		checkRows(t, w, text, rows)

		// Re-wrapping after a splice gives the same rows as wrapping anew.
		pos := rapid.IntRange(0, len(text)).Draw(t, "pos")
		del := rapid.IntRange(0, len(text)-pos).Draw(t, "del")
		ins := []rune(rapid.StringOfN(rapid.SampledFrom(alphabet), 0, 20, -1).Draw(t, "ins"))
		edited := slices.Concat(text[:pos], ins, text[pos+del:])
		got := w.rewrap(edited, rows, pos, del, len(ins))
		if want := w.all(edited); !slices.Equal(got, want) {
			t.Fatalf("rewrap %v, wrap %v", got, want)
		}

		// Entry offsets and paragraph offsets convert back and forth.
		shown := []rune(entryText(text, rows))
		if len(shown) < len(text) {
			t.Fatalf("entry text %q shorter than the paragraph", string(shown))
		}
		for off := 0; off <= len(text); off++ {
			_, _, e := toEntry(rows, off)
			if back := toPara(rows, e); back != off {
				t.Fatalf("offset %d -> entry %d -> %d", off, e, back)
			}
		}
	})
}

func TestColAtX(t *testing.T) {
	test.NewTempApp(t)
	m := textMeasurer(theme.TextSize(), fyne.TextStyle{})
	row := []rune("milestones and dates")
	for i := range row {
		// The leading edge of column i maps back to i.
		if got := colAtX(row, m(row[:i]), m); got != i {
			t.Errorf("x of column %d gives %d", i, got)
		}
	}
	if got := colAtX(row, 1e6, m); got != len(row) {
		t.Errorf("far right gives %d", got)
	}
	if got := colAtX(row, -5, m); got != 0 {
		t.Errorf("far left gives %d", got)
	}
}

func TestLongTextShape(t *testing.T) {
	s := longText()
	if n := len([]rune(s)); n != 13500 {
		t.Errorf("%d characters", n)
	}
	if n := len(strings.Fields(s)); n != 2000 {
		t.Errorf("%d words", n)
	}
	if n := strings.Count(s, "\n") + 1; n != 30 {
		t.Errorf("%d paragraphs", n)
	}
}
