package app

import (
	"fmt"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// findBar searches one long text: Ctrl+F opens it over the editor, typing
// selects the first match from where the selection starts, Enter and the
// arrows go to the next and previous match, Escape closes it.
type findBar struct {
	ed    longText
	entry *findEntry
	count *widget.Label
	box   *fyne.Container
}

// findEntry is the query box; Escape closes the bar.
type findEntry struct {
	widget.Entry
	onEscape func()
}

func newFindEntry(onEscape func()) *findEntry {
	e := &findEntry{onEscape: onEscape}
	e.ExtendBaseWidget(e)
	return e
}

func (e *findEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEscape != nil {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

func newFindBar(ed longText) *findBar {
	f := &findBar{ed: ed}
	f.entry = newFindEntry(f.close)
	f.entry.SetPlaceHolder("Find in this text")
	f.entry.OnChanged = func(string) { f.search(0) }
	f.entry.OnSubmitted = func(string) { f.search(1) }
	f.count = widget.NewLabel("")
	f.count.Importance = widget.LowImportance
	prev := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { f.search(-1) })
	next := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { f.search(1) })
	done := widget.NewButtonWithIcon("", theme.CancelIcon(), f.close)
	for _, b := range []*widget.Button{prev, next, done} {
		b.Importance = widget.LowImportance
	}
	f.box = container.NewBorder(nil, nil, nil, container.NewHBox(f.count, prev, next, done), f.entry)
	f.box.Hide()
	return f
}

// show opens the bar with the focus in it, starting from the selected
// text when it is one short line.
func (f *findBar) show(c fyne.Canvas) {
	if sel := f.ed.SelectedText(); sel != "" && len([]rune(sel)) <= 80 && !containsNewline(sel) {
		f.entry.SetText(sel)
	}
	f.box.Show()
	c.Focus(f.entry)
	f.entry.TypedShortcut(&fyne.ShortcutSelectAll{})
}

func containsNewline(s string) bool {
	for _, r := range s {
		if r == '\n' {
			return true
		}
	}
	return false
}

// close hides the bar and gives the text the focus, on the match.
func (f *findBar) close() {
	f.box.Hide()
	f.count.SetText("")
	if c := fyne.CurrentApp().Driver().CanvasForObject(f.ed.object()); c != nil {
		f.ed.focus(c)
	}
}

// search selects a match of the query: dir 0 the first at or after the
// selection's start, 1 the next after it, -1 the one before it; the search
// wraps around the text.
func (f *findBar) search(dir int) {
	q := []rune(f.entry.Text)
	if len(q) == 0 {
		f.count.SetText("")
		return
	}
	matches := findAll([]rune(f.ed.Text()), q)
	if len(matches) == 0 {
		f.count.SetText("Not found")
		return
	}
	from, to := f.ed.Selection()
	if dir > 0 && to > from {
		from++ // past the match shown
	}
	i := 0
	for i < len(matches) && matches[i] < from {
		i++
	}
	if dir < 0 {
		i-- // the last one before the selection
		if i < 0 {
			i = len(matches) - 1
		}
	}
	if i >= len(matches) {
		i = 0
	}
	f.ed.SetSelection(matches[i], matches[i]+len(q))
	f.count.SetText(fmt.Sprintf("%d of %d", i+1, len(matches)))
}

// findAll returns the rune offsets where q occurs in text, ignoring case.
func findAll(text, q []rune) []int {
	fold := func(r rune) rune { return unicode.ToLower(r) } // keeps rune counts
	var out []int
	for i := 0; i+len(q) <= len(text); i++ {
		ok := true
		for j, r := range q {
			if fold(text[i+j]) != fold(r) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}
