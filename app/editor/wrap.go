package editor

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
)

// span is one visual row of a paragraph, as rune indices [begin, end).
// Between two rows the text either has one space the wrap swallowed
// (next.begin == end+1) or a word too long for a row was cut (next.begin == end).
type span struct{ begin, end int }

// wrapper word-wraps paragraphs the way Fyne's entry does: a row ends
// before the last space at which its text still fits, a word wider than a
// row is cut, and the space at a row break is not shown.
//
// The editor wraps paragraphs itself and gives each entry its text with a
// '\n' at every row break (in place of the swallowed space), with the
// entry's own wrapping off. Fyne's wrapping measures the rest of the
// paragraph for every row on every keystroke, and an uncached
// fyne.MeasureText costs about 0.1 ms; here an edit re-wraps from the
// row before it until the rows fall back into step, and mostly measures
// strings measured before, which Fyne caches.
type wrapper struct {
	maxWidth float32
	perRow   int // estimated runes per row, where the search starts
	measure  func([]rune) float32
}

func (w *wrapper) fits(text []rune, low, high int) bool {
	return w.measure(text[low:high]) <= w.maxWidth
}

// all wraps a whole paragraph.
func (w *wrapper) all(text []rune) []span {
	return w.from(text, nil, 0, 0, 0, 0)
}

// rewrap wraps text after a splice (pos, del runes, ins runes inserted)
// made to the text old was wrapped from, reusing rows the splice cannot
// have changed.
func (w *wrapper) rewrap(text []rune, old []span, pos, del, ins int) []span {
	r := 0
	for r+1 < len(old) && old[r+1].begin <= pos {
		r++
	}
	// The row before may take the start of an edited row, so begin there.
	r = max(0, r-1)
	return w.from(text, old, r, pos, del, ins)
}

// from wraps text from old row r on (all of text if old is nil), where
// old was wrapped before a splice at pos deleting del and inserting ins
// runes. Old rows give hints for where new rows end, and those starting
// after the splice are reused once a new row starts where one of them does.
func (w *wrapper) from(text []rune, old []span, r, pos, del, ins int) []span {
	if w.maxWidth < 0 {
		return []span{{0, len(text)}}
	}
	// Where an old offset is now: unmoved before the splice, shifted after.
	now := func(off int) int {
		if off > pos || off == pos && del > 0 {
			return max(pos+ins, off-del+ins)
		}
		return off
	}
	rows := append([]span(nil), old[:r]...)
	low := 0
	if r < len(old) {
		low = old[r].begin
	}
	k := r
	for {
		hint := -1
		for k < len(old) && now(old[k].begin) < low {
			k++
		}
		if k < len(old) && now(old[k].begin) == low {
			if old[k].begin >= pos+del && low >= pos+ins && len(rows) > r { // back in step
				for _, o := range old[k:] {
					rows = append(rows, span{now(o.begin), now(o.end)})
				}
				return rows
			}
			hint = now(old[k].end)
		}
		end, next := w.row(text, low, hint)
		rows = append(rows, span{low, end})
		if end == len(text) {
			return rows
		}
		low = next
	}
}

// row returns where the row starting at low ends and where the next one
// starts. hint, if not -1, is where the row ended before an edit: the new
// end is usually there or a word or two away.
func (w *wrapper) row(text []rune, low, hint int) (end, next int) {
	n := len(text)
	if low >= n {
		return n, n
	}
	if end, ok := w.rowNear(text, low, hint); ok {
		return end, end + 1
	} else if end == n {
		return n, n
	}
	// Bracket the longest fitting prefix: fits(low, good), !fits(low, bad).
	step := max(w.perRow/4, 2)
	good, bad := low, -1
	if probe := min(low+w.perRow, n); w.fits(text, low, probe) {
		for bad < 0 {
			if probe == n { // the rest fits
				return n, n
			}
			good = probe
			probe = min(good+step, n)
			if !w.fits(text, low, probe) {
				bad = probe
			}
		}
	} else {
		bad = probe
		for good == low {
			probe = bad - step
			if probe <= low {
				break
			}
			if w.fits(text, low, probe) {
				good = probe
			} else {
				bad = probe
			}
		}
	}

	// The last space s in (low, bad) with fits(low, s).
	var spaces []int
	for i := good + 1; i < bad; i++ {
		if unicode.IsSpace(text[i]) {
			spaces = append(spaces, i)
		}
	}
	lo, hi := 0, len(spaces) // spaces[:lo] fit, spaces[hi:] do not
	for lo < hi {
		mid := (lo + hi) / 2
		if w.fits(text, low, spaces[mid]) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo > 0 {
		s := spaces[lo-1]
		return s, s + 1
	}
	for s := good; s > low; s-- {
		if unicode.IsSpace(text[s]) {
			return s, s + 1
		}
	}
	// No space: cut the word at the longest fitting prefix, at least one rune.
	for bad-good > 1 {
		mid := (good + bad) / 2
		if w.fits(text, low, mid) {
			good = mid
		} else {
			bad = mid
		}
	}
	end = max(good, low+1)
	return end, end
}

// rowNear looks for the row's end by walking from hint over a few spaces:
// the row ends at the last space s with fits(low, s), unless the whole
// rest fits (end n, ok false). ok false with end -1 means not found.
func (w *wrapper) rowNear(text []rune, low, hint int) (end int, ok bool) {
	n := len(text)
	const maxSteps = 6
	s := hint
	switch {
	case hint <= low || hint > n:
		return -1, false
	case hint == n:
		if w.fits(text, low, n) {
			return n, false
		}
		s = prevSpace(text, low, n)
		if s < 0 {
			return -1, false
		}
	case !unicode.IsSpace(text[hint]):
		return -1, false
	}
	if w.fits(text, low, s) {
		for range maxSteps {
			b := nextBreak(text, s+1)
			if !w.fits(text, low, b) {
				return s, true
			}
			if b == n {
				return n, false
			}
			s = b
		}
		return -1, false
	}
	for range maxSteps {
		s = prevSpace(text, low, s)
		if s < 0 {
			return -1, false
		}
		if w.fits(text, low, s) {
			return s, true
		}
	}
	return -1, false
}

// prevSpace returns the last space in (low, i), or -1.
func prevSpace(text []rune, low, i int) int {
	for i--; i > low; i-- {
		if unicode.IsSpace(text[i]) {
			return i
		}
	}
	return -1
}

// nextBreak returns the first space at or after i, or len(text).
func nextBreak(text []rune, i int) int {
	for ; i < len(text); i++ {
		if unicode.IsSpace(text[i]) {
			return i
		}
	}
	return len(text)
}

// entryText is the text an entry shows for a wrapped paragraph: its rows
// joined by '\n'.
func entryText(text []rune, rows []span) string {
	var b strings.Builder
	b.Grow(len(text) + len(rows))
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(string(text[r.begin:r.end]))
	}
	return b.String()
}

// toPara converts a rune offset in a paragraph's entry text to one in the
// paragraph; the end of a row maps to the swallowed space or cut.
func toPara(rows []span, off int) int {
	start := 0
	for _, r := range rows {
		n := r.end - r.begin
		if off <= start+n {
			return r.begin + max(0, off-start)
		}
		start += n + 1
	}
	return rows[len(rows)-1].end
}

// toEntry converts a paragraph offset to a row and column in its entry
// and the offset in the entry's text.
func toEntry(rows []span, off int) (row, col, eoff int) {
	start := 0
	for i, r := range rows {
		if off <= r.end || i == len(rows)-1 {
			col = max(0, min(off, r.end)-r.begin)
			return i, col, start + col
		}
		start += r.end - r.begin + 1
	}
	return 0, 0, 0
}

// entryRowCol returns the row and column of an offset in an entry's text.
func entryRowCol(text string, off int) (row, col int) {
	for _, r := range text {
		if off == 0 {
			break
		}
		off--
		if r == '\n' {
			row, col = row+1, 0
		} else {
			col++
		}
	}
	return row, col
}

// entryOffset is the inverse of entryRowCol.
func entryOffset(text string, row, col int) int {
	off := 0
	for _, r := range text {
		if row == 0 {
			break
		}
		off++
		if r == '\n' {
			row--
		}
	}
	return off + col
}

// colAtX returns the column of row whose leading edge is nearest to x
// (measured from the start of the row), as a click would.
func colAtX(row []rune, x float32, measure func([]rune) float32) int {
	// Widths grow with the prefix: find the last prefix not wider than x.
	lo, hi := 0, len(row)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if measure(row[:mid]) <= x {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo < len(row) {
		left := measure(row[:lo])
		if x-left > measure(row[:lo+1])-x {
			lo++
		}
	}
	return lo
}

// textMeasurer measures runes at a fixed size and style.
func textMeasurer(size float32, style fyne.TextStyle) func([]rune) float32 {
	return func(r []rune) float32 {
		return fyne.MeasureText(string(r), size, style).Width
	}
}
